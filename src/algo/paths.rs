//! Paths from roots: how the program reaches an object, written as Python would read it:
//! `sys.modules['app'].Service._cache['user:42'][3]`,
//! `<thread MainThread> frame handle() local 'batch'`.
//!
//! One search from all roots at once gives every object its shortest path (parent pointers in a
//! `u32` array). Length is counted as written: a `.__dict__` edge costs nothing because
//! `.__dict__['name']` is written `.name`, so `sys.modules['app'].cache` (two steps) ties with the
//! main frame's `.f_globals['cache']` instead of losing to it. Ties go to the root searched first:
//! `sys.modules`, then frames, then unreferenced objects (the order of [`Graph::roots`]), and
//! within one object to its earlier edge. Objects no root reaches get paths from a representative
//! of their cyclic garbage, written `<unreachable: cyclic garbage> <app.Node at 0x7f..>...`.
//!
//! # Complexity
//! O(V + E): a 0-1 breadth-first search, levels kept in two queues so the order within a level is
//! first-come (deterministic). One `u32` per node kept, one more while searching.

use std::fmt::Write as _;

use serde::Serialize;

use super::deep::BitSet;
use super::scc::source_representatives;
use crate::graph::{Graph, LabelIndex, Node, Reverse};
use crate::snapshot::RootKind;

const NONE: u32 = u32::MAX;

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathStart {
    Modules,
    Frame,
    Unreferenced,
    /// A class held from C (`RootKind::CHeld`).
    #[serde(rename = "c-held")]
    CHeld,
    /// An interpreter table (`RootKind::Internal`).
    Internal,
    /// A representative of cyclic garbage: no root reaches the object.
    Garbage,
}

impl From<RootKind> for PathStart {
    fn from(k: RootKind) -> Self {
        match k {
            RootKind::Modules => PathStart::Modules,
            RootKind::Frame => PathStart::Frame,
            RootKind::Unreferenced => PathStart::Unreferenced,
            RootKind::CHeld => PathStart::CHeld,
            RootKind::Internal => PathStart::Internal,
        }
    }
}

/// A chain of references from a start to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub start: PathStart,
    /// The objects from the start (first) to the target (last).
    pub objects: Vec<Node>,
    /// For each step, the position of the edge among the refs of `objects[i]`.
    pub edges: Vec<u32>,
    /// The path as Python would read it.
    pub text: String,
}

/// Shortest paths from the roots to every object, and the cyclic garbage no root reaches.
#[derive(Debug, Clone)]
pub struct ShortestPaths {
    /// The object each one is reached from; `NONE` for starts.
    parent: Vec<Node>,
    garbage: BitSet,
    garbage_count: u64,
    /// Where the search of the garbage started: the smallest object of each source component.
    representatives: Vec<Node>,
    /// `(node, index in Graph::roots)` of the first root entry of each root node, sorted by node.
    root_entry: Vec<(Node, u32)>,
    dict_label: Option<LabelIndex>,
}

impl ShortestPaths {
    pub fn new(g: &Graph) -> Self {
        let n = g.node_count();
        let dict_label = g.label_index(".__dict__");
        let mut parent = vec![NONE; n];
        let mut cost = vec![NONE; n];
        let mut rank = vec![u8::MAX; n];
        // Roots are sorted by (kind, node) and a node's first entry is its best kind.
        let mut seen = BitSet::new(n);
        let starts: Vec<(Node, u8)> =
            g.roots.iter().filter(|r| seen.insert(r.node)).map(|r| (r.node, PathStart::from(r.kind) as u8)).collect();
        drop(seen);
        search(g, &starts, dict_label, &mut parent, &mut cost, &mut rank, |_| true);

        let mut garbage = BitSet::new(n);
        let mut garbage_count = 0;
        for v in g.nodes() {
            if cost[v as usize] == NONE {
                garbage.insert(v);
                garbage_count += 1;
            }
        }
        let representatives = if garbage_count == 0 {
            Vec::new()
        } else {
            let reps = source_representatives(g, |v| garbage.contains(v));
            let starts: Vec<(Node, u8)> = reps.iter().map(|&r| (r, PathStart::Garbage as u8)).collect();
            search(g, &starts, dict_label, &mut parent, &mut cost, &mut rank, |v| garbage.contains(v));
            reps
        };
        drop((cost, rank));

        let mut root_entry: Vec<(Node, u32)> = g.roots.iter().enumerate().map(|(i, r)| (r.node, i as u32)).collect();
        root_entry.sort_unstable();
        root_entry.dedup_by_key(|e| e.0);
        ShortestPaths { parent, garbage, garbage_count, representatives, root_entry, dict_label }
    }

    /// Whether no root reaches the object (it is cyclic garbage or held by it).
    pub fn is_garbage(&self, n: Node) -> bool {
        self.garbage.contains(n)
    }
    pub fn garbage_count(&self) -> u64 {
        self.garbage_count
    }
    /// The smallest object of each source component of the garbage, in node order.
    pub fn representatives(&self) -> &[Node] {
        &self.representatives
    }
    /// The object `n` is reached from on its shortest path; `None` for roots and representatives.
    pub fn parent(&self, n: Node) -> Option<Node> {
        Some(self.parent[n as usize]).filter(|&p| p != NONE)
    }

