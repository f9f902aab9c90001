//! heapdiff: a heap snapshot analyzer for Python.
//!
//! A small agent inside a Python process (`python/heapdiff/agent.py`) writes the object graph to a
//! JSON snapshot (docs/FORMAT.md); this crate reads it into a compact graph ([`graph::Graph`]) and
//! answers what fills the heap ([`summary`]), who holds it ([`algo`]) and what grew ([`diff`]).
//! The `heapdiff` binary and the Python package are both thin clients of [`cli::run`].

pub mod algo;
pub mod cli;
pub mod cycles;
pub mod diff;
pub mod error;
pub mod graph;
pub mod inspect;
pub mod report;
pub mod snapshot;
pub mod suggest;
pub mod summary;
pub mod top;
pub mod trend;

#[cfg(feature = "python")]
mod python;

pub use algo::Analysis;
pub use error::{Error, Result};
pub use graph::{Graph, Node};
pub use snapshot::load;
