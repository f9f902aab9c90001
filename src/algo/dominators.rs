//! The dominator tree of the object graph, seen from a virtual root.
//!
//! Object `d` *dominates* object `v` when every path from the virtual root to `v` passes through
//! `d`: if `d` went away, `v` would go too. The closest strict dominator is the *immediate*
//! dominator, `idom(v)`, and these form a tree whose subtrees are exactly what each object retains
//! (shared/DESIGN.md: retained size). The virtual root is node `N` (one past the last object) and
//! points at the starts it is given: the snapshot's roots, plus one object per source component of
//! the unreached part (cyclic garbage), so that every object has a place in the tree.
//!
//! Algorithm: Semi-NCA, from Georgiadis, *Linear-Time Algorithms for Dominators and Related
//! Problems* (PhD thesis, 2005) and Georgiadis, Tarjan, Werneck, *Finding Dominators in Practice*
//! (JGAA 2006); the shape follows Cranelift's and rustc's dominator trees: `u32` preorder numbers,
//! preorder 0 the virtual root, and no recursion anywhere (a DFS with an explicit stack of
//! `(node, next edge)` frames, path compression with an explicit stack), so a chain of ten million
//! objects needs no more than heap memory.
//!
//! # Complexity
//! O(E log V) time (path compression without balancing; linear in practice). Memory while
//! computing: eight `u32` per node and one per edge (predecessors in preorder numbering, for cache
//! locality); kept afterwards: three `u32` per node (`idom` and the children in CSR form).

use crate::graph::{Graph, Node};

/// "No node": an unreached node's `idom`, an unlinked forest node's ancestor.
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct DominatorTree {
    /// Immediate dominator of each node, indexed by node; entry `N` is the virtual root (`NONE`).
    idom: Vec<Node>,
    /// Children of each node in the tree (CSR, `N + 2` offsets), each list sorted by node.
    child_start: Vec<u32>,
    children: Vec<Node>,
}

impl DominatorTree {
    /// The dominator tree of `g` from a virtual root whose successors are `starts`. Nodes that no
    /// start reaches have no place in the tree ([`DominatorTree::idom`] is `None`).
    pub fn new(g: &Graph, starts: &[Node]) -> Self {
        let n = g.node_count();
        let (vertex, parent, pre) = depth_first(g, starts);
        let semi = semidominators(g, starts, &vertex, &parent, &pre);
        drop(pre);
        let idom_pre = nearest_common_ancestors(&parent, &semi);
        drop(semi);

        let root = n as Node;
        let mut idom = vec![NONE; n + 1];
        for w in 1..vertex.len() {
            idom[vertex[w] as usize] = vertex[idom_pre[w] as usize];
        }
        drop(idom_pre);
        drop(parent);
        drop(vertex);

        // Children lists in node order, so every walk of the tree is deterministic.
        let mut child_start = vec![0u32; n + 2];
        for &d in &idom {
            if d != NONE {
                child_start[d as usize + 1] += 1;
            }
        }
        for i in 0..=n {
            child_start[i + 1] += child_start[i];
        }
        let mut fill = child_start.clone();
        let mut children = vec![0; child_start[n + 1] as usize];
        for (v, &d) in idom.iter().enumerate() {
            if d != NONE {
                children[fill[d as usize] as usize] = v as Node;
                fill[d as usize] += 1;
            }
        }
        debug_assert!(idom[root as usize] == NONE);
        DominatorTree { idom, child_start, children }
    }

    /// The virtual root: node `N`, one past the snapshot's last object.
    pub fn root(&self) -> Node {
        (self.idom.len() - 1) as Node
    }

    /// The immediate dominator; the virtual root for roots, `None` for the virtual root itself and
    /// for nodes the starts do not reach.
    pub fn idom(&self, n: Node) -> Option<Node> {
        Some(self.idom[n as usize]).filter(|&d| d != NONE)
    }

    /// Whether `n` has a place in the tree.
    pub fn contains(&self, n: Node) -> bool {
        n == self.root() || self.idom[n as usize] != NONE
    }

    /// The nodes `n` immediately dominates, sorted by node.
    pub fn children(&self, n: Node) -> &[Node] {
        let (a, b) = (self.child_start[n as usize] as usize, self.child_start[n as usize + 1] as usize);
        &self.children[a..b]
    }

    /// Whether `a` dominates `b` (every node dominates itself). O(depth of `b`).
    pub fn dominates(&self, a: Node, b: Node) -> bool {
        let mut v = b;
        loop {
            if v == a {
                return true;
            }
            match self.idom(v) {
                Some(d) => v = d,
                None => return false,
            }
        }
    }

