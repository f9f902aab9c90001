//! The Python extension `heapdiff._native` (built by maturin with the `python` feature): the
//! `heapdiff` console command, snapshots loaded or taken in memory, and every report as plain
//! Python values plus the CLI's text. Long analyses run with the GIL released (`py.detach`);
//! library errors become `heapdiff.SnapshotError` (bad input, a `ValueError`), `OSError` (I/O) or
//! `ValueError` (a wrong argument).

mod convert;
mod layout;
mod sizes;
mod text;
pub(crate) mod walker;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::algo::Analysis;
use crate::error::Error;
use crate::graph::Graph;
use convert::{render, to_py};

create_exception!(
    heapdiff,
    SnapshotError,
    PyValueError,
    "A file that is not a valid heapdiff snapshot (the message names the file, the line and the problem)."
);

pub(crate) fn to_py_err(e: Error) -> PyErr {
    match e {
        Error::Io { path, source } => {
            let text = source.to_string();
            let strerror = text.split(" (os error").next().unwrap_or(&text).to_string();
            match source.raw_os_error() {
                // OSError(errno, strerror, filename) picks the subclass (FileNotFoundError, ...).
                Some(errno) => PyOSError::new_err((errno, strerror, path.display().to_string())),
                None => PyOSError::new_err(format!("{}: {text}", path.display())),
            }
        }
        e @ Error::BadInput { .. } => SnapshotError::new_err(e.to_string()),
        Error::Usage(m) => PyValueError::new_err(m),
    }
}

/// Runs the `heapdiff` command line (`argv[0]` is the program name); returns the exit status.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| crate::cli::run(argv).code() as i32)
}

/// Parses a size as the CLI does (`1024`, `64KiB`, `10 MB`, `1.5GiB`).
#[pyfunction]
fn parse_size(text: &str) -> PyResult<u64> {
    crate::report::parse_size(text).map_err(PyValueError::new_err)
}

/// A byte count as reports print it (`3.2 MiB`).
#[pyfunction]
fn format_size(bytes: u64) -> String {
    crate::report::format_size(bytes)
}

/// Loads a snapshot file (`.json` or `.json.gz`).
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<NativeSnapshot> {
    let g = py.detach(|| crate::snapshot::load(&path)).map_err(to_py_err)?;
    Ok(NativeSnapshot::new(g))
}

/// One snapshot in memory: the graph and, computed on first use, its analysis.
#[pyclass(frozen, module = "heapdiff._native")]
pub struct NativeSnapshot {
    graph: Arc<Graph>,
    analysis: Mutex<Option<Analysis<Arc<Graph>>>>,
}

impl NativeSnapshot {
    pub(crate) fn new(g: Graph) -> Self {
        NativeSnapshot { graph: Arc::new(g), analysis: Mutex::new(None) }
    }

    /// Runs `f` on the analysis (computing it the first time). Call it with the GIL released:
    /// another thread waiting on the lock then does not hold the GIL either.
    fn with_analysis<R>(&self, f: impl FnOnce(&Analysis<Arc<Graph>>) -> R) -> R {
        let mut guard = self.analysis.lock().unwrap_or_else(|p| p.into_inner());
        let a = guard.get_or_insert_with(|| Analysis::new(self.graph.clone()));
        f(a)
    }
}

type Report<'py> = PyResult<(Bound<'py, PyAny>, String)>;

#[pymethods]
impl NativeSnapshot {
    #[getter]
    fn objects(&self) -> usize {
        self.graph.node_count()
    }
    #[getter]
    fn edges(&self) -> usize {
        self.graph.edge_count()
    }
    /// Total shallow size of every object.
    #[getter]
    fn total_size(&self) -> u64 {
        self.graph.total_shallow()
    }
    #[getter]
    fn path(&self) -> String {
        self.graph.path().display().to_string()
    }
    #[getter]
    fn header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &serde_json::to_value(&self.graph.header).unwrap_or_default())
    }

    /// Whether an object with this `id()` is in the snapshot.
    fn __contains__(&self, id: u64) -> bool {
        self.graph.node_by_id(id).is_some()
    }

    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| crate::snapshot::save(&self.graph, &path)).map_err(to_py_err)
    }

    #[pyo3(signature = (top = 20))]
    fn summary<'py>(&self, py: Python<'py>, top: usize) -> Report<'py> {
        let (v, text) = py.detach(|| {
            self.with_analysis(|a| {
                let s = crate::summary::summarize(a.graph(), top, Some(a.retained_by_type()));
                render(&s, crate::summary::write_text)
            })
        });
        Ok((to_py(py, &v)?, text))
    }

    #[pyo3(signature = (top = 20))]
    fn top<'py>(&self, py: Python<'py>, top: usize) -> Report<'py> {
        let (v, text) = py.detach(|| self.with_analysis(|a| render(&crate::top::top(a, top), crate::top::write_text)));
        Ok((to_py(py, &v)?, text))
    }

    #[pyo3(signature = (id = None, type_name = None, top = 5, max_paths = 5))]
    fn paths<'py>(&self, py: Python<'py>, id: Option<u64>, type_name: Option<String>, top: usize, max_paths: usize) -> Report<'py> {
        let g = &self.graph;
        let (objects, by_type) = match (id, &type_name) {
            (Some(id), _) => (vec![crate::inspect::find_object(g, &id.to_string()).map_err(to_py_err)?], false),
            (None, Some(t)) => (crate::inspect::instances_of(g, t).map_err(to_py_err)?, true),
            (None, None) => return Err(PyValueError::new_err("paths() needs `id` or `type`")),
        };
        let (v, text) = py.detach(|| {
            self.with_analysis(|a| {
                render(&crate::inspect::paths(a, objects, top, max_paths, by_type), crate::inspect::write_paths_text)
            })
        });
        Ok((to_py(py, &v)?, text))
    }

    #[pyo3(signature = (top = 20))]
    fn cycles<'py>(&self, py: Python<'py>, top: usize) -> Report<'py> {
        let (v, text) = py.detach(|| self.with_analysis(|a| render(&crate::cycles::cycles(a, top), crate::cycles::write_text)));
        Ok((to_py(py, &v)?, text))
    }

    /// What grew from `self` (before) to `after`.
    #[pyo3(signature = (after, top = 10, min = 0))]
    fn diff<'py>(&self, py: Python<'py>, after: &NativeSnapshot, top: usize, min: u64) -> Report<'py> {
        let opts = crate::diff::Options { top, min };
        let (v, text) = py.detach(|| {
            let run = |ra: &Analysis<Arc<Graph>>, rb: &Analysis<Arc<Graph>>| {
                let d = crate::diff::diff(ra.graph(), rb.graph(), ra, rb, opts);
                render(&d, crate::diff::write_text)
            };
            if std::ptr::eq(self, after) {
                self.with_analysis(|a| run(a, a))
            } else {
                // Lock in address order so that a.diff(b) and b.diff(a) in two threads cannot deadlock.
                let first_self = (self as *const Self) < (after as *const Self);
                if first_self {
                    self.with_analysis(|ra| after.with_analysis(|rb| run(ra, rb)))
                } else {
                    after.with_analysis(|rb| self.with_analysis(|ra| run(ra, rb)))
                }
            }
        });
        Ok((to_py(py, &v)?, text))
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SnapshotError", m.py().get_type::<SnapshotError>())?;
    m.add_class::<NativeSnapshot>()?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(parse_size, m)?)?;
    m.add_function(wrap_pyfunction!(format_size, m)?)?;
    walker::register(m)?;
    Ok(())
}
