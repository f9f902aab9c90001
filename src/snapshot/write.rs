//! Writes a [`Graph`] back as a snapshot file (docs/FORMAT.md, version 1): what `Snapshot.save`
//! does for a snapshot taken in memory by the native walker. Records keep the order of the graph's
//! nodes; `unreferenced` roots are left out (the loader derives them); dangling refs were dropped
//! when the graph was built, so the file has none. A `.gz` path is compressed. The file is written
//! beside the target and renamed when whole, like the agent does.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::graph::{Graph, LabelIndex, Node};
use crate::snapshot::{AttrStorage, Extra, Header, RootKind, Trailer};

/// Writes `g` to `path` (gzip when it ends in `.gz`).
pub fn save(g: &Graph, path: &Path) -> Result<()> {
    save_with(g, path, path.to_string_lossy().ends_with(".gz"))
}

/// Writes `g` to `path`, compressed with gzip when `gzip` is set.
pub fn save_with(g: &Graph, path: &Path, gzip: bool) -> Result<()> {
    let io_err = |source: std::io::Error| Error::Io { path: path.to_path_buf(), source };
    let tmp = temp_path(path);
    let result = (|| -> std::io::Result<()> {
        let mut out = Out::create(&tmp, gzip)?;
        write(g, out.inner())?;
        out.finish()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err)
}

/// A snapshot file being written: buffered, and compressed with gzip when asked.
pub(crate) enum Out {
    Plain(BufWriter<std::fs::File>),
    Gzip(flate2::write::GzEncoder<BufWriter<std::fs::File>>),
}

impl Out {
    pub fn create(path: &Path, gzip: bool) -> std::io::Result<Out> {
        let buf = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        Ok(if gzip { Out::Gzip(flate2::write::GzEncoder::new(buf, flate2::Compression::fast())) } else { Out::Plain(buf) })
    }
    pub fn inner(&mut self) -> &mut dyn Write {
        match self {
            Out::Plain(w) => w,
            Out::Gzip(w) => w,
        }
    }
    /// Ends the gzip stream (if any) and flushes.
    pub fn finish(self) -> std::io::Result<()> {
        let mut file = match self {
            Out::Plain(w) => w,
            Out::Gzip(w) => w.finish()?,
        };
        file.flush()
    }
}

/// Where a snapshot is written before it is renamed to `path` when whole: beside it, hidden.
pub(crate) fn temp_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn attr_text(a: AttrStorage) -> &'static str {
    match a {
        AttrStorage::Dict => "dict",
        AttrStorage::Inline => "inline",
        AttrStorage::Slots => "slots",
        AttrStorage::SlotsDict => "slots+dict",
        AttrStorage::SlotsInline => "slots+inline",
        AttrStorage::Other => "other",
    }
}

/// Writes `g` as a snapshot document to `w`.
pub fn write(g: &Graph, w: &mut dyn Write) -> std::io::Result<()> {
    let mut counter = Counter { inner: w, bytes: 0 };
    let w = &mut counter;
    // written as the writers write them: an interpreter table as a named `unreferenced` root (the
    // header's `internals` makes it `internal` again); derived roots are derived again on load
    let roots: Vec<(u64, RootKind, &str)> = g
        .roots
        .iter()
        .filter_map(|r| match r.kind {
            RootKind::Modules | RootKind::Frame => Some((g.id(r.node), r.kind, r.name.as_str())),
            RootKind::Internal => Some((g.id(r.node), RootKind::Unreferenced, r.name.as_str())),
            RootKind::Unreferenced | RootKind::CHeld => None,
        })
        .collect();
    write_head(w, &g.header, &roots)?;
    // Records are formatted in parallel chunks and written in order.
    const CHUNK: u32 = 1 << 16;
    let n = g.node_count() as u32;
    let chunks: Vec<std::ops::Range<u32>> = (0..n.div_ceil(CHUNK)).map(|c| c * CHUNK..((c + 1) * CHUNK).min(n)).collect();
    let parts: Vec<(Vec<u8>, u64)> = {
        use rayon::prelude::*;
        chunks.into_par_iter().map(|r| records(g, r)).collect()
    };
    let mut edges = 0u64;
    for (bytes, e) in parts {
        w.write_all(&bytes)?;
        edges += e;
    }
    let bytes = w.bytes;
    write_tail(w, bytes, &g.labels, Trailer { objects: g.node_count() as u64, edges, seconds: g.trailer.seconds, bytes: 0 })
}

