//! Referrers of every node (the graph with its edges reversed), in CSR form.

use super::{Graph, LabelIndex, Node};

/// For each node, the nodes that refer to it and the label of that edge, sorted by referrer.
#[derive(Debug, Clone)]
pub struct Reverse {
    start: Vec<u32>,
    from: Vec<Node>,
    label: Vec<LabelIndex>,
}

impl Reverse {
    pub fn new(g: &Graph) -> Self {
        let n = g.node_count();
        let mut start = vec![0u32; n + 1];
        for &t in &g.edge_to {
            start[t as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut from = vec![0; g.edge_count()];
        let mut label = vec![0; g.edge_count()];
        for src in g.nodes() {
            for (t, l) in g.edges(src) {
                let slot = &mut fill[t as usize];
                from[*slot as usize] = src;
                label[*slot as usize] = l;
                *slot += 1;
            }
        }
        Reverse { start, from, label }
    }
    /// Referrers of `n` as (referrer, label of the edge referrer -> n).
    pub fn referrers(&self, n: Node) -> impl ExactSizeIterator<Item = (Node, LabelIndex)> + '_ {
        let (a, b) = (self.start[n as usize] as usize, self.start[n as usize + 1] as usize);
        self.from[a..b].iter().copied().zip(self.label[a..b].iter().copied())
    }
    pub fn predecessors(&self, n: Node) -> &[Node] {
        let (a, b) = (self.start[n as usize] as usize, self.start[n as usize + 1] as usize);
        &self.from[a..b]
    }
    pub fn in_degree(&self, n: Node) -> usize {
        (self.start[n as usize + 1] - self.start[n as usize]) as usize
    }
}
