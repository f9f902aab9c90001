//! Leak suspects: the surviving objects that hold the growth.
//!
//! Every new object of B is charged to its **holder**: the nearest survivor that dominates it in B's
//! dominator tree (what would free it if it went away), or, when no survivor dominates it (it is
//! reachable from two places, or only from a new root), the nearest survivor on its shortest path
//! from a root (the root itself when none is on the path). A grown survivor is charged its own
//! growth. The other side of the ledger comes from A: every gone object is credited back to its
//! holder in A (same rule, in A's dominator tree), if that holder survived into B. A suspect's growth
//! is the net: new bytes + growth of survivors - gone bytes, so a cache that replaces its entries,
//! a full `lru_cache` or a dict cleared and refilled nets to about zero, while a leak does not.
//!
//! **Roll-up**: many small suspects of one type under one survivor (per-user lists inside a cache
//! dict) say less than the dict that holds them. After charging, suspects are visited bottom-up in
//! dominator order; when a survivor is the holder of at least [`ROLLUP_MIN`] suspects of one type
//! and none of them holds half of their total growth, they are merged into it (recursively: the
//! merged suspect may itself roll up into its own holder).
//!
//! # Complexity
//! O(V + E) per snapshot: a preorder of the dominator tree, a breadth-first search from the roots,
//! and hash maps sized by the number of suspects.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::matching::{Class, Matching, NONE};
use super::Retention;
use crate::graph::{Graph, Node};

/// Fewest suspects of one type under one holder that are rolled up into it.
pub const ROLLUP_MIN: usize = 4;
/// Sample labels kept per suspect.
const SAMPLES: usize = 5;
/// Types listed per suspect.
const TYPES: usize = 5;

/// A surviving object (or, rarely, a new root) and the growth it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Suspect {
    /// How the program reaches it in B: `sys.modules['app'].Service._cache`.
    pub path: String,
    /// Its type name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `id()` in B (0 for the unreachable bucket).
    pub id: u64,
    /// It existed in A (a survivor); false for a new root or the unreachable bucket.
    pub existed_before: bool,
    /// Net objects gained under it: new - gone.
    pub objects: i64,
    /// Net bytes gained under it: new + grown - gone.
    pub bytes: i64,
    pub new_objects: u64,
    pub new_bytes: u64,
    pub gone_objects: u64,
    pub gone_bytes: u64,
    /// Shallow-size growth of surviving objects (itself included), net of shrinking.
    pub grown_bytes: i64,
    /// How many smaller suspects were rolled up into this one.
    pub rolled_up: u64,
    /// The types that grew under it, by bytes.
    pub types: Vec<TypeGrowth>,
    /// Labels of edges from it to new objects (or to rolled-up holders): dict keys, attributes.
    pub samples: Vec<String>,
    #[serde(skip)]
    pub node: Node,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TypeGrowth {
    #[serde(rename = "type")]
    pub type_name: String,
    /// Net count: new - gone.
    pub objects: i64,
    pub bytes: i64,
}

/// Net growth under one holder, while it is being charged.
#[derive(Debug, Default, Clone)]
struct Ledger {
    new_objects: u64,
    new_bytes: u64,
    gone_objects: u64,
    gone_bytes: u64,
    grown_bytes: i64,
    rolled_up: u64,
    /// Common type-name id -> (net objects, net bytes).
    types: FxHashMap<u32, (i64, i64)>,
    /// Holders merged into this one (for sample labels).
    merged: Vec<Node>,
}

impl Ledger {
    fn net_bytes(&self) -> i64 {
        self.new_bytes as i64 + self.grown_bytes - self.gone_bytes as i64
    }
    fn add_type(&mut self, t: u32, objects: i64, bytes: i64) {
        let e = self.types.entry(t).or_default();
        e.0 += objects;
        e.1 += bytes;
    }
    fn absorb(&mut self, child: Ledger, child_node: Node) {
        self.new_objects += child.new_objects;
        self.new_bytes += child.new_bytes;
        self.gone_objects += child.gone_objects;
        self.gone_bytes += child.gone_bytes;
        self.grown_bytes += child.grown_bytes;
        self.rolled_up += child.rolled_up + 1;
        for (t, (o, b)) in child.types {
            self.add_type(t, o, b);
        }
        self.merged.push(child_node);
    }
}

