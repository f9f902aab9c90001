//! Which objects of snapshot B are the same objects as in snapshot A.
//!
//! Ids are memory addresses and CPython hands a freed address to the next object of the same size
//! class at once (free lists, pymalloc pools), so "same id" is weak evidence. An object of B is a
//! **survivor** of A when:
//!
//! 1. an object of A has the same id and the same type name (and, for immutable types, the same
//!    shallow size; for `str`, the same hash and length: an immutable object cannot change), and
//! 2. either both are roots of the same kind and name (`sys.modules`, the same thread's frame of the
//!    same function, unreferenced), or a **survivor** refers to it in B and its counterpart in A
//!    refers to the counterpart in A **by the same label** (`.name`, `['key']`, `<key>`, or an
//!    unlabelled edge: list/tuple items, whose positions may shift, match by the referrer alone).
//!
//! Rule 2 is a fixed point grown from the matched roots (a breadth-first search over B's survivors),
//! so evidence always comes from objects that are themselves proven survivors: an address reused by
//! a new object held elsewhere is new; a reused referrer cannot vouch for its items. Everything not
//! matched is **new** (in B) or **gone** (in A). A survivor whose shallow size grew is **grown**.
//!
//! Limits (docs/DIFF.md): an object freed and replaced at the same address, same type, in the same
//! slot of the same surviving holder is taken for a survivor (indistinguishable without contents);
//! a survivor only reachable through new objects (moved into a new container) counts as new + gone.
//!
//! # Complexity
//! O(V + E) plus a sort of the edges of high-degree survivors of A: no referrer index is built.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::graph::{Graph, LabelIndex, Node};
use crate::snapshot::RootKind;

/// "No node" in the node-indexed arrays below.
pub const NONE: Node = Node::MAX;

/// What happened to an object between the two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// In B only.
    New,
    /// In A only.
    Gone,
    /// In both, shallow size unchanged or smaller.
    Survived,
    /// In both, shallow size larger in B.
    Grown,
}

/// The result of matching B's objects to A's.
#[derive(Debug, Clone)]
pub struct Matching {
    /// For each node of B, its node in A, or [`NONE`] when it is new.
    pub b_to_a: Vec<Node>,
    /// For each node of A, its node in B, or [`NONE`] when it is gone.
    pub a_to_b: Vec<Node>,
    /// Type names of both snapshots interned in one table, so types compare across snapshots.
    pub type_names: Vec<String>,
    /// A's type index -> index into `type_names`.
    pub type_name_a: Vec<u32>,
    /// B's type index -> index into `type_names`.
    pub type_name_b: Vec<u32>,
}

impl Matching {
    pub fn survivor_in_a(&self, b: Node) -> Option<Node> {
        let a = self.b_to_a[b as usize];
        (a != NONE).then_some(a)
    }
    pub fn survivor_in_b(&self, a: Node) -> Option<Node> {
        let b = self.a_to_b[a as usize];
        (b != NONE).then_some(b)
    }
    pub fn is_survivor_b(&self, b: Node) -> bool {
        self.b_to_a[b as usize] != NONE
    }
    /// New, survived or grown, for a node of B.
    pub fn class_b(&self, a: &Graph, b: &Graph, n: Node) -> Class {
        match self.survivor_in_a(n) {
            None => Class::New,
            Some(m) if b.shallow_size(n) > a.shallow_size(m) => Class::Grown,
            Some(_) => Class::Survived,
        }
    }
    /// Gone or survived/grown, for a node of A.
    pub fn class_a(&self, a: &Graph, b: &Graph, n: Node) -> Class {
        match self.survivor_in_b(n) {
            None => Class::Gone,
            Some(m) => self.class_b(a, b, m),
        }
    }
    /// The common type-name id of a node of A / of B.
    pub fn type_a(&self, a: &Graph, n: Node) -> u32 {
        self.type_name_a[a.type_index(n) as usize]
    }
    pub fn type_b(&self, b: &Graph, n: Node) -> u32 {
        self.type_name_b[b.type_index(n) as usize]
    }
    /// Counts per class: (new, gone, survived, grown).
    pub fn counts(&self, a: &Graph, b: &Graph) -> (u64, u64, u64, u64) {
        let (mut new, mut survived, mut grown) = (0, 0, 0);
        for n in b.nodes() {
            match self.class_b(a, b, n) {
                Class::New => new += 1,
                Class::Grown => grown += 1,
                _ => survived += 1,
            }
        }
        let gone = self.a_to_b.iter().filter(|&&m| m == NONE).count() as u64;
        (new, gone, survived, grown)
    }
}

