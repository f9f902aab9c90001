//! One error type for the library. Every message names what is wrong in the words a user knows:
//! the file, the line (1-based, as editors count) and the problem. The CLI prints it as one line
//! and exits with status 2; the Python bridge maps it to `heapdiff.SnapshotError` or `OSError`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    /// The file was read but is not a valid snapshot. `line` is 0 when no line applies.
    #[error("{}", bad_input_message(.path, *.line, .problem))]
    BadInput { path: PathBuf, line: usize, problem: String },

    /// A command-line value is wrong (a size that does not parse, an id not in the snapshot).
    #[error("{0}")]
    Usage(String),
}

fn bad_input_message(path: &std::path::Path, line: usize, problem: &str) -> String {
    // Problems quote values from the file; a newline in one must not break the one-line promise.
    let problem = problem.replace('\n', "\\n").replace('\r', "\\r");
    if line == 0 {
        format!("{}: {problem}", path.display())
    } else {
        format!("{}:{line}: {problem}", path.display())
    }
}

impl Error {
    pub fn bad_input(path: impl Into<PathBuf>, line: usize, problem: impl Into<String>) -> Self {
        Error::BadInput { path: path.into(), line, problem: problem.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
