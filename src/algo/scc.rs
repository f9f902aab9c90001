//! Strongly connected components: maximal sets of objects that all reach each other.
//!
//! A component of more than one object, or one object that refers to itself, is a reference
//! *cycle* (shared/DESIGN.md); only CPython's cycle collector can free it. Dominators also use
//! components: each *source* component of the part of the graph no root reaches gets an edge from
//! the virtual root, so that every object has a place in the dominator tree.
//!
//! Algorithm: Tarjan, "Depth-first search and linear graph algorithms" (SIAM J. Comput. 1972),
//! with the recursion replaced by an explicit stack of `(node, next edge)` frames: a linked list of
//! ten million objects is ten million frames deep, far past any thread's stack.
//!
//! # Complexity
//! O(V + E) time; three `u32` per node plus the two stacks.

use crate::graph::{Graph, Node};

/// "No component": the node was left out of the search.
pub const NO_COMPONENT: u32 = u32::MAX;

/// Component of each node. Components are numbered in the order Tarjan completes them, which is a
/// reverse topological order of the condensation: a component's successors have smaller numbers.
#[derive(Debug, Clone)]
pub struct Components {
    component: Vec<u32>,
    count: u32,
}

impl Components {
    /// Components of the nodes for which `include` holds, using only edges between such nodes.
    pub fn new(g: &Graph, include: impl Fn(Node) -> bool) -> Self {
        Self::with_edges(g, include, |_, _| true)
    }

    /// Components of the included nodes, following only the edges `(from, to)` that `follow`
    /// accepts.
    pub fn with_edges(g: &Graph, include: impl Fn(Node) -> bool, follow: impl Fn(Node, Node) -> bool) -> Self {
        let n = g.node_count();
        const UNVISITED: u32 = u32::MAX;
        let mut index = vec![UNVISITED; n];
        let mut low = vec![0u32; n];
        let mut component = vec![NO_COMPONENT; n];
        let mut stack: Vec<Node> = Vec::new();
        let mut frames: Vec<(Node, u32)> = Vec::new();
        let mut next_index = 0u32;
        let mut count = 0u32;

        for start in g.nodes() {
            if index[start as usize] != UNVISITED || !include(start) {
                continue;
            }
            index[start as usize] = next_index;
            low[start as usize] = next_index;
            next_index += 1;
            stack.push(start);
            frames.push((start, 0));
            while let Some(frame) = frames.last_mut() {
                let v = frame.0;
                let succ = g.successors(v);
                if let Some(&t) = succ.get(frame.1 as usize) {
                    frame.1 += 1;
                    if !include(t) || !follow(v, t) {
                        continue;
                    }
                    if index[t as usize] == UNVISITED {
                        index[t as usize] = next_index;
                        low[t as usize] = next_index;
                        next_index += 1;
                        stack.push(t);
                        frames.push((t, 0));
                    } else if component[t as usize] == NO_COMPONENT {
                        // Visited and not yet in a component: `t` is still on the stack.
                        low[v as usize] = low[v as usize].min(index[t as usize]);
                    }
                    continue;
                }
                frames.pop();
                if let Some(&(p, _)) = frames.last() {
                    low[p as usize] = low[p as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        component[w as usize] = count;
                        if w == v {
                            break;
                        }
                    }
                    count += 1;
                }
            }
        }
        Components { component, count }
    }

    /// Components of the whole graph.
    pub fn of_graph(g: &Graph) -> Self {
        Self::new(g, |_| true)
    }

    /// Components as cycle reports see them: every edge except an object's reference to its own
    /// class. In CPython an instance of a class refers to the class, and the class reaches its
    /// module's globals through its methods, so with that edge every instance held by a module
    /// would join one giant "cycle" with the module system; without it, the cycles left are the
    /// ones the program made (`parent.children[0].parent`). A class's own cycles (through its
    /// `__mro__`, its methods' globals) stay.
    pub fn of_cycles(g: &Graph) -> Self {
        Self::with_edges(g, |_| true, |from, to| !is_class_edge(g, from, to))
    }

    /// The node's component, or [`NO_COMPONENT`] if it was left out.
    pub fn component(&self, n: Node) -> u32 {
        self.component[n as usize]
    }

    pub fn count(&self) -> usize {
        self.count as usize
    }

    /// Members of every component in CSR form (each list sorted by node): one counting sort, not
    /// a vector per component, since most of a heap's components are single objects.
    pub fn members(&self) -> Members {
        let mut start = vec![0u32; self.count as usize + 1];
        for &c in &self.component {
            if c != NO_COMPONENT {
                start[c as usize + 1] += 1;
            }
        }
        for i in 0..self.count as usize {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut nodes = vec![0; start[self.count as usize] as usize];
        for (n, &c) in self.component.iter().enumerate() {
            if c != NO_COMPONENT {
                nodes[fill[c as usize] as usize] = n as Node;
                fill[c as usize] += 1;
            }
        }
        Members { start, nodes }
    }

    /// Whether a component of [`Components::of_cycles`] is a reference cycle: several objects, or
    /// one that refers to itself (other than as its own class: `type` is an instance of itself).
    pub fn is_cycle(&self, g: &Graph, members: &[Node]) -> bool {
        members.len() > 1 || members.first().is_some_and(|&m| g.successors(m).contains(&m) && !is_class_edge(g, m, m))
    }
}

/// Whether `from -> to` is `from`'s reference to its own class.
fn is_class_edge(g: &Graph, from: Node, to: Node) -> bool {
    g.types[g.type_index(from) as usize].node == Some(to)
}

/// The members of each component, from [`Components::members`].
#[derive(Debug, Clone)]
pub struct Members {
    start: Vec<u32>,
    nodes: Vec<Node>,
}

impl Members {
    /// The members of component `c`, sorted by node.
    pub fn of(&self, c: u32) -> &[Node] {
        &self.nodes[self.start[c as usize] as usize..self.start[c as usize + 1] as usize]
    }
    /// Every component's members, by component number.
    pub fn iter(&self) -> impl Iterator<Item = &[Node]> + '_ {
        self.start.windows(2).map(|w| &self.nodes[w[0] as usize..w[1] as usize])
    }
}

/// The smallest node of each source component of the nodes for which `include` holds (components
/// that no other included component reaches), in node order. Starting a search from these reaches
/// every included node, and from no node that another start would reach first.
pub fn source_representatives(g: &Graph, include: impl Fn(Node) -> bool + Copy) -> Vec<Node> {
    let comps = Components::new(g, include);
    let mut entered = vec![false; comps.count()];
    for v in g.nodes().filter(|&v| include(v)) {
        let cv = comps.component(v);
        for &t in g.successors(v) {
            let ct = comps.component(t);
            if ct != NO_COMPONENT && ct != cv {
                entered[ct as usize] = true;
            }
        }
    }
    let mut taken = vec![false; comps.count()];
    let mut out = Vec::new();
    for v in g.nodes() {
        let c = comps.component(v);
        if c != NO_COMPONENT && !entered[c as usize] && !std::mem::replace(&mut taken[c as usize], true) {
            out.push(v);
        }
    }
    out
}
