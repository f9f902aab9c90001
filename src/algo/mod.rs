//! Who holds the memory: dominators and retained sizes, paths from roots, reference cycles, deep
//! sizes. [`Analysis`] computes the shared parts once per graph (shortest paths, dominator tree,
//! retained sizes) and the rest on demand (referrers, strongly connected components); every report
//! (`top`, `paths`, `cycles`, `show`, diff, the Python bridge) reads from it.
//!
//! Memory kept per object: `idom` 4 bytes, dominator-tree children 8, retained size 8, retained
//! count 4, path parent 4, garbage bit: about 28 bytes, plus 8 more per type. The referrers, when
//! asked for, add 4 per object and 8 per edge; the components 12 per object while computing them.

pub mod deep;
pub mod dominators;
pub mod paths;
pub mod retained;
pub mod scc;

use std::cell::OnceCell;
use std::ops::Deref;

pub use deep::{deep_size, program_nodes, program_types, DeepScope, DeepSize};
pub use dominators::DominatorTree;
pub use paths::{edge_text, object_ref, Path, PathStart, ShortestPaths};
pub use scc::{Components, Members};

use crate::graph::{Graph, Node, Reverse};

/// The analyses of one graph. `G` is how the graph is held: `&Graph` for a borrow
/// (`Analysis::new(&g)`), `Arc<Graph>` where the analysis must own it (the Python bridge).
pub struct Analysis<G: Deref<Target = Graph>> {
    graph: G,
    paths: ShortestPaths,
    tree: DominatorTree,
    retained: Vec<u64>,
    retained_count: Vec<u32>,
    retained_by_type: Vec<u64>,
    reverse: OnceCell<Reverse>,
    components: OnceCell<Components>,
}

/// A reference cycle (shared/DESIGN.md): a strongly connected component of more than one object,
/// or one object that refers to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Its objects, sorted by node.
    pub objects: Vec<Node>,
    pub shallow_size: u64,
    /// What freeing the cycle would free: the retained sizes of its objects that no other object
    /// of the cycle dominates.
    pub retained_size: u64,
    /// No root reaches it: only the cycle collector frees it.
    pub garbage: bool,
    /// Some object's type defines `__del__`.
    pub finalizer: bool,
}

impl Cycle {
    /// The distinct type names of its objects, sorted: what groups cycles of one kind.
    pub fn type_names<'g>(&self, g: &'g Graph) -> Vec<&'g str> {
        let mut types: Vec<&str> = self.objects.iter().map(|&v| g.type_name(v)).collect();
        types.sort_unstable();
        types.dedup();
        types
    }
}

/// A cycle kind's signature, `app.Node <-> builtins.dict <-> builtins.list`, from sorted type names.
pub fn cycle_signature(types: &[&str]) -> String {
    types.join(" <-> ")
}

impl<G: Deref<Target = Graph>> Analysis<G> {
    pub fn new(graph: G) -> Self {
        let g: &Graph = &graph;
        let paths = ShortestPaths::new(g);
        let mut starts = g.root_nodes();
        starts.extend_from_slice(paths.representatives());
        let tree = DominatorTree::new(g, &starts);
        drop(starts);
        let (retained, retained_count) = retained::retained_sizes(g, &tree);
        let retained_by_type = retained::retained_by_type(g, &tree, &retained);
        Analysis {
            graph,
            paths,
            tree,
            retained,
            retained_count,
            retained_by_type,
            reverse: OnceCell::new(),
            components: OnceCell::new(),
        }
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The virtual root of the dominator tree: node `N`, one past the last object.
    pub fn virtual_root(&self) -> Node {
        self.tree.root()
    }

    pub fn dominator_tree(&self) -> &DominatorTree {
        &self.tree
    }

    /// The immediate dominator of `n`: the virtual root for roots and garbage representatives,
    /// `None` for the virtual root.
    pub fn idom(&self, n: Node) -> Option<Node> {
        self.tree.idom(n)
    }

    /// What would be freed if `n` went away; for the virtual root, the whole heap.
    pub fn retained_size(&self, n: Node) -> u64 {
        self.retained[n as usize]
    }

    /// Retained sizes of every node; the last entry is the virtual root.
    pub fn retained_sizes(&self) -> &[u64] {
        &self.retained
    }

    /// How many objects `n` retains (itself included).
    pub fn retained_count(&self, n: Node) -> u64 {
        self.retained_count[n as usize] as u64
    }

    /// Retained size per type index: instances that no other instance of the type dominates.
    pub fn retained_by_type(&self) -> &[u64] {
        &self.retained_by_type
    }

    /// Whether no root reaches `n`.
    pub fn is_garbage(&self, n: Node) -> bool {
        self.paths.is_garbage(n)
    }

    /// Objects no root reaches.
    pub fn garbage_count(&self) -> u64 {
        self.paths.garbage_count()
    }

    /// One object of each source component of the garbage; the virtual root points at them.
    pub fn garbage_representatives(&self) -> &[Node] {
        self.paths.representatives()
    }

    pub fn shortest_paths(&self) -> &ShortestPaths {
        &self.paths
    }

    /// The shortest path from a root to `n`.
    pub fn path(&self, n: Node) -> Path {
        self.paths.path(&self.graph, n)
    }

    /// Up to `limit` paths to `n`, one through each distinct referrer, the shortest first.
    pub fn paths(&self, n: Node, limit: usize) -> Vec<Path> {
        self.paths.paths(&self.graph, self.reverse(), n, limit)
    }

    /// Who refers to each object (computed on first use).
    pub fn reverse(&self) -> &Reverse {
        self.reverse.get_or_init(|| self.graph.reverse())
    }

    /// The deep size of a set of objects, stopping at classes, modules and functions unless
    /// `scope` is [`DeepScope::All`] (see [`deep`]).
    pub fn deep_size(&self, nodes: &[Node], scope: DeepScope) -> DeepSize {
        let stop = (scope == DeepScope::Data).then(|| deep::program_nodes(&self.graph, &deep::program_types(&self.graph)));
        deep::deep_size(&self.graph, nodes, stop.as_ref())
    }

    /// Strongly connected components as cycle reports see them, without each object's edge to its
    /// own class ([`Components::of_cycles`]; computed on first use).
    pub fn components(&self) -> &Components {
        self.components.get_or_init(|| Components::of_cycles(&self.graph))
    }

    /// Every reference cycle, sorted by (retained size desc, shallow size desc, first object).
    pub fn cycles(&self) -> Vec<Cycle> {
        let g: &Graph = &self.graph;
        let comps = self.components();
        let members = comps.members();
        let mut out: Vec<Cycle> = members
            .iter()
            .filter(|m| comps.is_cycle(g, m))
            .map(|objects| {
                let c = comps.component(objects[0]);
                Cycle {
                    shallow_size: objects.iter().map(|&v| g.shallow_size(v)).sum(),
                    // A member dominated by another member has its immediate dominator in the
                    // cycle too (the path into the cycle avoids any outside node in between), so
                    // checking `idom` alone finds the members nothing else in the cycle dominates.
                    retained_size: objects
                        .iter()
                        .filter(|&&v| self.idom(v).is_none_or(|d| d == self.virtual_root() || comps.component(d) != c))
                        .map(|&v| self.retained_size(v))
                        .sum(),
                    garbage: self.is_garbage(objects[0]),
                    finalizer: objects.iter().any(|&v| g.types[g.type_index(v) as usize].finalizer),
                    objects: objects.to_vec(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (b.retained_size, b.shallow_size).cmp(&(a.retained_size, a.shallow_size)).then(a.objects[0].cmp(&b.objects[0]))
        });
        out
    }
}
