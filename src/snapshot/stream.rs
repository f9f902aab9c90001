//! Writing a snapshot while it is taken: the native walker hands its records over in chunks
//! ([`RecordChunk`]) and a second thread formats and writes them, so a dump costs about the walk
//! alone instead of walk + graph + format. The file goes to a temporary name beside the target and
//! is renamed when whole, as the agent and [`super::save`] do; a dump that fails or is dropped
//! leaves no file.
// Only the native walker (the `python` feature) streams; plain builds compile it for its tests.
#![cfg_attr(not(feature = "python"), allow(dead_code))]

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::write::{temp_path, write_head, write_tail, Out, RecordChunk, StreamedRecords};
use super::{Header, RootKind, Trailer};
use crate::error::{Error, Result};

/// Chunks in flight between the walk and the writer: enough to ride out a slow write, few enough
/// that memory stays at a few chunks.
const IN_FLIGHT: usize = 4;

type Written = (Out, StreamedRecords, std::io::Result<()>);

/// A snapshot file being written. [`SnapshotStream::finish`] completes it; dropping it unfinished
/// removes the temporary file.
pub(crate) struct SnapshotStream {
    path: PathBuf,
    tmp: PathBuf,
    head_bytes: u64,
    tx: Option<SyncSender<RecordChunk>>,
    /// Chunks the writer is done with, to be filled again.
    spare: Option<Receiver<RecordChunk>>,
    writer: Option<JoinHandle<Written>>,
    /// Time the walk waited for the writer (HEAPDIFF_TIMING shows it).
    pub blocked: std::time::Duration,
    /// The file was renamed into place: nothing to remove.
    renamed: bool,
}

impl SnapshotStream {
    /// Creates the temporary file, writes the lines before the records and starts the writer.
    pub fn create(path: &Path, gzip: bool, header: &Header, roots: &[(u64, RootKind, &str)]) -> Result<Self> {
        let tmp = temp_path(path);
        let io_err = |source| Error::Io { path: path.to_path_buf(), source };
        let mut out = Out::create(&tmp, gzip).map_err(io_err)?;
        let mut stream = SnapshotStream { path: path.to_path_buf(), tmp, head_bytes: 0, tx: None, spare: None, writer: None, blocked: Default::default(), renamed: false };
        let mut head = Vec::new();
        write_head(&mut head, header, roots).map_err(io_err)?;
        out.inner().write_all(&head).map_err(io_err)?;
        stream.head_bytes = head.len() as u64;
        let (tx, rx) = sync_channel::<RecordChunk>(IN_FLIGHT);
        let (back_tx, back_rx) = sync_channel::<RecordChunk>(IN_FLIGHT + 2);
        let spawned = std::thread::Builder::new().name("heapdiff-writer".into()).spawn(move || {
            let mut records = StreamedRecords::new();
            let mut result = Ok(());
            // After an error, chunks are still taken (and dropped) so that the walk never blocks.
            for chunk in rx {
                if result.is_ok() {
                    result = records.write(&chunk, out.inner());
                }
                // handed back for reuse; when the walk has enough spares, dropped here
                let _ = back_tx.try_send(chunk);
            }
            (out, records, result)
        });
        stream.writer = Some(spawned.map_err(io_err)?);
        stream.tx = Some(tx);
        stream.spare = Some(back_rx);
        Ok(stream)
    }

    /// A chunk the writer is done with, if there is one, to fill again.
    pub fn spare(&self) -> Option<RecordChunk> {
        self.spare.as_ref().and_then(|r| r.try_recv().ok())
    }

    /// Hands records to the writer (waits while [`IN_FLIGHT`] chunks are queued).
    pub fn send(&mut self, chunk: RecordChunk) {
        if chunk.ids.is_empty() {
            return;
        }
        if let Some(tx) = &self.tx {
            let t = std::time::Instant::now();
            // a send fails only when the writer thread is gone; `finish` reports why
            let _ = tx.send(chunk);
            self.blocked += t.elapsed();
        }
    }