/// Who holds each node of one snapshot (see the module docs).
pub(crate) struct Holders {
    /// Holder per node: a survivor, a root (no survivor on its path), or [`NONE`] (unreachable).
    pub holder: Vec<Node>,
    /// Nearest survivor strict dominator per node, or [`NONE`] (empty unless asked for).
    pub survivor_dominator: Vec<Node>,
    /// Preorder number in the dominator tree (empty unless asked for).
    pub preorder: Vec<u32>,
}

impl Holders {
    /// The holders of `g`'s nodes. `tree`: also keep the survivor dominators and the preorder,
    /// which rolling suspects up needs (in B; A needs only the holders). The work arrays are
    /// made and dropped one after another so that at most four live at once: this runs when both
    /// snapshots and both analyses are in memory, the peak of a diff.
    pub fn new(g: &Graph, r: &dyn Retention, survivor: &dyn Fn(Node) -> bool, tree: bool) -> Holders {
        let n = g.node_count();
        // Children of each node in the dominator tree (CSR), then an explicit-stack preorder.
        let mut start = vec![0u32; n + 2];
        let mut tops = Vec::new();
        for v in g.nodes() {
            match r.idom(v) {
                None => tops.push(v),
                Some(d) => start[d as usize + 2] += 1,
            }
        }
        for i in 0..n {
            start[i + 2] += start[i + 1];
        }
        let mut child = vec![0 as Node; n - tops.len()];
        for v in g.nodes() {
            if let Some(d) = r.idom(v) {
                let slot = &mut start[d as usize + 1];
                child[*slot as usize] = v;
                *slot += 1;
            }
        }
        let mut preorder = if tree { vec![0u32; n] } else { Vec::new() };
        let mut survivor_dominator = vec![NONE; n];
        // (node, its immediate dominator)
        let mut stack: Vec<(Node, Node)> = tops.into_iter().rev().map(|v| (v, NONE)).collect();
        let mut next = 0u32;
        while let Some((v, d)) = stack.pop() {
            if tree {
                preorder[v as usize] = next;
                next += 1;
            }
            if d != NONE {
                survivor_dominator[v as usize] = if survivor(d) { d } else { survivor_dominator[d as usize] };
            }
            let (a, b) = (start[v as usize] as usize, start[v as usize + 1] as usize);
            stack.extend(child[a..b].iter().rev().map(|&c| (c, v)));
        }
        drop(child);
        drop(start);

        // Shortest-path fallback for the nodes no survivor dominates: the last survivor on the
        // breadth-first path from a root (`via`; NONE: not reached yet).
        let via = if survivor_dominator.contains(&NONE) {
            let mut via = vec![NONE; n];
            let mut queue: Vec<Node> = Vec::with_capacity(n);
            for root in g.root_nodes() {
                if via[root as usize] == NONE {
                    via[root as usize] = root;
                    queue.push(root);
                }
            }
            let mut head = 0;
            while head < queue.len() {
                let v = queue[head];
                head += 1;
                let through = if survivor(v) { v } else { via[v as usize] };
                for &w in g.successors(v) {
                    if via[w as usize] == NONE {
                        via[w as usize] = through;
                        queue.push(w);
                    }
                }
            }
            via
        } else {
            Vec::new()
        };
        let mut holder = if tree { survivor_dominator.clone() } else { std::mem::take(&mut survivor_dominator) };
        if !via.is_empty() {
            for (h, &p) in holder.iter_mut().zip(&via) {
                if *h == NONE {
                    *h = p;
                }
            }
        }
        Holders { holder, survivor_dominator, preorder }
    }
}

