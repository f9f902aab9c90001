//! The command line: clap types, dispatch, exit status and error printing. The only module that
//! prints; every report is written through a `write_*(w: &mut dyn Write, ..)` function so tests and
//! the Python bridge can render the same text.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::Error;
use crate::report::write_json;

/// Exit statuses, as shared/DESIGN.md promises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done.
    Success,
    /// 1: a threshold the user gave (`--fail-over`) was crossed.
    Failure,
    /// 2: bad usage or bad input.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "heapdiff",
    version,
    about = "Heap snapshots of Python processes: what fills the heap, who holds it, what grew",
    after_help = "Take a snapshot with `python -m heapdiff.agent OUT.json SCRIPT` or `heapdiff.agent.dump(path)`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-type table: what fills the heap.
    Summary(SummaryArgs),
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// How many types to show (0: all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON instead of a table (docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    run(std::env::args_os()).into()
}

/// Runs the command line `args` (the first is the program name). Shared by the binary and the
/// Python package's `heapdiff` console script.
pub fn run<I, T>(args: I) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() { ExitStatus::Error } else { ExitStatus::Success };
            let _ = e.print();
            return status;
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = dispatch(&cli.command, &mut out).and_then(|s| out.flush().map(|_| s).map_err(Failed::Io));
    match result {
        Ok(status) => status,
        // `heapdiff summary x | head` closes the pipe early: that is not an error.
        Err(Failed::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(Failed::Io(e)) => report_error(&format!("cannot write output: {e}"), None),
        Err(Failed::Heapdiff(e)) => report_error(&e.to_string(), None),
    }
}

enum Failed {
    Heapdiff(Error),
    Io(io::Error),
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Heapdiff(e)
    }
}
impl From<io::Error> for Failed {
    fn from(e: io::Error) -> Self {
        Failed::Io(e)
    }
}

fn dispatch(cmd: &Command, out: &mut dyn Write) -> Result<ExitStatus, Failed> {
    match cmd {
        Command::Summary(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let s = crate::summary::summarize(&g, a.top, None);
            if a.json {
                write_json(out, &s)?;
            } else {
                crate::summary::write_text(out, &s)?;
            }
            Ok(ExitStatus::Success)
        }
    }
}

/// `error: ...` on one line (bad input must stay one line: file, line, problem), then an optional hint; a closed stderr is ignored, never a panic.
fn report_error(message: &str, hint: Option<&str>) -> ExitStatus {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {message}");
    if let Some(h) = hint {
        let _ = writeln!(err, "\nhint: {h}");
    }
    ExitStatus::Error
}