/// Builtin types whose instances never change after creation: a different size (or hash) at the
/// same address is a different object.
fn immutable(name: &str) -> bool {
    matches!(
        name.strip_prefix("builtins.").unwrap_or(name),
        "int" | "float" | "complex" | "str" | "bytes" | "tuple" | "frozenset" | "range" | "code"
    )
}

/// Matches the objects of `b` to those of `a` (see the module docs for the rule).
pub fn match_objects(a: &Graph, b: &Graph) -> Matching {
    // One table of type names for both snapshots.
    let mut index: FxHashMap<&str, u32> = FxHashMap::default();
    let mut type_names: Vec<String> = Vec::new();
    for t in a.types.iter().chain(&b.types) {
        let next = type_names.len() as u32;
        index.entry(t.name.as_str()).or_insert_with(|| {
            type_names.push(t.name.clone());
            next
        });
    }
    let type_name_a: Vec<u32> = a.types.iter().map(|t| index[t.name.as_str()]).collect();
    let type_name_b: Vec<u32> = b.types.iter().map(|t| index[t.name.as_str()]).collect();
    let immutable_name: Vec<bool> = type_names.iter().map(|n| immutable(n)).collect();

    // Candidates: same id and same type name (a merge of the two id-sorted lists).
    let mut cand = vec![NONE; b.node_count()];
    let (mut i, mut j) = (0, 0);
    while i < a.by_id.len() && j < b.by_id.len() {
        let (na, nb) = (a.by_id[i], b.by_id[j]);
        let (ida, idb) = (a.id(na), b.id(nb));
        if ida < idb {
            i += 1;
        } else if idb < ida {
            j += 1;
        } else {
            let t = type_name_a[a.type_index(na) as usize];
            if t == type_name_b[b.type_index(nb) as usize]
                && (!immutable_name[t as usize] || same_immutable(a, na, b, nb))
            {
                cand[nb as usize] = na;
            }
            i += 1;
            j += 1;
        }
    }

    // Labels compare by text: each snapshot has its own table.
    let label_in_a: FxHashMap<&str, LabelIndex> =
        a.labels.iter().enumerate().map(|(k, l)| (&**l, k as LabelIndex)).collect();
    let label_b_to_a: Vec<LabelIndex> =
        b.labels.iter().map(|l| label_in_a.get(&**l).copied().unwrap_or(LabelIndex::MAX)).collect();

    // Seeds: roots of the same kind and name in both.
    let a_roots: FxHashSet<(Node, RootKind, &str)> =
        a.roots.iter().map(|r| (r.node, r.kind, r.name.as_str())).collect();
    let mut b_to_a = vec![NONE; b.node_count()];
    let mut stack: Vec<Node> = Vec::new();
    for r in &b.roots {
        let c = cand[r.node as usize];
        if c != NONE && b_to_a[r.node as usize] == NONE && a_roots.contains(&(c, r.kind, r.name.as_str())) {
            b_to_a[r.node as usize] = c;
            stack.push(r.node);
        }
    }

    // Grow the fixed point: a candidate referred to by a survivor, by the same label in both.
    let mut sorted: Vec<(Node, LabelIndex)> = Vec::new();
    while let Some(nb) = stack.pop() {
        let na = b_to_a[nb as usize];
        let a_deg = a.successors(na).len();
        let big = a_deg > 16;
        if big {
            sorted.clear();
            sorted.extend(a.edges(na));
            sorted.sort_unstable();
        }
        for (c, lb) in b.edges(nb) {
            let ca = cand[c as usize];
            if ca == NONE || b_to_a[c as usize] != NONE {
                continue;
            }
            let la = label_b_to_a[lb as usize];
            let linked = if big { sorted.binary_search(&(ca, la)).is_ok() } else { a.edges(na).any(|e| e == (ca, la)) };
            if linked {
                b_to_a[c as usize] = ca;
                stack.push(c);
            }
        }
    }

    let mut a_to_b = vec![NONE; a.node_count()];
    for (nb, &na) in b_to_a.iter().enumerate() {
        if na != NONE {
            a_to_b[na as usize] = nb as Node;
        }
    }
    Matching { b_to_a, a_to_b, type_names, type_name_a, type_name_b }
}

fn same_immutable(a: &Graph, na: Node, b: &Graph, nb: Node) -> bool {
    let agree = |x: Option<i64>, y: Option<i64>| x.zip(y).is_none_or(|(x, y)| x == y);
    a.getsizeof(na) == b.getsizeof(nb)
        && agree(a.str_hash(na), b.str_hash(nb))
        && agree(a.length(na).map(|l| l as i64), b.length(nb).map(|l| l as i64))
}
