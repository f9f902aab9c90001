//! `heapdiff A B`: what grew between two snapshots of one process, and who holds it.
//!
//! Objects are matched across the snapshots ([`matching`]), new and grown objects are charged to
//! the survivor that holds them ([`suspects`]), and the report answers first: how much grew, and
//! the path of the object holding most of it. docs/DIFF.md describes the rules and every JSON field.

pub mod matching;
pub(crate) mod report;
pub mod suspects;

use serde::Serialize;

use crate::graph::{Graph, Node};

pub use matching::{match_objects, Class, Matching};
pub use report::{answer_line, write_text};
pub use suspects::{Suspect, TypeGrowth};

/// What the diff needs from the analysis of one snapshot: its dominator tree and paths
/// (implemented by `algo::Analysis`; tests draw their own).
pub trait Retention {
    /// The immediate dominator of `n`; `None` when only the virtual root dominates it (a root, an
    /// object reachable from two roots) or it is unreachable.
    fn idom(&self, n: Node) -> Option<Node>;
    /// Retained size of `n`.
    fn retained_size(&self, n: Node) -> u64;
    /// Retained size per type index of the graph.
    fn retained_by_type(&self) -> Vec<u64>;
    /// The shortest path from a root, as Python would read it.
    fn path(&self, n: Node) -> String;
}

impl<G: std::ops::Deref<Target = Graph>> Retention for crate::algo::Analysis<G> {
    fn idom(&self, n: Node) -> Option<Node> {
        crate::algo::Analysis::idom(self, n).filter(|&d| d != self.virtual_root())
    }
    fn retained_size(&self, n: Node) -> u64 {
        crate::algo::Analysis::retained_size(self, n)
    }
    fn retained_by_type(&self) -> Vec<u64> {
        crate::algo::Analysis::retained_by_type(self).to_vec()
    }
    fn path(&self, n: Node) -> String {
        crate::algo::Analysis::path(self, n).text
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Suspects and types to show (0: all).
    pub top: usize,
    /// Hide suspects and type rows whose change is smaller than this many bytes.
    pub min: u64,
}

/// One snapshot as the header shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub file: String,
    pub pid: u64,
    /// Unix time when the dump started.
    pub time: f64,
    pub time_iso: String,
    pub objects: u64,
    /// Total shallow size.
    pub bytes: u64,
    pub rss: Option<u64>,
    /// Native buffers per device (`cpu` is inside `bytes`; `cuda:0`, `file` are not); empty when none.
    pub native: Vec<crate::summary::DeviceBytes>,
}

impl Side {
    pub fn of(g: &Graph) -> Side {
        Side {
            file: g.path().display().to_string(),
            pid: g.header.pid,
            time: g.header.time,
            time_iso: g.header.time_iso.clone(),
            objects: g.node_count() as u64,
            bytes: g.total_shallow(),
            rss: g.header.rss.filter(|&r| r > 0),
            native: g.native_by_device().into_iter().map(|(device, bytes)| crate::summary::DeviceBytes { device, bytes }).collect(),
        }
    }
}

/// How many objects fell in each class, and their bytes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Classes {
    pub new: u64,
    pub new_bytes: u64,
    pub gone: u64,
    pub gone_bytes: u64,
    pub survived: u64,
    pub grown: u64,
    /// Net shallow-size change of survivors (grown minus shrunk).
    pub grown_bytes: i64,
}

/// One row of the per-type table.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDelta {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count_before: u64,
    pub count_after: u64,
    pub count_delta: i64,
    pub size_before: u64,
    pub size_after: u64,
    pub size_delta: i64,
    pub retained_before: u64,
    pub retained_after: u64,
    pub retained_delta: i64,
}

/// The whole diff, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub before: Side,
    pub after: Side,
    /// `after.time - before.time`.
    pub seconds: f64,
    /// Problems with the pair (different processes, order): printed on stderr too.
    pub warnings: Vec<String>,
    pub classes: Classes,
    /// The one-line answer: what grew and who holds it.
    pub answer: String,
    /// Sum of the net growth of every suspect that gained bytes (what `--fail-over` compares).
    pub growth: u64,
    /// New objects that no root reaches (cyclic garbage): the next collection frees them, so they
    /// are reported apart and never counted as growth.
    pub garbage_objects: i64,
    pub garbage_bytes: i64,
    /// Suspects that gained bytes, before `--top` and `--min`.
    pub suspect_count: u64,
    /// Suspects that gained bytes, biggest first (cut by `--top`, `--min`).
    pub suspects: Vec<Suspect>,
    /// Distinct types whose count or size changed, before `--top` and `--min`.
    pub type_count: u64,
    /// Types sorted by shallow-size growth (cut by `--top`, `--min`).
    pub types: Vec<TypeDelta>,
    /// `heapdiff suggest` on B, kept for the suggestions whose objects grew: filled by the caller
    /// that holds B's analysis ([`crate::suggest::growth::for_growth`] with [`Diff::grew`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<crate::suggest::growth::GrowthSuggestion>,
    /// B's objects that are new or grew.
    #[serde(skip)]
    pub grew: crate::algo::deep::BitSet,
}