/// The lines before the first object record: format, header, roots, and the opening of `objects`.
pub(crate) fn write_head(w: &mut dyn Write, header: &Header, roots: &[(u64, RootKind, &str)]) -> std::io::Result<()> {
    let json = |v: &dyn erased::Ser| v.to_json();
    writeln!(w, "{{\"format\":\"heapdiff\",\"version\":1,")?;
    writeln!(w, "\"header\":{},", json(header))?;
    writeln!(w, "\"roots\":{},", json(&roots))?;
    writeln!(w, "\"objects\":[")
}

/// The lines after the last object record (each record ends with `,\n`, the last with `\n`):
/// the end of `objects`, the labels and the trailer. `written`: bytes written before this call,
/// which the trailer reports with what this call writes before it.
pub(crate) fn write_tail(w: &mut dyn Write, written: u64, labels: &[Box<str>], trailer: Trailer) -> std::io::Result<()> {
    let json = |v: &dyn erased::Ser| v.to_json();
    let mut counter = Counter { inner: w, bytes: written };
    let w = &mut counter;
    writeln!(w, "],")?;
    writeln!(w, "\"labels\":[")?;
    for (i, l) in labels.iter().enumerate() {
        writeln!(w, "{}{}", json(&&**l), if i + 1 < labels.len() { "," } else { "" })?;
    }
    writeln!(w, "],")?;
    let trailer = Trailer { bytes: w.bytes, ..trailer };
    writeln!(w, "\"trailer\":{}}}", json(&trailer))
}

/// One object record's fields as written (docs/FORMAT.md): what both the graph writer and the
/// native walker's streaming writer format, so that the two cannot drift apart.
pub(crate) struct Record<'a> {
    pub id: u64,
    pub type_id: u64,
    pub size: u64,
    pub refs: &'a [u64],
    pub labels: &'a [LabelIndex],
    /// Fields beyond h/l/a/i (names, errors, native bytes, ...).
    pub rich: Option<&'a Extra>,
    pub h: Option<i64>,
    pub l: Option<u64>,
    pub a: Option<AttrStorage>,
    pub i: Option<u64>,
}

fn put_int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `r` as one record, without the `,` or newline that follows it.
pub(crate) fn put_record(out: &mut Vec<u8>, r: &Record<'_>) {
    out.push(b'[');
    put_int(out, r.id);
    out.push(b',');
    put_int(out, r.type_id);
    out.push(b',');
    put_int(out, r.size);
    out.extend_from_slice(b",[");
    for (k, &to) in r.refs.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        put_int(out, to);
    }
    out.push(b']');
    let labelled = r.labels.iter().any(|&l| l != 0);
    let rich = r.rich.filter(|e| e.has_rich_fields());
    let i = r.i.filter(|&v| v > 0);
    let has_extra = rich.is_some() || r.h.is_some() || r.l.is_some() || r.a.is_some() || i.is_some();
    if labelled || has_extra {
        out.extend_from_slice(b",[");
        if labelled {
            for (k, &l) in r.labels.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                put_int(out, l);
            }
        }
        out.push(b']');
    }
    if !has_extra {
        out.push(b']');
        return;
    }
    // `{"k":v,...}` straight into `out`: the first key opens the object
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, key: &str| {
        out.extend_from_slice(if first { b",{\"" } else { b",\"" });
        first = false;
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
    };
    let json = |out: &mut Vec<u8>, v: &dyn erased::Ser| out.extend_from_slice(v.to_json().as_bytes());
    if let Some(e) = rich {
        if let Some(v) = &e.n {
            key(out, "n");
            json(out, v);
        }
        if let Some(v) = &e.e {
            key(out, "e");
            json(out, v);
        }
        if let Some(v) = e.d {
            key(out, "d");
            json(out, &v);
        }
        if let Some(v) = e.nb {
            key(out, "nb");
            put_int(out, v);
        }
        if let Some(v) = &e.dev {
            key(out, "dev");
            json(out, v);
        }
        if let Some(v) = &e.dt {
            key(out, "dt");
            json(out, v);
        }
        if let Some(v) = &e.sh {
            key(out, "sh");
            json(out, v);
        }
        if let Some(v) = e.own {
            key(out, "own");
            json(out, &v);
        }
    }
    if let Some(v) = r.h {
        key(out, "h");
        put_int(out, v);
    }
    if let Some(v) = r.l {
        key(out, "l");
        put_int(out, v);
    }
    if let Some(v) = r.a {
        key(out, "a");
        out.push(b'"');
        out.extend_from_slice(attr_text(v).as_bytes());
        out.push(b'"');
    }
    if let Some(v) = i {
        key(out, "i");
        put_int(out, v);
    }
    out.extend_from_slice(b"}]");
}