    /// The tree's nodes in preorder (a node before everything it dominates), from the virtual root;
    /// children in node order.
    pub fn preorder(&self) -> Vec<Node> {
        let mut out = Vec::with_capacity(self.idom.len());
        let mut stack = vec![self.root()];
        while let Some(v) = stack.pop() {
            out.push(v);
            stack.extend(self.children(v).iter().rev());
        }
        out
    }
}

/// Iterative DFS from the virtual root (preorder 0). Returns the nodes in preorder (`vertex[0]` is
/// the virtual root `N`), each one's DFS-tree parent as a preorder number, and each node's preorder
/// number (`NONE` if unreached).
fn depth_first(g: &Graph, starts: &[Node]) -> (Vec<Node>, Vec<u32>, Vec<u32>) {
    let n = g.node_count();
    let mut pre = vec![NONE; n];
    let mut vertex = vec![n as Node];
    let mut parent = vec![0u32];
    let mut frames: Vec<(Node, u32)> = Vec::new();
    for &s in starts {
        if pre[s as usize] != NONE {
            continue;
        }
        pre[s as usize] = vertex.len() as u32;
        vertex.push(s);
        parent.push(0);
        frames.push((s, 0));
        while let Some(frame) = frames.last_mut() {
            let v = frame.0;
            match g.successors(v).get(frame.1 as usize) {
                Some(&t) => {
                    frame.1 += 1;
                    if pre[t as usize] == NONE {
                        pre[t as usize] = vertex.len() as u32;
                        vertex.push(t);
                        parent.push(pre[v as usize]);
                        frames.push((t, 0));
                    }
                }
                None => {
                    frames.pop();
                }
            }
        }
    }
    (vertex, parent, pre)
}

/// Semidominators (as preorder numbers), computed in reverse preorder with a link-eval forest.
fn semidominators(g: &Graph, starts: &[Node], vertex: &[Node], parent: &[u32], pre: &[u32]) -> Vec<u32> {
    let m = vertex.len();
    // Predecessors in preorder numbering: the hot loop below reads them in order, and each is
    // already the number the forest is indexed by.
    let mut pred_start = vec![0u32; m + 1];
    for &s in starts {
        pred_start[pre[s as usize] as usize + 1] += 1;
    }
    for &v in &vertex[1..] {
        for &t in g.successors(v) {
            pred_start[pre[t as usize] as usize + 1] += 1;
        }
    }
    for i in 0..m {
        pred_start[i + 1] += pred_start[i];
    }
    let mut fill = pred_start.clone();
    let mut preds = vec![0u32; pred_start[m] as usize];
    for &s in starts {
        let slot = &mut fill[pre[s as usize] as usize];
        preds[*slot as usize] = 0;
        *slot += 1;
    }
    for (pv, &v) in vertex.iter().enumerate().skip(1) {
        for &t in g.successors(v) {
            let slot = &mut fill[pre[t as usize] as usize];
            preds[*slot as usize] = pv as u32;
            *slot += 1;
        }
    }
    drop(fill);

    let mut semi: Vec<u32> = (0..m as u32).collect();
    let mut label: Vec<u32> = (0..m as u32).collect();
    let mut ancestor = vec![NONE; m];
    let mut path: Vec<u32> = Vec::new();
    for w in (1..m).rev() {
        let mut s = semi[w];
        for &v in &preds[pred_start[w] as usize..pred_start[w + 1] as usize] {
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
            s = s.min(semi[u as usize]);
        }
        semi[w] = s;
        ancestor[w] = parent[w];
    }
    semi
}

/// The node of smallest semidominator on the forest path from `v` up to (not including) its
/// tree's root, compressing the path on the way. `v` itself if it is not linked yet.
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == NONE {
        return v;
    }
    let mut u = v;
    while ancestor[ancestor[u as usize] as usize] != NONE {
        path.push(u);
        u = ancestor[u as usize];
    }
    // Top down, so each node sees its (already compressed) ancestor's label.
    while let Some(x) = path.pop() {
        let a = ancestor[x as usize] as usize;
        if semi[label[a] as usize] < semi[label[x as usize] as usize] {
            label[x as usize] = label[a];
        }
        ancestor[x as usize] = ancestor[a];
    }
    label[v as usize]
}

/// Semi-NCA's second pass: `idom(w)` is the nearest ancestor of `w`'s DFS parent, in the dominator
/// tree built so far, whose preorder number is at most `semi(w)`.
fn nearest_common_ancestors(parent: &[u32], semi: &[u32]) -> Vec<u32> {
    let mut idom = vec![0u32; parent.len()];
    for w in 1..parent.len() {
        let mut d = parent[w];
        while d > semi[w] {
            d = idom[d as usize];
        }
        idom[w] = d;
    }
    idom
}
