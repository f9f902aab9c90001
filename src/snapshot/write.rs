//! Writes a [`Graph`] back as a snapshot file (docs/FORMAT.md, version 1): what `Snapshot.save`
//! does for a snapshot taken in memory by the native walker. Records keep the order of the graph's
//! nodes; `unreferenced` roots are left out (the loader derives them); dangling refs were dropped
//! when the graph was built, so the file has none. A `.gz` path is compressed. The file is written
//! beside the target and renamed when whole, like the agent does.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::snapshot::{AttrStorage, RootKind, Trailer};

/// Writes `g` to `path` (gzip when it ends in `.gz`).
pub fn save(g: &Graph, path: &Path) -> Result<()> {
    save_with(g, path, path.to_string_lossy().ends_with(".gz"))
}

/// Writes `g` to `path`, compressed with gzip when `gzip` is set.
pub fn save_with(g: &Graph, path: &Path, gzip: bool) -> Result<()> {
    let io_err = |source: std::io::Error| Error::Io { path: path.to_path_buf(), source };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&tmp)?;
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(BufWriter::with_capacity(1 << 20, file), flate2::Compression::fast());
            write(g, &mut gz)?;
            gz.finish()?.flush()?;
        } else {
            let mut w = BufWriter::with_capacity(1 << 20, file);
            write(g, &mut w)?;
            w.flush()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err)
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
    let json = |v: &dyn erased::Ser| v.to_json();
    writeln!(w, "{{\"format\":\"heapdiff\",\"version\":1,")?;
    writeln!(w, "\"header\":{},", json(&g.header))?;
    let roots: Vec<(u64, RootKind, &str)> =
        g.roots.iter().filter(|r| matches!(r.kind, RootKind::Modules | RootKind::Frame)).map(|r| (g.id(r.node), r.kind, r.name.as_str())).collect();
    writeln!(w, "\"roots\":{},", json(&roots))?;
    writeln!(w, "\"objects\":[")?;
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
    writeln!(w, "],")?;
    writeln!(w, "\"labels\":[")?;
    for (i, l) in g.labels.iter().enumerate() {
        writeln!(w, "{}{}", json(&&**l), if i + 1 < g.labels.len() { "," } else { "" })?;
    }
    writeln!(w, "],")?;
    let trailer = Trailer { objects: g.node_count() as u64, edges, seconds: g.trailer.seconds, bytes: w.bytes };
    writeln!(w, "\"trailer\":{}}}", json(&trailer))?;
    Ok(())
}

/// The object records of the nodes in `range`, one per line, and how many refs they hold.
fn records(g: &Graph, range: std::ops::Range<u32>) -> (Vec<u8>, u64) {
    let json = |v: &dyn erased::Ser| v.to_json();
    let mut line = String::with_capacity(256);
    let mut out: Vec<u8> = Vec::with_capacity((range.end - range.start) as usize * 64);
    let mut edges = 0u64;
    // The side arrays are sorted by node: walk them with cursors instead of a search per node.
    let start = range.start;
    let (mut ch, mut cl, mut ca, mut ci) = (
        g.str_hash.partition_point(|e| e.0 < start),
        g.lengths.partition_point(|e| e.0 < start),
        g.attrs.partition_point(|e| e.0 < start),
        g.inline.partition_point(|e| e.0 < start),
    );
    let last = g.node_count() as u32;
    for n in range {
        use std::fmt::Write as _;
        line.clear();
        let t = &g.types[g.type_index(n) as usize];
        let type_id = t.node.map(|tn| g.id(tn)).unwrap_or(0);
        let _ = write!(line, "[{},{},{},[", g.id(n), type_id, g.getsizeof(n));
        let mut labelled = false;
        for (i, (to, l)) in g.edges(n).enumerate() {
            if i > 0 {
                line.push(',');
            }
            let _ = write!(line, "{}", g.id(to));
            labelled |= l != 0;
            edges += 1;
        }
        line.push(']');
        let mut x = String::new();
        let field = |x: &mut String, key: &str, value: &dyn std::fmt::Display| {
            let _ = write!(x, "{}\"{key}\":{value}", if x.is_empty() { "" } else { "," });
        };
        if let Some(e) = g.extra(n) {
            if let Some(v) = &e.n {
                field(&mut x, "n", &json(v));
            }
            if let Some(v) = &e.e {
                field(&mut x, "e", &json(v));
            }
            if let Some(v) = e.d {
                field(&mut x, "d", &v);
            }
            if let Some(v) = e.nb {
                field(&mut x, "nb", &v);
            }
            if let Some(v) = &e.dev {
                field(&mut x, "dev", &json(v));
            }
            if let Some(v) = &e.dt {
                field(&mut x, "dt", &json(v));
            }
            if let Some(v) = &e.sh {
                field(&mut x, "sh", &json(v));
            }
            if let Some(v) = e.own {
                field(&mut x, "own", &v);
            }
        }
        while ch < g.str_hash.len() && g.str_hash[ch].0 < n {
            ch += 1;
        }
        if ch < g.str_hash.len() && g.str_hash[ch].0 == n {
            field(&mut x, "h", &g.str_hash[ch].1);
        }
        while cl < g.lengths.len() && g.lengths[cl].0 < n {
            cl += 1;
        }
        if cl < g.lengths.len() && g.lengths[cl].0 == n {
            field(&mut x, "l", &g.lengths[cl].1);
        }
        while ca < g.attrs.len() && g.attrs[ca].0 < n {
            ca += 1;
        }
        if ca < g.attrs.len() && g.attrs[ca].0 == n {
            field(&mut x, "a", &format_args!("\"{}\"", attr_text(g.attrs[ca].1)));
        }
        while ci < g.inline.len() && g.inline[ci].0 < n {
            ci += 1;
        }
        if ci < g.inline.len() && g.inline[ci].0 == n && g.inline[ci].1 > 0 {
            field(&mut x, "i", &g.inline[ci].1);
        }
        if labelled || !x.is_empty() {
            line.push_str(",[");
            if labelled {
                for (i, (_, l)) in g.edges(n).enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    let _ = write!(line, "{l}");
                }
            }
            line.push(']');
        }
        if !x.is_empty() {
            line.push_str(",{");
            line.push_str(&x);
            line.push('}');
        }
        line.push(']');
        if n + 1 < last {
            line.push(',');
        }
        line.push('\n');
        out.extend_from_slice(line.as_bytes());
    }
    (out, edges)
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