    /// Number of steps from the start to `n`, and the start.
    fn depth_and_start(&self, n: Node) -> (usize, Node) {
        let (mut v, mut d) = (n, 0);
        while let Some(p) = self.parent(v) {
            v = p;
            d += 1;
        }
        (d, v)
    }

    fn start_kind(&self, g: &Graph, start: Node) -> PathStart {
        if self.is_garbage(start) {
            return PathStart::Garbage;
        }
        match self.root_entry.binary_search_by_key(&start, |e| e.0) {
            Ok(i) => g.roots[self.root_entry[i].1 as usize].kind.into(),
            Err(_) => PathStart::Unreferenced,
        }
    }

    /// The shortest path to `n`.
    pub fn path(&self, g: &Graph, n: Node) -> Path {
        let mut objects = vec![n];
        let mut v = n;
        while let Some(p) = self.parent(v) {
            objects.push(p);
            v = p;
        }
        objects.reverse();
        self.make_path(g, objects)
    }

    fn make_path(&self, g: &Graph, objects: Vec<Node>) -> Path {
        let edges: Vec<u32> = objects.windows(2).map(|w| self.edge_between(g, w[0], w[1])).collect();
        let start = self.start_kind(g, objects[0]);
        let mut text = self.start_name(g, objects[0], start);
        render_steps(g, &objects, &edges, &mut text);
        Path { start, objects, edges, text }
    }

    /// Position of the edge `from -> to` the search took: the first one, preferring a free
    /// `.__dict__` edge as the search does.
    fn edge_between(&self, g: &Graph, from: Node, to: Node) -> u32 {
        let mut first = None;
        for (i, (t, l)) in g.edges(from).enumerate() {
            if t == to {
                if Some(l) == self.dict_label {
                    return i as u32;
                }
                first.get_or_insert(i as u32);
            }
        }
        first.expect("a path step follows an edge")
    }

    fn start_name(&self, g: &Graph, start: Node, kind: PathStart) -> String {
        let root_name = match self.root_entry.binary_search_by_key(&start, |e| e.0) {
            Ok(i) => g.roots[self.root_entry[i].1 as usize].name.as_str(),
            Err(_) => "",
        };
        match kind {
            PathStart::Modules | PathStart::Frame | PathStart::CHeld | PathStart::Internal if !root_name.is_empty() => root_name.to_string(),
            PathStart::Modules => "sys.modules".to_string(),
            PathStart::Garbage => format!("<unreachable: cyclic garbage> {}", object_ref(g, start)),
            _ => format!("<unreferenced {} at {:#x}>", g.type_name(start), g.id(start)),
        }
    }

    /// Up to `limit` paths to `n`, one through each distinct referrer: first the shortest path,
    /// then through the other referrers by (reached from a root first, fewer steps, referrer).
    /// Referrers whose own path passes through `n` are left out: they say nothing new.
    pub fn paths(&self, g: &Graph, reverse: &Reverse, n: Node, limit: usize) -> Vec<Path> {
        if limit == 0 {
            return Vec::new();
        }
        let primary = self.parent(n);
        let mut others: Vec<(bool, usize, PathStart, Node)> = Vec::new();
        let mut last = None;
        for &r in reverse.predecessors(n) {
            if r == n || Some(r) == primary || last == Some(r) {
                continue;
            }
            last = Some(r);
            if self.passes_through(r, n) {
                continue;
            }
            let (depth, start) = self.depth_and_start(r);
            others.push((self.is_garbage(r), depth, self.start_kind(g, start), r));
        }
        others.sort_unstable();
        let mut out = vec![self.path(g, n)];
        for &(.., r) in others.iter().take(limit - 1) {
            let mut p = self.path(g, r);
            p.objects.push(n);
            p = self.make_path(g, p.objects);
            out.push(p);
        }
        out
    }

    fn passes_through(&self, from: Node, n: Node) -> bool {
        let mut v = from;
        while let Some(p) = self.parent(v) {
            if p == n {
                return true;
            }
            v = p;
        }
        false
    }
}

/// `<app.Node at 0x7f3a2c>`: an object named the way Python's default `repr` does.
pub fn object_ref(g: &Graph, n: Node) -> String {
    format!("<{} at {:#x}>", g.type_name(n), g.id(n))
}

