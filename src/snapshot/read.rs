//! Reads a snapshot file (plain or gzip) into a [`Graph`].
//!
//! The whole file is read into memory once (the analyzer's peak is the file plus the compact graph),
//! lines are found with memchr, and object lines are parsed in parallel chunks with rayon. Errors
//! name the file and the 1-based line; nothing here panics on any input.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::records::{AttrStorage, Extra, Header, ObjectRecord, RootKind, RootRecord, Trailer, FORMAT_VERSION, MAX_OBJECT_SIZE};
use crate::error::{Error, Result};
use crate::graph::{Graph, GraphBuilder, Node};

/// Object lines per parallel work item: large enough to amortize rayon, small enough to balance.
const CHUNK_LINES: usize = 16 * 1024;

/// Reads and checks a snapshot file.
pub fn load(path: impl AsRef<Path>) -> Result<Graph> {
    let path = path.as_ref();
    let raw = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    load_bytes(path, raw)
}

/// Parses a snapshot already in memory (gzip or plain); `path` is only used in messages.
pub fn load_bytes(path: &Path, raw: Vec<u8>) -> Result<Graph> {
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let plain = gunzip(path, &raw)?;
        drop(raw);
        plain
    } else {
        raw
    };
    let builder = Reader::new(path, &bytes).read()?;
    // The text is no longer needed: free it before `build` allocates the graph, so the peak is the
    // file or the graph, not both.
    drop(bytes);
    builder.build()
}

fn gunzip(path: &Path, raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len() * 6);
    flate2::read::MultiGzDecoder::new(raw)
        .read_to_end(&mut out)
        .map_err(|e| Error::bad_input(path, 0, format!("corrupt or truncated gzip data: {e}")))?;
    Ok(out)
}

struct Reader<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    /// Byte offset where each line starts; a final entry marks the end.
    starts: Vec<usize>,
}

impl<'a> Reader<'a> {
    fn new(path: &'a Path, bytes: &'a [u8]) -> Self {
        let mut starts = Vec::with_capacity(bytes.len() / 48 + 2);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        if *starts.last().unwrap_or(&0) != bytes.len() {
            starts.push(bytes.len());
        }
        Reader { path, bytes, starts }
    }

