//! `heapdiff top`: the objects that retain the most, each with the path that holds it.
//!
//! Sorting every object by retained size would list the same bytes many times over: `sys.modules`,
//! then the module `app`, then its `__dict__`, then the cache the program actually made. So the
//! list keeps only *holders*:
//! - roots of kind `modules` and `frame` are where memory is held from, not holders: left out;
//! - an attribute dict (reached by `.__dict__` from the object that dominates it) is part of its
//!   owner: left out, and its children count as the owner's;
//! - an object is a *pass-through* and left out when one object it dominates retains at least
//!   [`PASS_THROUGH`] of its retained size: that one is the real holder, and a chain
//!   `module -> __dict__ -> cache` shows only `cache`.
//!
//! What remains is sorted by (retained size desc, id).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::ops::Deref;

use serde::Serialize;

use crate::algo::deep::BitSet;
use crate::algo::Analysis;
use crate::graph::{Graph, Node};
use crate::report::{format_count, format_size, native_cpu, native_text, percent, table};
use crate::summary::DeviceBytes;
use crate::snapshot::RootKind;

/// A child retaining this share of its parent's retained size makes the parent a pass-through.
pub const PASS_THROUGH: f64 = 0.9;

#[derive(Debug, Clone, Serialize)]
pub struct Top {
    pub file: String,
    /// Total shallow size of every object.
    pub total_size: u64,
    pub objects: u64,
    /// Root entries by kind.
    pub roots: RootCounts,
    /// Objects no root reaches (cyclic garbage and what it holds), and their shallow size.
    pub unreachable_objects: u64,
    pub unreachable_size: u64,
    /// Native buffers per device in the whole snapshot (`cpu` is inside `total_size`); empty when none.
    pub native: Vec<DeviceBytes>,
    pub holders: Vec<Holder>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RootCounts {
    pub modules: u64,
    pub frames: u64,
    pub unreferenced: u64,
    /// Classes no other root reaches, held from C (extension modules, the interpreter).
    pub c_held: u64,
    /// The interpreter's own tables (3.14+: interned strings), kept out of the holders.
    pub internal: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub id: u64,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub shallow_size: u64,
    pub retained_size: u64,
    /// Objects it retains, itself included.
    pub retained_objects: u64,
    /// `retained_size / total_size`, 0..=1.
    pub share: f64,
    /// No root reaches it.
    pub garbage: bool,
    /// Its shortest path from a root.
    pub path: String,
    /// Native buffers it retains, per device (`cpu` is inside `retained_size`); empty when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub native: Vec<DeviceBytes>,
}

pub fn top<G: Deref<Target = Graph>>(a: &Analysis<G>, count: usize) -> Top {
    let g = a.graph();
    let total = a.retained_size(a.virtual_root());
    let mut roots = RootCounts::default();
    for r in &g.roots {
        match r.kind {
            RootKind::Modules => roots.modules += 1,
            RootKind::Frame => roots.frames += 1,
            RootKind::Unreferenced => roots.unreferenced += 1,
            RootKind::CHeld => roots.c_held += 1,
            RootKind::Internal => roots.internal += 1,
        }
    }
    let unreachable_size = g.nodes().filter(|&v| a.is_garbage(v)).map(|v| g.shallow_size(v)).sum();
    let native: Vec<DeviceBytes> = g.native_by_device().into_iter().map(|(device, bytes)| DeviceBytes { device, bytes }).collect();
    let holders = holders(a, count)
        .into_iter()
        .map(|v| Holder {
            id: g.id(v),
            type_name: g.type_name(v).to_string(),
            name: g.name(v).map(str::to_string),
            shallow_size: g.shallow_size(v),
            retained_size: a.retained_size(v),
            retained_objects: a.retained_count(v),
            share: if total == 0 { 0.0 } else { a.retained_size(v) as f64 / total as f64 },
            garbage: a.is_garbage(v),
            path: a.path(v).text,
            native: if native.is_empty() { Vec::new() } else { retained_native(a, v) },
        })
        .collect();
    Top {
        file: g.path().display().to_string(),
        total_size: total,
        objects: g.node_count() as u64,
        roots,
        unreachable_objects: a.garbage_count(),
        unreachable_size,
        native,
        holders,
    }
}

/// Native bytes per device of the objects `v` dominates (itself included), sorted by device.
fn retained_native<G: Deref<Target = Graph>>(a: &Analysis<G>, v: Node) -> Vec<DeviceBytes> {
    let g = a.graph();
    let tree = a.dominator_tree();
    let mut by: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut stack = vec![v];
    while let Some(n) = stack.pop() {
        if let Some(nb) = g.extra(n).and_then(|e| e.nb) {
            *by.entry(g.extra(n).and_then(|e| e.dev.as_deref()).unwrap_or("cpu")).or_default() += nb;
        }
        stack.extend_from_slice(tree.children(n));
    }
    by.into_iter().map(|(d, bytes)| DeviceBytes { device: d.to_string(), bytes }).collect()
}

/// The `count` holders (module doc) with the largest retained sizes, sorted by (size desc, id).
pub fn holders<G: Deref<Target = Graph>>(a: &Analysis<G>, count: usize) -> Vec<Node> {
    let g = a.graph();
    let tree = a.dominator_tree();
    let mut owned_dict = BitSet::new(g.node_count());
    if let Some(dict) = g.label_index(".__dict__") {
        for s in g.nodes() {
            for (t, l) in g.edges(s) {
                if l == dict && a.idom(t) == Some(s) {
                    owned_dict.insert(t);
                }
            }
        }
    }
    let mut held_from = BitSet::new(g.node_count());
    for r in g.roots.iter().filter(|r| r.kind != RootKind::Unreferenced) {
        held_from.insert(r.node);
    }
    let pass_through = |v: Node| {
        let limit = a.retained_size(v) as f64 * PASS_THROUGH;
        let heavy = |c: Node| a.retained_size(c) as f64 >= limit;
        tree.children(v)
            .iter()
            .any(|&c| if owned_dict.contains(c) { tree.children(c).iter().any(|&cc| heavy(cc)) } else { heavy(c) })
    };
    // `--top 0` asks for every holder
    let count = if count == 0 { usize::MAX } else { count };
    // A min-heap of the best `count` so far, keyed by (retained size desc, id).
    let mut best: BinaryHeap<(Reverse<u64>, u64, Node)> = BinaryHeap::new();
    for v in g.nodes() {
        if owned_dict.contains(v) || held_from.contains(v) {
            continue;
        }
        let key = (Reverse(a.retained_size(v)), g.id(v), v);
        if best.len() == count && key >= *best.peek().expect("count > 0") {
            continue;
        }
        if pass_through(v) {
            continue;
        }
        best.push(key);
        if best.len() > count {
            best.pop();
        }
    }
    best.into_sorted_vec().into_iter().map(|(.., v)| v).collect()
}

pub fn write_text(w: &mut dyn Write, t: &Top) -> std::io::Result<()> {
    writeln!(
        w,
        "heap: {} in {} objects; roots: {} modules, {} frames, {} unreferenced, {} classes held from C{}; unreachable: {} objects ({})",
        format_size(t.total_size),
        format_count(t.objects),
        format_count(t.roots.modules),
        format_count(t.roots.frames),
        format_count(t.roots.unreferenced),
        format_count(t.roots.c_held),
        if t.roots.internal > 0 { format!(", {} interpreter tables", format_count(t.roots.internal)) } else { String::new() },
        format_count(t.unreachable_objects),
        format_size(t.unreachable_size),
    )?;
    if !t.native.is_empty() {
        let cpu = native_cpu(&t.native);
        let apart: Vec<DeviceBytes> = t.native.iter().filter(|d| d.device != "cpu").cloned().collect();
        let mut line = format!("native buffers: cpu {} of the heap", format_size(cpu));
        if !apart.is_empty() {
            line.push_str(&format!("; not in the heap: {}", native_text(&apart)));
        }
        writeln!(w, "{line}")?;
    }
    writeln!(w)?;
    if t.holders.is_empty() {
        return writeln!(w, "no objects");
    }
    let with_native = !t.native.is_empty();
    let rows = t
        .holders
        .iter()
        .map(|h| {
            let mut row = vec![
                format_size(h.retained_size),
                percent(h.retained_size, t.total_size),
                format_count(h.retained_objects),
                format_size(h.shallow_size),
            ];
            if with_native {
                row.push(if h.native.is_empty() { String::new() } else { native_text(&h.native) });
            }
            row.extend([h.type_name.clone(), format!("{:#x}", h.id), h.path.clone()]);
            row
        })
        .collect();
    let mut headers = vec!["retained", "share", "objects", "shallow"];
    if with_native {
        headers.push("native retained");
    }
    headers.extend(["type", "id", "path"]);
    writeln!(w, "{}", table::render(&headers, rows, &[0, 1, 2, 3]))
}
