//! Deep size: an object plus everything reachable from it, each object counted once (pympler's
//! `asizeof` meaning; shared/DESIGN.md). Unlike the retained size it counts objects that others
//! share too: the deep size of a list of strings includes interned strings that the rest of the
//! program also holds, and the type objects of its items.
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

/// The deep size of a set of objects (each reachable object counted once, even if several members
/// of the set reach it).
pub fn deep_size(g: &Graph, from: &[Node]) -> DeepSize {
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
            if seen.insert(t) {
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