    fn line_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// Line `i` (0-based) without its newline, trailing spaces or trailing comma.
    fn line(&self, i: usize) -> &'a [u8] {
        record_body(&self.bytes[self.starts[i]..self.starts[i + 1]])
    }

    fn err(&self, i: usize, problem: impl Into<String>) -> Error {
        Error::bad_input(self.path, i + 1, problem)
    }

    fn truncated(&self, inside: &str) -> Error {
        Error::bad_input(
            self.path,
            self.line_count(),
            format!("truncated snapshot: the file ends inside `{inside}` before the trailer (was the dump interrupted?)"),
        )
    }

    fn read(&self) -> Result<GraphBuilder> {
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::bad_input(self.path, 0, "empty file: not a heapdiff snapshot"));
        }
        self.check_first_line()?;
        let mut b = GraphBuilder::new();
        b.path = self.path.to_path_buf();

        let mut i = 1;
        let header: Header = self.section(i, "header")?;
        b.header = header;
        i += 1;
        let roots: Vec<RootRecord> = self.section(i, "roots")?;
        for RootRecord(id, kind, name) in roots {
            let kind = RootKind::parse(&kind)
                .ok_or_else(|| self.err(i, format!("unknown root kind `{kind}` (expected modules, frame or unreferenced)")))?;
            b.add_root(id, kind, &name);
        }
        i += 1;
        self.expect_open(i, "objects")?;
        i += 1;
        let first = i;
        while i < self.line_count() && !self.line(i).starts_with(b"]") {
            i += 1;
        }
        if i >= self.line_count() {
            return Err(self.truncated("objects"));
        }
        b.first_object_line = first + 1;
        self.parse_objects(first, i, &mut b)?;
        i += 1;

        self.expect_open(i, "labels")?;
        i += 1;
        let mut labels = Vec::new();
        while i < self.line_count() && !self.line(i).starts_with(b"]") {
            let s: String = serde_json::from_slice(self.line(i))
                .map_err(|e| self.err(i, format!("label: {}", json_problem(&e))))?;
            labels.push(s.into_boxed_str());
            i += 1;
        }
        if i >= self.line_count() {
            return Err(self.truncated("labels"));
        }
        if labels.first().is_some_and(|l| !l.is_empty()) {
            return Err(self.err(first_label_line(i, labels.len()), "the first label must be \"\" (index 0 means no label)"));
        }
        if !labels.is_empty() {
            b.labels = labels;
        }
        i += 1;

        if i >= self.line_count() {
            return Err(self.truncated("trailer"));
        }
        let trailer = self.trailer(i)?;
        let objects = b.ids.len() as u64;
        if trailer.objects != objects {
            return Err(self.err(
                i,
                format!("the trailer says {} objects but the file holds {objects}", trailer.objects),
            ));
        }
        b.trailer = trailer;
        Ok(b)
    }

    fn check_first_line(&self) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct First {
            format: Option<String>,
            version: Option<serde_json::Value>,
        }
        let mut line = self.line(0).to_vec();
        line.push(b'}');
        let first: Option<First> = serde_json::from_slice(&line).ok();
        let Some(First { format: Some(format), version }) = first else {
            return Err(self.err(0, "not a heapdiff snapshot: the first line must be `{\"format\":\"heapdiff\",\"version\":1,`"));
        };
        if format != "heapdiff" {
            return Err(self.err(0, format!("not a heapdiff snapshot: `format` is `{format}`, expected `heapdiff`")));
        }
        match version.as_ref().and_then(|v| v.as_u64()) {
            Some(FORMAT_VERSION) => Ok(()),
            Some(v) => Err(self.err(
                0,
                format!("unsupported snapshot format version `{v}`: this heapdiff reads version {FORMAT_VERSION}; upgrade heapdiff or dump with a matching agent"),
            )),
            None => Err(self.err(0, "missing or non-integer `version` on the first line")),
        }
    }

    /// Line `i` must be `"NAME":VALUE,`; parses VALUE.
    fn section<T: serde::de::DeserializeOwned>(&self, i: usize, name: &str) -> Result<T> {
        if i >= self.line_count() {
            return Err(self.truncated(name));
        }
        let value = self.strip_key(i, name)?;
        let de = &mut serde_json::Deserializer::from_slice(value);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = json_problem(e.inner());
            if path == "." || path.is_empty() {
                self.err(i, format!("{name}: {inner}"))
            } else {
                self.err(i, format!("{name}.{path}: {inner}"))
            }
        })
    }

    fn strip_key(&self, i: usize, name: &str) -> Result<&'a [u8]> {
        let line = self.line(i);
        let key = format!("\"{name}\":");
        line.strip_prefix(key.as_bytes())
            .ok_or_else(|| self.err(i, format!("expected the `{name}` section on this line")))
    }

    fn expect_open(&self, i: usize, name: &str) -> Result<()> {
        if i >= self.line_count() {
            return Err(self.truncated(name));
        }
        match self.strip_key(i, name)? {
            b"[" => Ok(()),
            _ => Err(self.err(i, format!("expected `\"{name}\":[` alone on this line"))),
        }
    }

    fn trailer(&self, i: usize) -> Result<Trailer> {
        let line = self.line(i);
        // The trailer closes the document: `"trailer":{...}}`.
        let Some(body) = line.strip_suffix(b"}") else {
            return Err(self.err(i, "the trailer line must close the document with `}`"));
        };
        let value = body
            .strip_prefix(b"\"trailer\":")
            .ok_or_else(|| self.err(i, "expected the `trailer` section on this line"))?;
        let de = &mut serde_json::Deserializer::from_slice(value);
        let t: Trailer = serde_path_to_error::deserialize(de)
            .map_err(|e| self.err(i, format!("trailer.{}: {}", e.path(), json_problem(e.inner()))))?;
        if self.line_count() > i + 1 && (i + 1..self.line_count()).any(|k| !self.line(k).is_empty()) {
            return Err(self.err(i + 1, "unexpected data after the trailer"));
        }
        Ok(t)
    }

    fn parse_objects(&self, first: usize, end: usize, b: &mut GraphBuilder) -> Result<()> {
        let n = end - first;
        // Per-object arrays are allocated once (zeroed pages cost nothing until written) and each
        // parallel task fills its own disjoint slice: no chunk is ever copied.
        b.ids = vec![0; n];
        b.type_ids = vec![0; n];
        b.getsizeof = vec![0; n];
        b.ref_counts = vec![0; n];
        let parts: Vec<Result<Part>> = b
            .ids
            .par_chunks_mut(CHUNK_LINES)
            .zip(b.type_ids.par_chunks_mut(CHUNK_LINES))
            .zip(b.getsizeof.par_chunks_mut(CHUNK_LINES))
            .zip(b.ref_counts.par_chunks_mut(CHUNK_LINES))
            .enumerate()
            .map(|(k, (((ids, types), sizes), counts))| {
                let out = Slices { ids, types, sizes, counts };
                self.parse_chunk(first + k * CHUNK_LINES, out)
            })
            .collect();
        for (k, part) in parts.into_iter().enumerate() {
            let p = part?;
            let base = (k * CHUNK_LINES) as Node;
            b.str_hash.extend(p.str_hash.iter().map(|&(i, h)| (base + i, h)));
            b.lengths.extend(p.lengths.iter().map(|&(i, l)| (base + i, l)));
            b.attrs.extend(p.attrs.iter().map(|&(i, a)| (base + i, a)));
            b.inline.extend(p.inline.iter().map(|&(i, x)| (base + i, x)));
            for (i, extra) in p.extras {
                b.set_extra(base + i, extra);
            }
            b.segments.push((p.refs, p.labels));
        }
        Ok(())
    }

    fn parse_chunk(&self, start: usize, out: Slices<'_>) -> Result<Part> {
        let mut p = Part::default();
        let lines = out.ids.len();
        p.refs.reserve(lines * 2);
        p.labels.reserve(lines * 2);
        for k in 0..lines {
            let i = start + k;
            let line = self.line(i);
            let seed = RecordSeed { refs: &mut p.refs, labels: &mut p.labels };
            let mut de = serde_json::Deserializer::from_slice(line);
            let rec = match serde::de::DeserializeSeed::deserialize(seed, &mut de).and_then(|r| de.end().map(|_| r)) {
                Ok(r) => r,
                Err(e) => return Err(self.object_error(i, line, &e)),
            };
            let id = rec.id;
            if rec.size < 0 {
                return Err(self.err(i, format!("object `{id}` has a negative size `{}`", rec.size)));
            }
            if rec.size as u64 > MAX_OBJECT_SIZE {
                return Err(self.err(i, format!("object `{id}` has an absurd size `{}` (over 2^48 bytes)", rec.size)));
            }
            if rec.labels == 0 {
                p.labels.extend(std::iter::repeat_n(0, rec.refs));
            } else if rec.labels != rec.refs {
                return Err(self.err(
                    i,
                    format!("object `{id}` has {} labels for {} refs (they must pair up)", rec.labels, rec.refs),
                ));
            }
            out.ids[k] = id;
            out.types[k] = rec.type_id;
            out.sizes[k] = rec.size as u64;
            out.counts[k] = rec.refs as u32;
            if let Some(e) = rec.extra {
                if e.nb.is_some_and(|nb| nb > MAX_OBJECT_SIZE) || e.i.is_some_and(|x| x > MAX_OBJECT_SIZE) {
                    return Err(self.err(i, format!("object `{id}` has absurd native or inline bytes (over 2^48)")));
                }
                // `h` and `l` go to compact side arrays; only rarer facts keep the full struct.
                let local = k as Node;
                if let Some(h) = e.h {
                    p.str_hash.push((local, h));
                }
                if let Some(l) = e.l {
                    p.lengths.push((local, l));
                }
                if let Some(a) = &e.a {
                    p.attrs.push((local, AttrStorage::parse(a)));
                }
                if let Some(x) = e.i {
                    p.inline.push((local, x));
                }
                if e.has_rich_fields() {
                    p.extras.push((local, Extra { h: None, l: None, a: None, i: None, ..e }));
                }
            }
        }
        Ok(p)
    }

    /// Explains a bad object line, naming the field where serde can tell.
    fn object_error(&self, i: usize, line: &[u8], e: &serde_json::Error) -> Error {
        if e.is_eof() && !line.ends_with(b"]") {
            return self.err(i, format!("object record is cut short: {}", json_problem(e)));
        }
        let de = &mut serde_json::Deserializer::from_slice(line);
        let path = match serde_path_to_error::deserialize::<_, ObjectRecord>(de) {
            Err(pe) => pe.path().to_string(),
            Ok(_) => String::new(),
        };
        let field = match path.split('.').next().unwrap_or("") {
            "[0]" | "0" => "`id` ",
            "[1]" | "1" => "`type` ",
            "[2]" | "2" => "`size` ",
            "[3]" | "3" => "`refs` ",
            "[4]" | "4" => "`labels` ",
            "[5]" | "5" => "`extra` ",
            _ => "",
        };
        let field = if path.starts_with("[5]") || path.starts_with("5") {
            format!("`extra.{}` ", path.split_once('.').map_or("", |x| x.1))
        } else {
            field.to_string()
        };
        self.err(i, format!("object record {field}: {}", json_problem(e)).replace(" :", ":"))
    }
}