/// A side array sorted by node, read with a cursor: the value at `n`, for ascending `n`.
struct Cursor<'a, T> {
    items: &'a [(Node, T)],
    at: usize,
}

impl<'a, T: Copy> Cursor<'a, T> {
    fn from(items: &'a [(Node, T)], start: Node) -> Self {
        Cursor { items, at: items.partition_point(|e| e.0 < start) }
    }
    fn get(&mut self, n: Node) -> Option<T> {
        while self.at < self.items.len() && self.items[self.at].0 < n {
            self.at += 1;
        }
        self.items.get(self.at).filter(|e| e.0 == n).map(|e| e.1)
    }
}

/// The object records of the nodes in `range`, one per line, and how many refs they hold.
fn records(g: &Graph, range: std::ops::Range<u32>) -> (Vec<u8>, u64) {
    let mut out: Vec<u8> = Vec::with_capacity((range.end - range.start) as usize * 64);
    let mut edges = 0u64;
    let mut refs: Vec<u64> = Vec::new();
    let mut labels: Vec<LabelIndex> = Vec::new();
    let start = range.start;
    let (mut ch, mut cl, mut ca, mut ci) =
        (Cursor::from(&g.str_hash, start), Cursor::from(&g.lengths, start), Cursor::from(&g.attrs, start), Cursor::from(&g.inline, start));
    let last = g.node_count() as u32;
    for n in range {
        let t = &g.types[g.type_index(n) as usize];
        refs.clear();
        labels.clear();
        for (to, l) in g.edges(n) {
            refs.push(g.id(to));
            labels.push(l);
        }
        edges += refs.len() as u64;
        let r = Record {
            id: g.id(n),
            type_id: t.node.map(|tn| g.id(tn)).unwrap_or(0),
            size: g.getsizeof(n),
            refs: &refs,
            labels: &labels,
            rich: g.extra(n),
            h: ch.get(n),
            l: cl.get(n),
            a: ca.get(n),
            i: ci.get(n),
        };
        put_record(&mut out, &r);
        out.extend_from_slice(if n + 1 < last { b",\n" } else { b"\n" });
    }
    (out, edges)
}

/// Object records in the columns the native walker fills (a [`crate::graph::GraphBuilder`]'s,
/// taken every few thousand objects), handed to a thread that formats and writes them while the
/// walk goes on. Node numbers in the side arrays count from the chunk's first object.
#[derive(Default)]
pub(crate) struct RecordChunk {
    pub ids: Vec<u64>,
    pub type_ids: Vec<u64>,
    pub getsizeof: Vec<u64>,
    pub ref_counts: Vec<u32>,
    pub refs: Vec<u64>,
    pub labels: Vec<LabelIndex>,
    /// Sorted by node.
    pub extra: Vec<(Node, Extra)>,
    pub str_hash: Vec<(Node, i64)>,
    pub lengths: Vec<(Node, u64)>,
    pub attrs: Vec<(Node, AttrStorage)>,
    pub inline: Vec<(Node, u64)>,
}

impl RecordChunk {
    /// Empties every column, keeping the memory.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.type_ids.clear();
        self.getsizeof.clear();
        self.ref_counts.clear();
        self.refs.clear();
        self.labels.clear();
        self.extra.clear();
        self.str_hash.clear();
        self.lengths.clear();
        self.attrs.clear();
        self.inline.clear();
    }

    /// Appends the chunk's records to `out`, each followed by `,\n` (the caller writes the last
    /// record's separator as `\n` by trimming: see [`StreamedRecords`]); returns the refs written.
    fn put(&self, out: &mut Vec<u8>) -> u64 {
        let (mut ch, mut cl, mut ca, mut ci) =
            (Cursor::from(&self.str_hash, 0), Cursor::from(&self.lengths, 0), Cursor::from(&self.attrs, 0), Cursor::from(&self.inline, 0));
        let mut rich = self.extra.iter().peekable();
        let mut at = 0usize;
        for (k, &count) in self.ref_counts.iter().enumerate() {
            let n = k as Node;
            let end = at + count as usize;
            while rich.peek().is_some_and(|e| e.0 < n) {
                rich.next();
            }
            let r = Record {
                id: self.ids[k],
                type_id: self.type_ids[k],
                size: self.getsizeof[k],
                refs: &self.refs[at..end],
                labels: &self.labels[at..end],
                rich: rich.peek().filter(|e| e.0 == n).map(|e| &e.1),
                h: ch.get(n),
                l: cl.get(n),
                a: ca.get(n),
                i: ci.get(n),
            };
            put_record(out, &r);
            out.extend_from_slice(b",\n");
            at = end;
        }
        at as u64
    }
}