/// Warnings about a pair of snapshots that may not be comparable.
pub fn warnings(a: &Graph, b: &Graph) -> Vec<String> {
    let mut w = Vec::new();
    if a.header.pid != b.header.pid {
        w.push(format!(
            "`{}` (pid {}) and `{}` (pid {}) come from different processes: ids are not comparable, every object will look new",
            a.path().display(), a.header.pid, b.path().display(), b.header.pid
        ));
    }
    if b.header.time < a.header.time {
        w.push(format!(
            "`{}` was taken before `{}`: the diff shows what shrank as growth; swap the arguments",
            b.path().display(), a.path().display()
        ));
    }
    w
}

/// All holders with a net change, before any cut: shared by `diff` and `trend`. New objects no
/// root reaches are gathered in one entry whose `node` is [`matching::NONE`].
pub fn all_suspects(a: &Graph, b: &Graph, m: &Matching, ra: &dyn Retention, rb: &dyn Retention) -> Vec<Suspect> {
    let ha = suspects::Holders::new(a, ra, &|v| m.survivor_in_b(v).is_some(), false);
    let hb = suspects::Holders::new(b, rb, &|v| m.is_survivor_b(v), true);
    suspects::find_suspects(a, b, m, &ha, &hb, rb)
}

/// Compares snapshot `a` (before) with `b` (after).
pub fn diff(a: &Graph, b: &Graph, ra: &dyn Retention, rb: &dyn Retention, opts: Options) -> Diff {
    let m = match_objects(a, b);
    let mut classes = Classes::default();
    let mut grew = crate::algo::deep::BitSet::new(b.node_count());
    for v in b.nodes() {
        let class = m.class_b(a, b, v);
        if matches!(class, Class::New | Class::Grown) {
            grew.insert(v);
        }
        match class {
            Class::New => {
                classes.new += 1;
                classes.new_bytes += b.shallow_size(v);
            }
            c => {
                if c == Class::Grown {
                    classes.grown += 1;
                } else {
                    classes.survived += 1;
                }
                classes.grown_bytes += b.shallow_size(v) as i64 - a.shallow_size(m.b_to_a[v as usize]) as i64;
            }
        }
    }
    for v in a.nodes() {
        if m.survivor_in_b(v).is_none() {
            classes.gone += 1;
            classes.gone_bytes += a.shallow_size(v);
        }
    }

    let mut suspects: Vec<Suspect> = all_suspects(a, b, &m, ra, rb);
    let (garbage_objects, garbage_bytes) = suspects
        .iter()
        .find(|s| s.node == matching::NONE)
        .map_or((0, 0), |s| (s.objects, s.bytes));
    suspects.retain(|s| s.bytes > 0 && s.node != matching::NONE);
    let growth: u64 = suspects.iter().map(|s| s.bytes as u64).sum();
    let suspect_count = suspects.len() as u64;
    let answer = answer_line(suspects.first(), growth, suspect_count);
    suspects.retain(|s| s.bytes as u64 >= opts.min);
    if opts.top > 0 {
        suspects.truncate(opts.top);
    }

    let mut types = type_deltas(a, b, &m, ra, rb);
    let type_count = types.len() as u64;
    types.retain(|t| t.size_delta.unsigned_abs() >= opts.min);
    if opts.top > 0 {
        types.truncate(opts.top);
    }

    Diff {
        before: Side::of(a),
        after: Side::of(b),
        seconds: b.header.time - a.header.time,
        warnings: warnings(a, b),
        classes,
        answer,
        growth,
        garbage_objects,
        garbage_bytes,
        suspect_count,
        suspects,
        type_count,
        types,
        suggestions: Vec::new(),
        grew,
    }
}

/// Per type name: count, shallow and retained size before and after, sorted by shallow growth.
pub fn type_deltas(a: &Graph, b: &Graph, m: &Matching, ra: &dyn Retention, rb: &dyn Retention) -> Vec<TypeDelta> {
    let k = m.type_names.len();
    let (mut count, mut size, mut retained) = (vec![[0u64; 2]; k], vec![[0u64; 2]; k], vec![[0u64; 2]; k]);
    for v in a.nodes() {
        let t = m.type_a(a, v) as usize;
        count[t][0] += 1;
        size[t][0] += a.shallow_size(v);
    }
    for v in b.nodes() {
        let t = m.type_b(b, v) as usize;
        count[t][1] += 1;
        size[t][1] += b.shallow_size(v);
    }
    for (ti, r) in ra.retained_by_type().into_iter().enumerate().take(m.type_name_a.len()) {
        retained[m.type_name_a[ti] as usize][0] += r;
    }
    for (ti, r) in rb.retained_by_type().into_iter().enumerate().take(m.type_name_b.len()) {
        retained[m.type_name_b[ti] as usize][1] += r;
    }
    let d = |x: [u64; 2]| x[1] as i64 - x[0] as i64;
    let mut rows: Vec<TypeDelta> = (0..k)
        .filter(|&t| count[t] != [0, 0] && (count[t][0] != count[t][1] || size[t][0] != size[t][1] || retained[t][0] != retained[t][1]))
        .map(|t| TypeDelta {
            type_name: m.type_names[t].clone(),
            count_before: count[t][0],
            count_after: count[t][1],
            count_delta: d(count[t]),
            size_before: size[t][0],
            size_after: size[t][1],
            size_delta: d(size[t]),
            retained_before: retained[t][0],
            retained_after: retained[t][1],
            retained_delta: d(retained[t]),
        })
        .collect();
    rows.sort_by(|x, y| {
        y.size_delta.cmp(&x.size_delta).then(y.count_delta.cmp(&x.count_delta)).then_with(|| x.type_name.cmp(&y.type_name))
    });
    rows
}

#[cfg(test)]
mod tests;