/// The slices of the per-object arrays that one parallel task fills.
struct Slices<'s> {
    ids: &'s mut [u64],
    types: &'s mut [u64],
    sizes: &'s mut [u64],
    counts: &'s mut [u32],
}

/// What one task parsed besides the per-object arrays.
#[derive(Default)]
struct Part {
    refs: Vec<u64>,
    labels: Vec<u32>,
    extras: Vec<(Node, Extra)>,
    str_hash: Vec<(Node, i64)>,
    lengths: Vec<(Node, u64)>,
    attrs: Vec<(Node, AttrStorage)>,
    inline: Vec<(Node, u64)>,
}

/// One object line, with refs and labels appended straight into the task's arrays.
struct Record {
    id: u64,
    type_id: u64,
    size: i64,
    refs: usize,
    labels: usize,
    extra: Option<Extra>,
}

struct RecordSeed<'c> {
    refs: &'c mut Vec<u64>,
    labels: &'c mut Vec<u32>,
}

const RECORD_SHAPE: &str = "an object record [id, type, size, refs, labels, extra]";

impl<'de> serde::de::DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Record;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Record, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RecordSeed<'_> {
    type Value = Record;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(RECORD_SHAPE)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Record, A::Error> {
        use serde::de::Error as _;
        let missing = |i| A::Error::invalid_length(i, &RECORD_SHAPE);
        let id: u64 = seq.next_element()?.ok_or_else(|| missing(0))?;
        let type_id: u64 = seq.next_element()?.ok_or_else(|| missing(1))?;
        let size: i64 = seq.next_element()?.ok_or_else(|| missing(2))?;
        let before = self.refs.len();
        seq.next_element_seed(Append(self.refs))?.ok_or_else(|| missing(3))?;
        let refs = self.refs.len() - before;
        let before = self.labels.len();
        seq.next_element_seed(Append(self.labels))?;
        let labels = self.labels.len() - before;
        let extra: Option<Extra> = seq.next_element::<Option<Extra>>()?.flatten();
        if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            return Err(A::Error::invalid_length(7, &RECORD_SHAPE));
        }
        Ok(Record { id, type_id, size, refs, labels, extra })
    }
}

/// Appends a JSON array of numbers to a Vec without an intermediate allocation.
struct Append<'v, T>(&'v mut Vec<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for Append<'_, T> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Append<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of integers")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(x) = seq.next_element()? {
            self.0.push(x);
        }
        Ok(())
    }
}

/// A record line without its newline, surrounding spaces or separating comma.
fn record_body(line: &[u8]) -> &[u8] {
    let mut s = line.trim_ascii();
    if let Some(rest) = s.strip_suffix(b",") {
        s = rest.trim_ascii_end();
    }
    s
}

/// serde_json's message without its "at line 1 column N" (our lines are the file's, not serde's).
fn json_problem(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(k) => msg[..k].to_string(),
        None => msg,
    };
    if e.column() > 0 { format!("{msg} (column {})", e.column()) } else { msg }
}

fn first_label_line(end: usize, count: usize) -> usize {
    end - count
}
