//! The command line: clap types, dispatch, exit status and error printing. The only module that
//! prints; every report is written through a `write_*(w: &mut dyn Write, ..)` function so tests and
//! the Python bridge can render the same text.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::algo::Analysis;
use crate::error::Error;
use crate::inspect;
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
    /// The objects that retain the most, and the paths that hold them.
    Top(TopArgs),
    /// Retention paths from roots to one object, or to the largest instances of a type.
    Paths(PathsArgs),
    /// Reference cycles grouped by their types; which are cyclic garbage.
    Cycles(CyclesArgs),
    /// One object: sizes, paths, what it refers to and who refers to it.
    Show(ShowArgs),
    /// Concrete changes to the program, ranked by the bytes each would save.
    Suggest(SuggestArgs),
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// How many suggestions to show (0: all).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Leave out suggestions that save less than SIZE (`64KiB`, `1 MB`, `0`).
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = crate::report::parse_size)]
    pub min: u64,
    /// Print JSON instead of text (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// How many objects to show (0: all holders).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON instead of a table (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["id", "type_name"]))]
pub struct PathsArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// The object's id, decimal (`140234`) or hex (`0x7f3a2c`).
    #[arg(long)]
    pub id: Option<String>,
    /// A type name (`app.models.User`, or just `User`): paths to its largest instances.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: Option<String>,
    /// With `--type`: how many instances, largest retained size first (0: all).
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Paths per object: the shortest, then one through each other referrer.
    #[arg(long, default_value_t = 5)]
    pub max_paths: usize,
    /// Print JSON instead of text (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CyclesArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// How many kinds of cycles to show (0: all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON instead of a table (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// The object's id, decimal (`140234`) or hex (`0x7f3a2c`).
    pub id: String,
    /// How many referents, referrers and paths to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON instead of text (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The snapshot (`.json` or `.json.gz`).
    pub snapshot: PathBuf,
    /// How many types to show (0: all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON instead of a table (docs/CLI.md).
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
            let analysis = Analysis::new(&g);
            let s = crate::summary::summarize(&g, a.top, Some(analysis.retained_by_type()));
            if a.json {
                write_json(out, &s)?;
            } else {
                crate::summary::write_text(out, &s)?;
            }
        }
        Command::Top(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let t = crate::top::top(&Analysis::new(&g), a.top);
            if a.json {
                write_json(out, &t)?;
            } else {
                crate::top::write_text(out, &t)?;
            }
        }
        Command::Paths(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let (objects, by_type) = match (&a.id, &a.type_name) {
                (Some(id), _) => (vec![inspect::find_object(&g, id)?], false),
                (None, Some(t)) => (inspect::instances_of(&g, t)?, true),
                (None, None) => unreachable!("clap requires --id or --type"),
            };
            let r = inspect::paths(&Analysis::new(&g), objects, a.top, a.max_paths, by_type);
            if a.json {
                write_json(out, &r)?;
            } else {
                inspect::write_paths_text(out, &r)?;
            }
        }
        Command::Cycles(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let r = crate::cycles::cycles(&Analysis::new(&g), a.top);
            if a.json {
                write_json(out, &r)?;
            } else {
                crate::cycles::write_text(out, &r)?;
            }
        }
        Command::Show(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let v = inspect::find_object(&g, &a.id)?;
            let s = inspect::show(&Analysis::new(&g), v, a.limit);
            if a.json {
                write_json(out, &s)?;
            } else {
                inspect::write_show_text(out, &s)?;
            }
        }
        Command::Suggest(a) => {
            let g = crate::snapshot::load(&a.snapshot)?;
            let options = crate::suggest::Options { min_saving: a.min, top: a.top };
            let r = crate::suggest::report(&Analysis::new(&g), &options);
            if a.json {
                write_json(out, &r)?;
            } else {
                crate::suggest::write_text(out, &r)?;
            }
        }
    }
    Ok(ExitStatus::Success)
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
