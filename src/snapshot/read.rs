//! Reads a snapshot file (plain or gzip) into a [`Graph`].
//!
//! The whole file is read into memory once (the analyzer's peak is the file plus the compact graph),
//! lines are found with memchr, and object lines are parsed in parallel chunks with rayon. Errors
//! name the file and the 1-based line; nothing here panics on any input.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::records::{Extra, Header, ObjectRecord, RootKind, RootRecord, Trailer, FORMAT_VERSION, MAX_OBJECT_SIZE};
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
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) { gunzip(path, &raw)? } else { raw };
    Reader::new(path, &bytes).read()
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

    fn read(&self) -> Result<Graph> {
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
        b.build()
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
        let ranges: Vec<(usize, usize)> =
            (first..end).step_by(CHUNK_LINES).map(|s| (s, (s + CHUNK_LINES).min(end))).collect();
        let chunks: Vec<Result<Chunk>> = ranges.par_iter().map(|&(s, e)| self.parse_chunk(s, e)).collect();
        let total: usize = chunks.iter().map(|c| c.as_ref().map_or(0, |c| c.ids.len())).sum();
        b.ids.reserve(total);
        b.type_ids.reserve(total);
        b.getsizeof.reserve(total);
        b.ref_start.reserve(total);
        for chunk in chunks {
            let c = chunk?;
            let base = b.ids.len() as Node;
            b.ids.extend_from_slice(&c.ids);
            b.type_ids.extend_from_slice(&c.type_ids);
            b.getsizeof.extend_from_slice(&c.sizes);
            let mut at = b.refs.len() as u64;
            for &k in &c.ref_counts {
                at += k as u64;
                b.ref_start.push(at);
            }
            b.refs.extend_from_slice(&c.refs);
            b.ref_labels.extend_from_slice(&c.labels);
            for (local, extra) in c.extras {
                b.set_extra(base + local, extra);
            }
        }
        Ok(())
    }

    fn parse_chunk(&self, start: usize, end: usize) -> Result<Chunk> {
        let mut c = Chunk::default();
        for i in start..end {
            let line = self.line(i);
            let rec: ObjectRecord = match serde_json::from_slice(line) {
                Ok(r) => r,
                Err(e) => return Err(self.object_error(i, line, &e)),
            };
            let ObjectRecord(id, type_id, size, refs, labels, extra) = rec;
            if size < 0 {
                return Err(self.err(i, format!("object `{id}` has a negative size `{size}`")));
            }
            if size as u64 > MAX_OBJECT_SIZE {
                return Err(self.err(i, format!("object `{id}` has an absurd size `{size}` (over 2^48 bytes)")));
            }
            if !labels.is_empty() && labels.len() != refs.len() {
                return Err(self.err(
                    i,
                    format!("object `{id}` has {} labels for {} refs (they must pair up)", labels.len(), refs.len()),
                ));
            }
            let local = c.ids.len() as Node;
            c.ids.push(id);
            c.type_ids.push(type_id);
            c.sizes.push(size as u64);
            c.ref_counts.push(refs.len() as u32);
            if labels.is_empty() {
                c.labels.extend(std::iter::repeat_n(0, refs.len()));
            } else {
                c.labels.extend_from_slice(&labels);
            }
            c.refs.extend_from_slice(&refs);
            if let Some(e) = extra {
                if e.nb.is_some_and(|nb| nb > MAX_OBJECT_SIZE) {
                    return Err(self.err(i, format!("object `{id}` has absurd native bytes (over 2^48)")));
                }
                c.extras.push((local, e));
            }
        }
        Ok(c)
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
            format!("`extra.{}` ", path.splitn(2, '.').nth(1).unwrap_or(""))
        } else {
            field.to_string()
        };
        self.err(i, format!("object record {field}: {}", json_problem(e)).replace(" :", ":"))
    }
}

#[derive(Default)]
struct Chunk {
    ids: Vec<u64>,
    type_ids: Vec<u64>,
    sizes: Vec<u64>,
    ref_counts: Vec<u32>,
    refs: Vec<u64>,
    labels: Vec<u32>,
    extras: Vec<(Node, Extra)>,
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
