//! The compact object graph every analysis works on.
//!
//! Nodes are `u32` indexes in file order (deterministic), edges are CSR arrays (`edge_start`,
//! `edge_to`, `edge_label`), type names and edge labels are interned. Per node the graph keeps 8
//! bytes of Python id, 4 of type, 8 of shallow size and 4 of edge offset; rarer facts (names,
//! attribute storage, native buffers) live in a sparse map so common objects pay nothing for them.

mod build;
mod reverse;

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

pub use build::GraphBuilder;
pub use reverse::Reverse;

use crate::snapshot::{AttrStorage, Extra, Header, RootKind, Trailer};

/// A node index. `u32` keeps the arrays small: 4 billion objects is far beyond any Python heap.
pub type Node = u32;
/// Index into [`Graph::types`].
pub type TypeIndex = u32;
/// Index into [`Graph::labels`]; `0` means "no label".
pub type LabelIndex = u32;

/// A distinct type of the snapshot (one type object: two classes with one name are two types).
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub name: String,
    /// The type object's own node, if it was recorded.
    pub node: Option<Node>,
    /// The type defines `__del__`.
    pub finalizer: bool,
}

/// Where the program holds things from (shared/DESIGN.md: root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub node: Node,
    pub kind: RootKind,
    /// How a path starting here is written: `sys.modules`, `<thread MainThread> frame handle()`.
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub path: PathBuf,
    pub header: Header,
    pub trailer: Trailer,
    pub(crate) ids: Vec<u64>,
    pub(crate) type_of: Vec<TypeIndex>,
    pub(crate) getsizeof: Vec<u64>,
    pub(crate) shallow: Vec<u64>,
    pub(crate) edge_start: Vec<u32>,
    pub(crate) edge_to: Vec<Node>,
    pub(crate) edge_label: Vec<LabelIndex>,
    pub labels: Vec<Box<str>>,
    pub types: Vec<TypeInfo>,
    /// Sparse per-node facts (names, attribute storage, native buffers).
    pub(crate) extra: FxHashMap<Node, Extra>,
    /// `(node, hash)` of exact `str` objects, sorted by node.
    pub(crate) str_hash: Vec<(Node, i64)>,
    /// `(node, length)` of str/bytes/bytearray, sorted by node.
    pub(crate) lengths: Vec<(Node, u64)>,
    /// `(node, attribute storage)` of objects with instance attributes, sorted by node.
    pub(crate) attrs: Vec<(Node, AttrStorage)>,
    /// `(node, inline attribute bytes)` added to shallow sizes, sorted by node.
    pub(crate) inline: Vec<(Node, u64)>,
    /// Every node, sorted by its Python id, for lookups by id (4 bytes per object: the ids
    /// themselves are in `ids`).
    pub(crate) by_id: Vec<Node>,
    /// Roots written by the agent plus the derived `unreferenced` ones, sorted by (kind, node).
    pub roots: Vec<Root>,
    /// Refs to ids that are not in the snapshot (the heap changed during the walk): dropped.
    pub dangling_refs: u64,
    /// 1-based line of the first object record, so node `n` sits on line `first_object_line + n`.
    pub first_object_line: usize,
}