    /// Writes the labels and the trailer after the last record and renames the file into place.
    /// Returns the objects, edges and bytes of the file as written (compressed bytes for gzip).
    pub fn finish(mut self, labels: &[Box<str>], seconds: f64) -> Result<(u64, u64, u64)> {
        let io_err = |source| Error::Io { path: self.path.clone(), source };
        drop(self.tx.take());
        let writer = self.writer.take().expect("a stream is finished once");
        let (mut out, mut records, result) =
            writer.join().map_err(|_| io_err(std::io::Error::other("the snapshot writer thread panicked")))?;
        result.map_err(io_err)?;
        records.finish(out.inner()).map_err(io_err)?;
        let trailer = Trailer { objects: records.objects, edges: records.edges, seconds, bytes: 0 };
        write_tail(out.inner(), self.head_bytes + records.bytes, labels, trailer).map_err(io_err)?;
        out.finish().map_err(io_err)?;
        std::fs::rename(&self.tmp, &self.path).map_err(io_err)?;
        self.renamed = true;
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok((records.objects, records.edges, size))
    }
}

impl Drop for SnapshotStream {
    /// An unfinished or failed stream: the writer is stopped and the temporary file removed.
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        if !self.renamed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;
    use crate::snapshot::Extra;

    /// Adds a few hundred objects of every record shape: refs with and without labels, strings
    /// (h, l), instances (a, i), named objects (n), native bytes (nb, dev, dt, sh, own).
    fn fill(b: &mut GraphBuilder, from: u64, to: u64) {
        for k in from..to {
            let id = 1000 + 16 * k;
            let n = b.add_object(id, 1000, 24 + k % 7);
            match k % 5 {
                0 => b.set_extra(n, Extra { h: Some(-(k as i64)), l: Some(k % 9), ..Default::default() }),
                1 => {
                    b.add_ref(id + 16, ".x");
                    b.add_ref(1000, "");
                    b.set_extra(n, Extra { a: Some("inline".into()), i: Some(40), ..Default::default() });
                }
                2 => {
                    b.add_ref(id + 16, "");
                    b.add_ref(id + 32, "");
                }
                3 => b.set_extra(n, Extra { n: Some(format!("f{k}\u{e9}")), e: Some("sizeof".into()), ..Default::default() }),
                _ => b.set_extra(
                    n,
                    Extra { nb: Some(k * 8), dev: Some("cpu".into()), dt: Some("float32".into()), sh: Some(vec![k, 2]), own: Some(k % 2 == 0), ..Default::default() },
                ),
            }
        }
    }

    #[test]
    fn a_streamed_snapshot_is_byte_for_byte_what_save_writes() {
        // GIVEN 1,000 objects with 800 refs
        let total = 1000u64;
        let roots = [(1000u64, RootKind::Modules, "sys.modules"), (1016, RootKind::Frame, "<thread MainThread> frame f()")];
        let header = Header { pid: 7, argv: vec!["svc.py".into()], ..Default::default() };
        let dir = tempfile::tempdir().unwrap();
        for gzip in [false, true] {
            // WHEN one builder is streamed in uneven chunks and a twin is built and saved
            let mut b = GraphBuilder::new();
            let path = dir.path().join(if gzip { "s.json.gz" } else { "s.json" });
            let mut s = SnapshotStream::create(&path, gzip, &header, &roots).unwrap();
            let mut at = 0;
            for step in [1, 0, 333, 7, 500, 159] {
                fill(&mut b, at, at + step);
                at += step;
                s.send(b.take_records(s.spare()));
            }
            assert_eq!(at, total);
            let (objects, edges, _) = s.finish(&b.labels, 0.5).unwrap();
            let mut twin = GraphBuilder::new();
            fill(&mut twin, 0, total);
            for (id, kind, name) in roots {
                twin.add_root(id, kind, name);
            }
            twin.header = header.clone();
            twin.trailer.seconds = 0.5;
            let g = twin.build().unwrap();
            let saved = dir.path().join(if gzip { "g.json.gz" } else { "g.json" });
            crate::snapshot::save(&g, &saved).unwrap();
            // THEN the files load the same, and uncompressed they are the same bytes
            let (a, b2) = (crate::snapshot::load(&path).unwrap(), crate::snapshot::load(&saved).unwrap());
            assert_eq!((a.node_count(), objects as usize), (1000, 1000));
            assert_eq!(edges, 800);
            assert_eq!(a.edge_count(), b2.edge_count());
            if !gzip {
                assert_eq!(std::fs::read_to_string(&path).unwrap(), std::fs::read_to_string(&saved).unwrap());
            }
            // and no temporary file is left beside them
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert!(names.iter().all(|n| !n.to_string_lossy().starts_with('.')), "{names:?}");
        }
    }

    #[test]
    fn a_stream_dropped_unfinished_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mut b = GraphBuilder::new();
        let mut s = SnapshotStream::create(&path, false, &Header::default(), &[]).unwrap();
        fill(&mut b, 0, 100);
        s.send(b.take_records(s.spare()));
        drop(s);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