/// 0-1 breadth-first search from `starts` into nodes where `allowed` holds. `cost` is the written
/// length so far (`NONE`: not reached) and `rank` the rank of the start it comes from (lower is
/// preferred: modules, frames, unreferenced); a node's parent changes whenever its
/// `(cost, rank)` drops, so of equally short paths the one from the better root wins.
fn search(
    g: &Graph,
    starts: &[(Node, u8)],
    dict_label: Option<LabelIndex>,
    parent: &mut [Node],
    cost: &mut [u32],
    rank: &mut [u8],
    allowed: impl Fn(Node) -> bool,
) {
    let mut level: Vec<Node> = Vec::new();
    for &(s, r) in starts {
        if cost[s as usize] == NONE {
            cost[s as usize] = 0;
            rank[s as usize] = r;
            level.push(s);
        }
    }
    let mut next: Vec<Node> = Vec::new();
    let mut d = 0u32;
    while !level.is_empty() {
        // `level` grows while it is read: free `.__dict__` edges, and nodes whose rank improved,
        // add to the current level. A node is expanded at most once per rank.
        let mut i = 0;
        while i < level.len() {
            let v = level[i];
            i += 1;
            if cost[v as usize] != d {
                continue; // reached more cheaply since it was queued
            }
            let r = rank[v as usize];
            for (t, l) in g.edges(v) {
                let free = dict_label.is_some() && Some(l) == dict_label;
                let c = if free { d } else { d + 1 };
                if (c, r) < (cost[t as usize], rank[t as usize]) && allowed(t) {
                    let queued = cost[t as usize] == c;
                    cost[t as usize] = c;
                    rank[t as usize] = r;
                    parent[t as usize] = v;
                    if free {
                        level.push(t);
                    } else if !queued {
                        next.push(t);
                    }
                }
            }
        }
        level.clear();
        std::mem::swap(&mut level, &mut next);
        d += 1;
    }
}

/// Appends each step's label: attributes and items as written, `.__dict__['x']` as `.x`,
/// unlabelled list and tuple items as `[i]`, an object's unlabelled edge to its own class as
/// `.__class__` (as Python reads it), other unlabelled edges as ` -> type`.
fn render_steps(g: &Graph, objects: &[Node], edges: &[u32], out: &mut String) {
    let label_of = |i: usize| {
        let (_, l) = g.edges(objects[i]).nth(edges[i] as usize).expect("edge position is in range");
        g.label(l)
    };
    let mut i = 0;
    while i < edges.len() {
        let label = label_of(i);
        if label == ".__dict__" && i + 1 < edges.len() {
            if let Some(name) = identifier_key(label_of(i + 1)) {
                out.push('.');
                out.push_str(name);
                i += 2;
                continue;
            }
        }
        if label.starts_with('.') || label.starts_with('[') {
            out.push_str(label);
        } else if label.is_empty() {
            match unlabelled_text(g, objects[i], edges[i]) {
                Some(text) => out.push_str(&text),
                None => {
                    let _ = write!(out, " -> {}", g.type_name(objects[i + 1]));
                }
            }
        } else {
            out.push(' ');
            out.push_str(label);
        }
        i += 1;
    }
}

/// How one edge reads after its source, as in a path: `.name`, `['key']`, `[3]` for an
/// unlabelled list or tuple item, `local 'x'`; empty for other unlabelled edges.
pub fn edge_text(g: &Graph, from: Node, position: u32) -> String {
    let Some((_, l)) = g.edges(from).nth(position as usize) else { return String::new() };
    let label = g.label(l);
    if label.is_empty() {
        unlabelled_text(g, from, position).unwrap_or_default()
    } else {
        label.to_string()
    }
}

/// How an unlabelled edge reads, when Python has a name for it: `[i]` for an item of an exact
/// `list`, `tuple` or `collections.deque` (docs/FORMAT.md: refs in index order; older files have
/// list and tuple items last first), `.__class__` for the edge to the object's own class.
fn unlabelled_text(g: &Graph, from: Node, position: u32) -> Option<String> {
    let targets = g.successors(from);
    let to = *targets.get(position as usize)?;
    let own_class = g.types[g.type_index(from) as usize].node;
    match g.type_name(from) {
        "builtins.list" | "builtins.tuple" => {
            let index = if g.header.items_reversed() { targets.len() as u32 - 1 - position } else { position };
            Some(format!("[{index}]"))
        }
        // a deque's referents are its items in order, after its type where the type is a heap
        // type (3.12+: `_collections` has module state)
        "collections.deque" if own_class != Some(to) => {
            let skip = u32::from(own_class.is_some() && targets.first().copied() == own_class);
            Some(format!("[{}]", position - skip))
        }
        _ if own_class == Some(to) => Some(".__class__".into()),
        _ => None,
    }
}

/// `name` for a label `['name']` whose key is a Python identifier (so `.name` reads the same).
fn identifier_key(label: &str) -> Option<&str> {
    let key = label.strip_prefix("['")?.strip_suffix("']")?;
    let mut chars = key.chars();
    let first = chars.next()?;
    let ok = (first.is_alphabetic() || first == '_') && chars.all(|c| c.is_alphanumeric() || c == '_');
    ok.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::identifier_key;

    #[test]
    fn only_identifier_keys_collapse_into_attributes() {
        assert_eq!(identifier_key("['cache']"), Some("cache"));
        assert_eq!(identifier_key("['_x1']"), Some("_x1"));
        assert_eq!(identifier_key("['user:42']"), None);
        assert_eq!(identifier_key("['1x']"), None);
        assert_eq!(identifier_key("[42]"), None);
        assert_eq!(identifier_key("['#1a2b3c4d']"), None);
    }
}
