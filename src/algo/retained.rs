//! Retained sizes: what would be freed if an object went away (shared/DESIGN.md), the total
//! shallow size of its subtree in the dominator tree. Per type, the retained size is the sum over
//! the type's instances that no other instance of the same type dominates, so that a linked list
//! of `Node`s counts each byte once (Eclipse MAT's "retained heap" of a class).
//!
//! # Complexity
//! O(V), bottom-up over a preorder of the dominator tree; no recursion.

use super::dominators::DominatorTree;
use crate::graph::Graph;

/// Retained size and retained object count of every node of the tree, indexed by node; the last
/// entry is the virtual root. Nodes outside the tree get their own shallow size and count 1.
pub fn retained_sizes(g: &Graph, tree: &DominatorTree) -> (Vec<u64>, Vec<u32>) {
    let n = g.node_count();
    let mut size: Vec<u64> = Vec::with_capacity(n + 1);
    size.extend_from_slice(g.shallow_sizes());
    size.push(0);
    let mut count = vec![1u32; n + 1];
    count[n] = 0;
    // Reverse preorder: every node is complete before it is added to its immediate dominator.
    for &v in tree.preorder().iter().rev() {
        if let Some(d) = tree.idom(v) {
            size[d as usize] += size[v as usize];
            count[d as usize] += count[v as usize];
        }
    }
    (size, count)
}

/// Retained size per type (indexed by type index): each instance counts unless another instance of
/// its type dominates it. A walk of the dominator tree with an explicit stack keeps, per type, how
/// many instances are on the current root-to-node path.
pub fn retained_by_type(g: &Graph, tree: &DominatorTree, retained: &[u64]) -> Vec<u64> {
    let mut by_type = vec![0u64; g.types.len()];
    let mut active = vec![0u32; g.types.len()];
    let root = tree.root();
    // The high bit marks the second visit of a node: leaving its subtree.
    const LEAVE: u32 = 1 << 31;
    let mut stack: Vec<u32> = tree.children(root).iter().rev().copied().collect();
    while let Some(top) = stack.pop() {
        if top & LEAVE != 0 {
            active[g.type_index(top & !LEAVE) as usize] -= 1;
            continue;
        }
        let t = g.type_index(top) as usize;
        if active[t] == 0 {
            by_type[t] += retained[top as usize];
        }
        active[t] += 1;
        stack.push(top | LEAVE);
        stack.extend(tree.children(top).iter().rev());
    }
    by_type
}