/// The `objects` part of a document written chunk by chunk: records are formatted as they come,
/// and the last record's `,` is held back until the next record shows it was not the last.
pub(crate) struct StreamedRecords {
    buf: Vec<u8>,
    held: bool,
    pub objects: u64,
    pub edges: u64,
    /// Bytes written so far.
    pub bytes: u64,
}

impl StreamedRecords {
    pub fn new() -> Self {
        StreamedRecords { buf: Vec::with_capacity(8 << 20), held: false, objects: 0, edges: 0, bytes: 0 }
    }

    /// Formats `chunk` and writes it to `w`.
    pub fn write(&mut self, chunk: &RecordChunk, w: &mut dyn Write) -> std::io::Result<()> {
        self.buf.clear();
        if self.held {
            self.buf.extend_from_slice(b",\n");
        }
        self.edges += chunk.put(&mut self.buf);
        self.objects += chunk.ids.len() as u64;
        // hold back the final ",\n" of this chunk
        if self.buf.ends_with(b",\n") {
            self.buf.truncate(self.buf.len() - 2);
            self.held = true;
        }
        self.bytes += self.buf.len() as u64;
        w.write_all(&self.buf)
    }

    /// Ends the last record's line.
    pub fn finish(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        if self.held {
            self.held = false;
            self.bytes += 1;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

struct Counter<'a> {
    inner: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Escapes every non-ASCII character as `\uXXXX` (surrogate pairs past the BMP), as the agent's
/// `json.encoder.encode_basestring_ascii` does: in JSON they can only occur inside strings.
fn ascii(json: String) -> String {
    if json.is_ascii() {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

mod erased {
    use super::ascii;

    /// Compact JSON of any serializable value (object-safe, so one closure serves every type).
    pub trait Ser {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> String {
            ascii(serde_json::to_string(self).unwrap_or_else(|_| "null".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;
    use crate::snapshot::Extra;

    #[test]
    fn a_saved_graph_loads_back_the_same() {
        // GIVEN a small graph with a type node, labels, extras and a frame root
        let mut b = GraphBuilder::new();
        let t = b.add_object(1, 1, 400);
        b.add_ref(2, ".__dict__");
        b.set_extra(t, Extra { n: Some("builtins.type".into()), ..Default::default() });
        b.add_object(2, 1, 64);
        b.add_ref(3, "<key>");
        b.add_ref(4, "['k']");
        let s = b.add_object(3, 1, 50);
        b.set_extra(s, Extra { h: Some(-7), l: Some(1), ..Default::default() });
        let i = b.add_object(4, 1, 56);
        b.add_ref(1, "");
        b.set_extra(i, Extra { a: Some("inline".into()), i: Some(40), e: Some("sizeof".into()), ..Default::default() });
        b.add_root(2, RootKind::Frame, "<thread MainThread> frame f()");
        let g = b.build().unwrap();
        // WHEN it is written and read back
        let mut out = Vec::new();
        write(&g, &mut out).unwrap();
        let h = crate::snapshot::load_bytes(Path::new("x.json"), out).unwrap();
        // THEN every node, edge, label, extra and root is the same
        assert_eq!(h.node_count(), 4);
        for n in g.nodes() {
            assert_eq!(h.id(n), g.id(n));
            assert_eq!(h.type_name(n), g.type_name(n));
            assert_eq!(h.shallow_size(n), g.shallow_size(n));
            let e1: Vec<_> = g.edges(n).map(|(t, l)| (g.id(t), g.label(l).to_string())).collect();
            let e2: Vec<_> = h.edges(n).map(|(t, l)| (h.id(t), h.label(l).to_string())).collect();
            assert_eq!(e1, e2);
            assert_eq!(h.str_hash(n), g.str_hash(n));
            assert_eq!(h.attr_storage(n), g.attr_storage(n));
            let rich = |x: Option<&Extra>| x.map(|e| (e.n.clone(), e.e.clone(), e.d, e.nb));
            assert_eq!(rich(h.extra(n)), rich(g.extra(n)));
            assert_eq!(h.inline_size(n), g.inline_size(n));
            assert_eq!(h.length(n), g.length(n));
        }
        assert_eq!(h.roots, g.roots);
    }
}