impl Graph {
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }
    pub fn edge_count(&self) -> usize {
        self.edge_to.len()
    }
    pub fn nodes(&self) -> std::ops::Range<Node> {
        0..self.ids.len() as Node
    }
    /// The object's Python `id()` in the process it came from.
    pub fn id(&self, n: Node) -> u64 {
        self.ids[n as usize]
    }
    pub fn type_index(&self, n: Node) -> TypeIndex {
        self.type_of[n as usize]
    }
    pub fn type_name(&self, n: Node) -> &str {
        &self.types[self.type_of[n as usize] as usize].name
    }
    /// `sys.getsizeof` as the agent wrote it.
    pub fn getsizeof(&self, n: Node) -> u64 {
        self.getsizeof[n as usize]
    }
    /// Shallow size: `sys.getsizeof` plus inline attribute storage plus native heap bytes it owns.
    pub fn shallow_size(&self, n: Node) -> u64 {
        self.shallow[n as usize]
    }
    pub fn shallow_sizes(&self) -> &[u64] {
        &self.shallow
    }
    pub fn total_shallow(&self) -> u64 {
        self.shallow.iter().sum()
    }
    /// Outgoing edges as (target, label), in the order the agent wrote them.
    pub fn edges(&self, n: Node) -> impl ExactSizeIterator<Item = (Node, LabelIndex)> + '_ {
        let (a, b) = self.edge_range(n);
        self.edge_to[a..b].iter().copied().zip(self.edge_label[a..b].iter().copied())
    }
    /// Outgoing edge targets only.
    pub fn successors(&self, n: Node) -> &[Node] {
        let (a, b) = self.edge_range(n);
        &self.edge_to[a..b]
    }
    fn edge_range(&self, n: Node) -> (usize, usize) {
        (self.edge_start[n as usize] as usize, self.edge_start[n as usize + 1] as usize)
    }
    pub fn label(&self, l: LabelIndex) -> &str {
        &self.labels[l as usize]
    }
    /// The index of a label by its text (`.__dict__`, `<key>`), if any edge of the snapshot has it.
    pub fn label_index(&self, text: &str) -> Option<LabelIndex> {
        find_label(&self.labels, text)
    }
    pub fn node_by_id(&self, id: u64) -> Option<Node> {
        self.by_id.binary_search_by_key(&id, |&n| self.ids[n as usize]).ok().map(|k| self.by_id[k])
    }
    pub fn extra(&self, n: Node) -> Option<&Extra> {
        self.extra.get(&n)
    }
    /// The name of a module, type, function, code object or frame.
    pub fn name(&self, n: Node) -> Option<&str> {
        self.extra.get(&n).and_then(|e| e.n.as_deref())
    }
    pub fn str_hash(&self, n: Node) -> Option<i64> {
        sparse_get(&self.str_hash, n)
    }
    pub fn length(&self, n: Node) -> Option<u64> {
        sparse_get(&self.lengths, n)
    }
    /// How the object stores its instance attributes (`extra.a`), if it has any.
    pub fn attr_storage(&self, n: Node) -> Option<AttrStorage> {
        sparse_get(&self.attrs, n)
    }
    /// Inline attribute bytes (3.11+) included in the shallow size.
    pub fn inline_size(&self, n: Node) -> u64 {
        sparse_get(&self.inline, n).unwrap_or(0)
    }
    /// Nodes that carry extra facts, in node order.
    pub fn nodes_with_extra(&self) -> Vec<Node> {
        let mut v: Vec<Node> = self.extra.keys().copied().collect();
        v.sort_unstable();
        v
    }
    /// 1-based line of the node's record in the file (0 for graphs not read from a file).
    pub fn line_of(&self, n: Node) -> usize {
        if self.first_object_line == 0 { 0 } else { self.first_object_line + n as usize }
    }
    /// Root nodes, each once, in a stable order (kind, then node).
    pub fn root_nodes(&self) -> Vec<Node> {
        let mut seen = vec![false; self.node_count()];
        let mut out = Vec::new();
        for r in &self.roots {
            if !std::mem::replace(&mut seen[r.node as usize], true) {
                out.push(r.node);
            }
        }
        out
    }
    /// The edges reversed (who refers to each node), built on demand: analyses that need
    /// referrers pay for them, `summary` does not.
    pub fn reverse(&self) -> Reverse {
        Reverse::new(self)
    }
    /// Total native bytes per device, sorted by device name: `cpu` counts in shallow sizes,
    /// other devices (`cuda:0`) and `file` are reported apart.
    pub fn native_by_device(&self) -> Vec<(String, u64)> {
        let mut by: std::collections::BTreeMap<String, u64> = Default::default();
        for e in self.extra.values() {
            if let Some(nb) = e.nb {
                *by.entry(e.dev.clone().unwrap_or_else(|| "cpu".into())).or_default() += nb;
            }
        }
        by.into_iter().collect()
    }
}

/// Index of `text` in a label table.
pub(crate) fn find_label(labels: &[Box<str>], text: &str) -> Option<LabelIndex> {
    labels.iter().position(|l| &**l == text).map(|i| i as LabelIndex)
}

fn sparse_get<T: Copy>(v: &[(Node, T)], n: Node) -> Option<T> {
    v.binary_search_by_key(&n, |&(k, _)| k).ok().map(|i| v[i].1)
}
