//! The command line: clap types, dispatch, exit status and error printing. The only module that
//! prints; every report is written through a `write_*(w: &mut dyn Write, ..)` function so tests and
//! the Python bridge can render the same text.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::algo::{Analysis, DeepScope};
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
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `heapdiff A B` is `heapdiff diff A B`.
    #[command(flatten)]
    pub diff: DiffArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-type table: what fills the heap.
    Summary(SummaryArgs),
    /// What grew between two snapshots of one process, and who holds it (also `heapdiff A B`).
    Diff(DiffArgs),
    /// Three or more snapshots: what grows in every interval (a leak) and what stopped (a full cache).
    Trend(TrendArgs),
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
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = parse_size_arg)]
    pub min: u64,
    /// Print JSON instead of text (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The snapshot taken first.
    #[arg(required = true, value_name = "BEFORE")]
    pub before: Option<PathBuf>,
    /// The snapshot taken later.
    #[arg(required = true, value_name = "AFTER")]
    pub after: Option<PathBuf>,
    /// How many suspects and types to show (0: all).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print JSON instead of text (docs/DIFF.md lists every field).
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when the growth held by suspects is over SIZE (`64KiB`, `10 MB`): a CI check.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    pub fail_over: Option<u64>,
    /// Hide suspects and types that changed by less than SIZE.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "0")]
    pub min: u64,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Three or more snapshots of one process, oldest first.
    #[arg(required = true, num_args = 3.., value_name = "SNAPSHOT")]
    pub snapshots: Vec<PathBuf>,
    /// How many holders and types to show (0: all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON instead of text (docs/DIFF.md).
    #[arg(long)]
    pub json: bool,
    /// Changes smaller than SIZE per interval count as no change.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "1KiB")]
    pub min: u64,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    crate::report::parse_size(s)
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
    /// Deep size over everything reachable; by default it stops at classes, modules, functions,
    /// code and frames, as pympler's `asizeof` does (docs/CLI.md).
    #[arg(long)]
    pub deep_all: bool,
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
    let result = match &cli.command {
        Some(cmd) => dispatch(cmd, &mut out),
        None => run_diff(&cli.diff, &mut out),
    };
    let result = result.and_then(|s| out.flush().map(|_| s).map_err(Failed::Io));
    match result {
        Ok(status) => status,
        // `heapdiff summary x | head` closes the pipe early: that is not an error.
        Err(Failed::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(Failed::Io(e)) => report_error(&format!("cannot write output: {e}")),
        Err(Failed::Heapdiff(e)) => report_error(&e.to_string()),
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
            let g = load(&a.snapshot)?;
            let analysis = Analysis::new(&g);
            let s = crate::summary::summarize(&g, a.top, Some(analysis.retained_by_type()));
            emit(out, a.json, &s, crate::summary::write_text)?;
        }
        Command::Top(a) => {
            let g = load(&a.snapshot)?;
            let t = crate::top::top(&Analysis::new(&g), a.top);
            emit(out, a.json, &t, crate::top::write_text)?;
        }
        Command::Paths(a) => {
            let g = load(&a.snapshot)?;
            let (objects, by_type) = match (&a.id, &a.type_name) {
                (Some(id), _) => (vec![inspect::find_object(&g, id)?], false),
                (None, Some(t)) => (inspect::instances_of(&g, t)?, true),
                (None, None) => unreachable!("clap requires --id or --type"),
            };
            let r = inspect::paths(&Analysis::new(&g), objects, a.top, a.max_paths, by_type);
            emit(out, a.json, &r, inspect::write_paths_text)?;
        }
        Command::Cycles(a) => {
            let g = load(&a.snapshot)?;
            let r = crate::cycles::cycles(&Analysis::new(&g), a.top);
            emit(out, a.json, &r, crate::cycles::write_text)?;
        }
        Command::Show(a) => {
            let g = load(&a.snapshot)?;
            let v = inspect::find_object(&g, &a.id)?;
            let scope = if a.deep_all { DeepScope::All } else { DeepScope::Data };
            let s = inspect::show(&Analysis::new(&g), v, a.limit, scope);
            emit(out, a.json, &s, inspect::write_show_text)?;
        }
        Command::Suggest(a) => {
            let g = load(&a.snapshot)?;
            let options = crate::suggest::Options { min_saving: a.min, top: a.top };
            let r = crate::suggest::report(&Analysis::new(&g), &options);
            emit(out, a.json, &r, crate::suggest::write_text)?;
        }
        Command::Diff(a) => return run_diff(a, out),
        Command::Trend(a) => return run_trend(a, out),
    }
    Ok(ExitStatus::Success)
}

