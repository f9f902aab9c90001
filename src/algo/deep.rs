//! Deep size: an object plus everything reachable from it, each object counted once (pympler's
//! `asizeof` meaning; shared/DESIGN.md). Unlike the retained size it counts objects that others
//! share too: the deep size of a list of strings includes interned strings that the rest of the
//! program also holds.
//!
//! Where it stops ([`DeepScope::Data`], the default) is `asizeof`'s boundary with its default
//! options (`code=False`, `ignored=True`, `frames=False`): classes, modules, functions, methods,
//! code objects, frames and C-level callables reached from the objects are neither counted nor
//! followed, since they are the program rather than the object's data. Otherwise an instance's
//! edge to its class would pull in the class, its module and everything the module holds.
//! The objects asked about are always counted and followed, whatever their kind.
//! [`DeepScope::All`] counts everything reachable.
//!
//! # Complexity
//! O(reached objects + their edges) time; one bit per node of the graph plus the stack.

use serde::Serialize;

use crate::graph::{Graph, Node};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeepSize {
    /// Objects reachable from the set, the set included.
    pub objects: u64,
    /// Their total shallow size.
    pub size: u64,
}

/// Which reachable objects a deep size counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeepScope {
    /// The object's data: stops at classes, modules, functions, code and frames (`asizeof`).
    #[default]
    Data,
    /// Everything reachable.
    All,
}

/// Types whose instances are the program, not data (`asizeof`'s "code" kinds and ignored
/// built-ins). Metaclasses are found by their `__mro__` (see [`program_types`]).
const PROGRAM_TYPES: [&str; 15] = [
    "builtins.type",
    "builtins.module",
    "builtins.function",
    "builtins.builtin_function_or_method",
    "builtins.method",
    "builtins.code",
    "builtins.frame",
    "builtins.method_descriptor",
    "builtins.wrapper_descriptor",
    "builtins.method-wrapper",
    "builtins.classmethod_descriptor",
    "builtins.getset_descriptor",
    "builtins.member_descriptor",
    "builtins.classmethod",
    "builtins.staticmethod",
];

/// Per type index: its instances are classes, modules, functions, ... ([`DeepScope::Data`] stops
/// there). A type is a metaclass when `type` is in its `__mro__`, so classes made by `ABCMeta` or
/// `EnumType` are classes too.
pub fn program_types(g: &Graph) -> Vec<bool> {
    let mut out: Vec<bool> = g.types.iter().map(|t| PROGRAM_TYPES.contains(&t.name.as_str())).collect();
    let type_node = g.types.iter().find(|t| t.name == "builtins.type").and_then(|t| t.node);
    let mro = g.label_index(".__mro__");
    if let (Some(type_node), Some(mro)) = (type_node, mro) {
        for (i, t) in g.types.iter().enumerate() {
            let Some(n) = t.node else { continue };
            let is_meta = g.edges(n).any(|(m, l)| l == mro && g.successors(m).contains(&type_node));
            out[i] |= is_meta;
        }
    }
    out
}

/// Where [`DeepScope::Data`] stops: objects whose type is in `program` (from [`program_types`])
/// and the namespaces of modules (a module's `__dict__`, reached as a function's `__globals__`).
pub fn program_nodes(g: &Graph, program: &[bool]) -> BitSet {
    let mut stop = BitSet::new(g.node_count());
    let dict = g.label_index(".__dict__");
    for n in g.nodes() {
        if program.get(g.type_index(n) as usize).copied().unwrap_or(false) {
            stop.insert(n);
            if g.type_name(n) == "builtins.module" {
                for (t, l) in g.edges(n) {
                    if Some(l) == dict {
                        stop.insert(t);
                    }
                }
            }
        }
    }
    stop
}

/// The deep size of a set of objects (each reachable object counted once, even if several members
/// of the set reach it), not entering the nodes of `stop` ([`program_nodes`]) unless they are in
/// `from`; `None` counts everything reachable.
pub fn deep_size(g: &Graph, from: &[Node], stop: Option<&BitSet>) -> DeepSize {
    let stop = |n: Node| stop.is_some_and(|s| s.contains(n));
    let mut seen = BitSet::new(g.node_count());
    let mut stack: Vec<Node> = Vec::new();
    let mut out = DeepSize::default();
    for &s in from {
        if seen.insert(s) {
            stack.push(s);
        }
    }
    while let Some(v) = stack.pop() {
        out.objects += 1;
        out.size += g.shallow_size(v);
        for &t in g.successors(v) {
            if seen.insert(t) && !stop(t) {
                stack.push(t);
            }
        }
    }
    out
}

/// A fixed-size set of nodes, one bit each.
#[derive(Debug, Clone)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new(len: usize) -> Self {
        BitSet { words: vec![0; len.div_ceil(64)] }
    }
    pub fn contains(&self, n: Node) -> bool {
        self.words[n as usize / 64] & (1 << (n % 64)) != 0
    }
    /// Adds `n`; true if it was not there before.
    pub fn insert(&mut self, n: Node) -> bool {
        let (w, b) = (n as usize / 64, 1u64 << (n % 64));
        let fresh = self.words[w] & b == 0;
        self.words[w] |= b;
        fresh
    }
}