/// Charges every new, gone and grown object to its holder in B and returns all holders with a net
/// change, biggest growth first. `holders_a`/`holders_b` come from [`Holders::new`].
pub(crate) fn find_suspects(
    a: &Graph,
    b: &Graph,
    m: &Matching,
    holders_a: &Holders,
    holders_b: &Holders,
    paths_b: &dyn Retention,
) -> Vec<Suspect> {
    let mut ledgers: FxHashMap<Node, Ledger> = FxHashMap::default();
    for v in b.nodes() {
        match m.class_b(a, b, v) {
            Class::New => {
                let l = ledgers.entry(holders_b.holder[v as usize]).or_default();
                let s = b.shallow_size(v);
                l.new_objects += 1;
                l.new_bytes += s;
                l.add_type(m.type_b(b, v), 1, s as i64);
            }
            _ => {
                let old = a.shallow_size(m.b_to_a[v as usize]);
                let grew = b.shallow_size(v) as i64 - old as i64;
                if grew != 0 {
                    let l = ledgers.entry(v).or_default();
                    l.grown_bytes += grew;
                    l.add_type(m.type_b(b, v), 0, grew);
                }
            }
        }
    }
    for v in a.nodes() {
        if m.survivor_in_b(v).is_some() {
            continue;
        }
        let h = holders_a.holder[v as usize];
        // Freed together with a holder that is gone too: nothing in B to credit.
        let Some(hb) = (h != NONE).then(|| m.a_to_b[h as usize]).filter(|&x| x != NONE) else { continue };
        let l = ledgers.entry(hb).or_default();
        let s = a.shallow_size(v);
        l.gone_objects += 1;
        l.gone_bytes += s;
        l.add_type(m.type_a(a, v), -1, -(s as i64));
    }

    roll_up(b, m, holders_b, &mut ledgers);
    let new_roots = merge_new_roots(b, m, &mut ledgers);

    let mut out: Vec<Suspect> = ledgers
        .into_iter()
        .filter(|(_, l)| l.net_bytes() != 0 || l.new_objects != l.gone_objects)
        .map(|(node, l)| {
            let mut s = make_suspect(b, m, node, l, paths_b);
            if new_roots.contains(&node) && s.rolled_up > 0 {
                s.path = format!("<{} new unreferenced {} objects>", crate::report::format_count(s.rolled_up + 1), s.type_name);
                s.rolled_up = 0;
            }
            s
        })
        .collect();
    out.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.id.cmp(&y.id)).then(x.node.cmp(&y.node)));
    out
}

/// New objects that nothing refers to (held from C, or edges the agent could not see) each hold
/// only themselves: one suspect per type says the same in one line. Returns the merged holders.
fn merge_new_roots(b: &Graph, m: &Matching, ledgers: &mut FxHashMap<Node, Ledger>) -> FxHashSet<Node> {
    let mut by_type: BTreeMap<u32, Vec<Node>> = BTreeMap::new();
    for &s in ledgers.keys() {
        if s != NONE && !m.is_survivor_b(s) {
            by_type.entry(m.type_b(b, s)).or_default().push(s);
        }
    }
    let mut out = FxHashSet::default();
    for (_, mut group) in by_type {
        group.sort_unstable();
        if group.len() < 2 {
            continue;
        }
        let keep = group[0];
        for &c in &group[1..] {
            let child = ledgers.remove(&c).expect("new root ledger");
            ledgers.get_mut(&keep).expect("kept ledger").absorb(child, c);
        }
        out.insert(keep);
    }
    out
}

