//! The snapshot file format (docs/FORMAT.md, version 1): its records as Rust types, and the reader
//! that turns a file into a [`crate::graph::Graph`].
//!
//! The format is one JSON document with one record per line. The reader splits lines with memchr,
//! checks the first line (format and version) before anything else, then parses the object lines in
//! parallel chunks. Every error names the file and the 1-based line.

mod read;
mod records;
mod stream;
mod write;

pub use read::{load, load_bytes};
pub use write::{save, save_with, write};
#[cfg_attr(not(feature = "python"), allow(unused_imports))]
pub(crate) use stream::SnapshotStream;
pub(crate) use write::RecordChunk;
pub use records::{AttrStorage, Extra, Header, RootKind, Trailer, FORMAT_VERSION};