/// Writes a report as `--json` asked: pretty JSON, or the report's text renderer.
fn emit<T: serde::Serialize>(
    out: &mut dyn Write,
    json: bool,
    report: &T,
    text: fn(&mut dyn Write, &T) -> io::Result<()>,
) -> io::Result<()> {
    if json { write_json(out, report) } else { text(out, report) }
}

fn warn(messages: &[String]) {
    let mut err = io::stderr().lock();
    for m in messages {
        let _ = writeln!(err, "warning: {m}");
    }
}

fn run_diff(a: &DiffArgs, out: &mut dyn Write) -> Result<ExitStatus, Failed> {
    let (Some(before), Some(after)) = (&a.before, &a.after) else {
        return Err(Error::Usage("`heapdiff diff` needs two snapshots: BEFORE and AFTER".into()).into());
    };
    // One after the other, each analysed before the next is read: the loader already uses every
    // core, and the peak of a load (the file's bytes beside the arrays they become) then meets one
    // finished graph and analysis instead of two graphs and two analyses in the making.
    let ga = load(before)?;
    let ra = crate::algo::Analysis::new(&ga);
    let gb = load(after)?;
    let rb = crate::algo::Analysis::new(&gb);
    let opts = crate::diff::Options { top: a.top, min: a.min };
    let mut d = crate::diff::diff(&ga, &gb, &ra, &rb, opts);
    let suggest_opts = crate::suggest::Options { min_saving: crate::suggest::DEFAULT_MIN_SAVING, top: 5 };
    d.suggestions = crate::suggest::growth::for_growth(&rb, &d.grew, &suggest_opts);
    warn(&d.warnings);
    if a.json {
        write_json(out, &d)?;
    } else {
        crate::diff::write_text(out, &d)?;
    }
    match a.fail_over {
        Some(limit) if d.growth > limit => {
            let mut err = io::stderr().lock();
            let _ = writeln!(
                err,
                "heapdiff: growth held by suspects is {} ({} bytes), over --fail-over {} ({} bytes)",
                crate::report::format_size(d.growth),
                d.growth,
                crate::report::format_size(limit),
                limit
            );
            Ok(ExitStatus::Failure)
        }
        _ => Ok(ExitStatus::Success),
    }
}

fn run_trend(a: &TrendArgs, out: &mut dyn Write) -> Result<ExitStatus, Failed> {
    use std::rc::Rc;
    use crate::algo::Analysis;
    // Two snapshots in memory at a time: each interval is diffed, then the older one is dropped.
    let mut warnings = Vec::new();
    let mut sides = Vec::new();
    let mut intervals = Vec::new();
    let mut prev: Option<Analysis<Rc<crate::Graph>>> = None;
    for path in &a.snapshots {
        let g = Rc::new(load(path)?);
        let cur = Analysis::new(g);
        sides.push(crate::diff::Side::of(cur.graph()));
        if let Some(p) = prev.take() {
            let (ga, gb) = (p.graph(), cur.graph());
            warnings.extend(crate::diff::warnings(ga, gb));
            let m = crate::diff::match_objects(ga, gb);
            let suspects = crate::diff::all_suspects(ga, gb, &m, &p, &cur);
            let types = crate::diff::type_deltas(ga, gb, &m, &p, &cur);
            intervals.push((suspects, types));
        }
        prev = Some(cur);
    }
    warn(&warnings);
    let t = crate::trend::trend(sides, warnings, &intervals, a.min);
    if a.json {
        write_json(out, &t)?;
    } else {
        crate::trend::write_text(out, &t, a.top)?;
    }
    Ok(ExitStatus::Success)
}

/// Reads a snapshot and says once on stderr what its writer could not record on that Python (a
/// layout part that failed its self-check, or a version the agent has no table for).
fn load(path: &std::path::Path) -> crate::error::Result<crate::graph::Graph> {
    let g = crate::snapshot::load(path)?;
    if let Some(note) = g.header.layout_note() {
        let _ = writeln!(io::stderr().lock(), "note: {}: {note}", path.display());
    }
    Ok(g)
}

/// `error: ...` on one line (bad input: file, line, problem); a closed stderr is ignored, never a panic.
fn report_error(message: &str) -> ExitStatus {
    let _ = writeln!(io::stderr().lock(), "error: {message}");
    ExitStatus::Error
}