fn roll_up(b: &Graph, m: &Matching, h: &Holders, ledgers: &mut FxHashMap<Node, Ledger>) {
    // Parents keyed by preorder, visited deepest first: a parent's children are final by then.
    let mut by_parent: BTreeMap<std::cmp::Reverse<u32>, (Node, Vec<Node>)> = BTreeMap::new();
    let parent_of = |s: Node| if s == NONE { NONE } else { h.survivor_dominator[s as usize] };
    let mut keys: Vec<Node> = ledgers.keys().copied().collect();
    keys.sort_unstable();
    for s in keys {
        let p = parent_of(s);
        if p != NONE {
            by_parent.entry(std::cmp::Reverse(h.preorder[p as usize])).or_insert((p, Vec::new())).1.push(s);
        }
    }
    while let Some((_, (p, children))) = by_parent.pop_first() {
        let mut by_type: BTreeMap<u32, Vec<Node>> = BTreeMap::new();
        for &c in &children {
            by_type.entry(m.type_b(b, c)).or_default().push(c);
        }
        let was_suspect = ledgers.contains_key(&p);
        let mut merged_any = false;
        for group in by_type.values() {
            if group.len() < ROLLUP_MIN {
                continue;
            }
            let nets: Vec<i64> = group.iter().map(|c| ledgers[c].net_bytes()).collect();
            let total: i64 = nets.iter().sum();
            let largest = nets.iter().copied().max().unwrap_or(0);
            if total <= 0 || largest * 2 >= total {
                continue;
            }
            for &c in group {
                let child = ledgers.remove(&c).expect("child suspect");
                ledgers.entry(p).or_default().absorb(child, c);
            }
            merged_any = true;
        }
        if merged_any && !was_suspect {
            let q = parent_of(p);
            if q != NONE {
                by_parent.entry(std::cmp::Reverse(h.preorder[q as usize])).or_insert((q, Vec::new())).1.push(p);
            }
        }
    }
}

fn make_suspect(b: &Graph, m: &Matching, node: Node, l: Ledger, paths: &dyn Retention) -> Suspect {
    let net = l.net_bytes();
    let mut types: Vec<TypeGrowth> = l
        .types
        .iter()
        .filter(|(_, &(o, by))| o != 0 || by != 0)
        .map(|(&t, &(objects, bytes))| TypeGrowth { type_name: m.type_names[t as usize].clone(), objects, bytes })
        .collect();
    types.sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.type_name.cmp(&y.type_name)));
    types.truncate(TYPES);
    let (path, type_name, id, existed_before, samples) = if node == NONE {
        ("<unreachable: cyclic garbage>".to_string(), "-".to_string(), 0, false, Vec::new())
    } else {
        (
            paths.path(node),
            b.type_name(node).to_string(),
            b.id(node),
            m.is_survivor_b(node),
            samples(b, m, node, &l.merged),
        )
    };
    Suspect {
        path,
        type_name,
        id,
        existed_before,
        objects: l.new_objects as i64 - l.gone_objects as i64,
        bytes: net,
        new_objects: l.new_objects,
        new_bytes: l.new_bytes,
        gone_objects: l.gone_objects,
        gone_bytes: l.gone_bytes,
        grown_bytes: l.grown_bytes,
        rolled_up: l.rolled_up,
        types,
        samples,
        node,
    }
}

/// Labels of edges from `s` to new objects or to merged holders, in edge order (the agent writes
/// dicts in insertion order), at most [`SAMPLES`], distinct.
fn samples(b: &Graph, m: &Matching, s: Node, merged: &[Node]) -> Vec<String> {
    let merged: FxHashSet<Node> = merged.iter().copied().collect();
    let sequence = matches!(b.type_name(s).strip_prefix("builtins.").unwrap_or(b.type_name(s)), "list" | "tuple" | "deque");
    let mut out: Vec<String> = Vec::new();
    for (i, (t, l)) in b.edges(s).enumerate() {
        if out.len() == SAMPLES {
            break;
        }
        if m.is_survivor_b(t) && !merged.contains(&t) {
            continue;
        }
        let text = match b.label(l) {
            "" if sequence => format!("[{i}]"),
            "" | "<key>" => continue,
            other => other.to_string(),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}
