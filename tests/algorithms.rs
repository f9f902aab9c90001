//! The fast algorithms of `heapdiff::algo` against slow, obviously right twins on random graphs,
//! the classic Lengauer–Tarjan example, and graphs deep enough to overflow any recursion.

use std::collections::{BTreeSet, VecDeque};

use heapdiff::algo::{Analysis, Components, DeepScope, PathStart};
use heapdiff::graph::{Graph, GraphBuilder, Node};
use heapdiff::snapshot::RootKind;
use proptest::prelude::*;

const TYPES: [&str; 4] = ["app.Node", "builtins.dict", "builtins.list", "builtins.function"];

fn id(n: usize) -> u64 {
    0x1000 + 16 * n as u64
}

/// A graph of `sizes.len()` objects; `roots` become `modules` roots, odd ones `frame` roots
/// (objects nobody refers to are `unreferenced` roots anyway, as the loader derives them).
fn graph(sizes: &[u64], types: &[usize], edges: &[(usize, usize)], roots: &[usize]) -> Graph {
    let mut b = GraphBuilder::new();
    for (t, name) in TYPES.iter().enumerate() {
        b.name_type(t as u64 + 1, name);
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
    for &(s, t) in edges {
        out[s].push(t);
    }
    for (i, &size) in sizes.iter().enumerate() {
        b.add_object(id(i), types.get(i).map_or(1, |&t| t as u64 + 1), size);
        for &t in &out[i] {
            // Some attribute dicts, so that paths meet free `.__dict__` steps.
            b.add_ref(id(t), if (i + t) % 4 == 0 { ".__dict__" } else { "" });
        }
    }
    for &r in roots {
        if r % 2 == 0 {
            b.add_root(id(r), RootKind::Modules, "sys.modules");
        } else {
            b.add_root(id(r), RootKind::Frame, "<thread MainThread> frame main()");
        }
    }
    b.build().expect("a valid graph")
}

// ---------------------------------------------------------------------------------------------
// Slow twins: plain reachability, no cleverness.

/// Nodes reachable from `starts` without passing through `removed`.
fn reach(g: &Graph, starts: &[Node], removed: Option<Node>) -> Vec<bool> {
    let mut seen = vec![false; g.node_count()];
    let mut queue: VecDeque<Node> = VecDeque::new();
    for &s in starts {
        if Some(s) != removed && !seen[s as usize] {
            seen[s as usize] = true;
            queue.push_back(s);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &t in g.successors(v) {
            if Some(t) != removed && !seen[t as usize] {
                seen[t as usize] = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

/// Components by mutual reachability: `comp[v]` is the smallest node that `v` reaches and that
/// reaches `v`.
fn slow_components(g: &Graph) -> Vec<Node> {
    let reaches: Vec<Vec<bool>> = g.nodes().map(|v| reach(g, &[v], None)).collect();
    g.nodes()
        .map(|v| g.nodes().find(|&u| reaches[v as usize][u as usize] && reaches[u as usize][v as usize]).unwrap())
        .collect()
}

/// The virtual root's successors: the roots, then the smallest node of each source component of
/// what the roots do not reach.
fn slow_starts(g: &Graph) -> Vec<Node> {
    let mut starts = g.root_nodes();
    let reached = reach(g, &starts, None);
    let comp = slow_components(g);
    let entered: BTreeSet<Node> = g
        .nodes()
        .filter(|&v| !reached[v as usize])
        .flat_map(|v| g.successors(v).iter().map(move |&t| (v, t)))
        .filter(|&(v, t)| comp[v as usize] != comp[t as usize])
        .map(|(_, t)| comp[t as usize])
        .collect();
    starts.extend(g.nodes().filter(|&v| !reached[v as usize] && comp[v as usize] == v && !entered.contains(&v)));
    starts
}

/// `dominated[d][v]`: every path from the starts to `v` passes through `d` ("remove `d`, see what
/// becomes unreachable").
fn slow_dominance(g: &Graph, starts: &[Node]) -> Vec<Vec<bool>> {
    g.nodes()
        .map(|d| {
            let r = reach(g, starts, Some(d));
            g.nodes().map(|v| !r[v as usize]).collect()
        })
        .collect()
}

/// The immediate dominator: the strict dominator that all other strict dominators dominate.
fn slow_idom(g: &Graph, dom: &[Vec<bool>], v: Node) -> Option<Node> {
    let strict: Vec<Node> = g.nodes().filter(|&d| d != v && dom[d as usize][v as usize]).collect();
    strict.iter().copied().find(|&d| strict.iter().all(|&o| dom[o as usize][d as usize]))
}

/// The cheapest path cost to each node when `.__dict__` edges are free (Dijkstra by rounds).
fn slow_costs(g: &Graph, starts: &[Node]) -> Vec<Option<u32>> {
    let mut cost: Vec<Option<u32>> = vec![None; g.node_count()];
    for &s in starts {
        cost[s as usize] = Some(0);
    }
    loop {
        let mut changed = false;
        for v in g.nodes() {
            let Some(c) = cost[v as usize] else { continue };
            for (t, l) in g.edges(v) {
                let w = c + u32::from(g.label(l) != ".__dict__");
                if cost[t as usize].is_none_or(|old| w < old) {
                    cost[t as usize] = Some(w);
                    changed = true;
                }
            }
        }
        if !changed {
            return cost;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random graphs.

fn arb_graph() -> impl Strategy<Value = Graph> {
    (1usize..28).prop_flat_map(|n| {
        (
            proptest::collection::vec(0u64..100, n),
            proptest::collection::vec(0usize..TYPES.len(), n),
            proptest::collection::vec((0..n, 0..n), 0..3 * n),
            proptest::collection::vec(0..n, 0..3),
        )
            .prop_map(|(sizes, types, edges, roots)| graph(&sizes, &types, &edges, &roots))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn dominator_tree_matches_remove_and_see(g in arb_graph()) {
        let a = Analysis::new(&g);
        let starts = slow_starts(&g);
        let mut reps = a.garbage_representatives().to_vec();
        let mut fast_starts = g.root_nodes();
        fast_starts.append(&mut reps);
        prop_assert_eq!(&fast_starts, &starts);
        let dom = slow_dominance(&g, &starts);
        for v in g.nodes() {
            let expected = slow_idom(&g, &dom, v).unwrap_or(a.virtual_root());
            prop_assert_eq!(a.idom(v), Some(expected), "idom of node {}", v);
        }
        prop_assert_eq!(a.idom(a.virtual_root()), None);
    }

    #[test]
    fn retained_sizes_match_dominated_sets(g in arb_graph()) {
        let a = Analysis::new(&g);
        let dom = slow_dominance(&g, &slow_starts(&g));
        for v in g.nodes() {
            let slow: u64 = g.nodes().filter(|&u| dom[v as usize][u as usize]).map(|u| g.shallow_size(u)).sum();
            prop_assert_eq!(a.retained_size(v), slow, "retained size of node {}", v);
            let count = g.nodes().filter(|&u| dom[v as usize][u as usize]).count() as u64;
            prop_assert_eq!(a.retained_count(v), count);
        }
        prop_assert_eq!(a.retained_size(a.virtual_root()), g.total_shallow());
        let mut by_type = vec![0u64; g.types.len()];
        for v in g.nodes() {
            let t = g.type_index(v);
            let covered = g.nodes().any(|d| d != v && g.type_index(d) == t && dom[d as usize][v as usize]);
            if !covered {
                by_type[t as usize] += a.retained_size(v);
            }
        }
        prop_assert_eq!(a.retained_by_type(), &by_type[..]);
    }

    #[test]
    fn components_match_mutual_reachability(g in arb_graph()) {
        let fast = Components::of_graph(&g);
        let slow = slow_components(&g);
        for u in g.nodes() {
            for v in g.nodes() {
                prop_assert_eq!(fast.component(u) == fast.component(v), slow[u as usize] == slow[v as usize]);
            }
            // Numbered in reverse topological order: edges go to equal or smaller numbers.
            for &t in g.successors(u) {
                prop_assert!(fast.component(t) <= fast.component(u));
            }
        }
    }

    #[test]
    fn cycles_are_the_components_that_loop(g in arb_graph()) {
        let a = Analysis::new(&g);
        let slow = slow_components(&g);
        let expected: BTreeSet<Node> = g
            .nodes()
            .filter(|&v| {
                let size = g.nodes().filter(|&u| slow[u as usize] == slow[v as usize]).count();
                slow[v as usize] == v && (size > 1 || g.successors(v).contains(&v))
            })
            .collect();
        let cycles = a.cycles();
        let found: BTreeSet<Node> = cycles.iter().map(|c| c.objects[0]).collect();
        prop_assert_eq!(found, expected);
        let reached = reach(&g, &g.root_nodes(), None);
        for c in &cycles {
            prop_assert_eq!(c.garbage, !reached[c.objects[0] as usize]);
            prop_assert!(c.retained_size >= c.shallow_size);
        }
    }

    #[test]
    fn shortest_paths_are_real_and_shortest(g in arb_graph()) {
        let a = Analysis::new(&g);
        let roots = g.root_nodes();
        let reached = reach(&g, &roots, None);
        let cost = slow_costs(&g, &roots);
        for v in g.nodes() {
            let p = a.path(v);
            prop_assert_eq!(*p.objects.last().unwrap(), v);
            for (i, w) in p.objects.windows(2).enumerate() {
                prop_assert_eq!(g.successors(w[0])[p.edges[i] as usize], w[1]);
            }
            if reached[v as usize] {
                prop_assert!(roots.contains(&p.objects[0]));
                let written = p.objects.iter().zip(&p.edges).filter(|&(&o, &e)| {
                    let (_, l) = g.edges(o).nth(e as usize).unwrap();
                    g.label(l) != ".__dict__"
                });
                prop_assert_eq!(Some(written.count() as u32), cost[v as usize]);
                // Of equally short paths, one from the best kind of root.
                let best = [RootKind::Modules, RootKind::Frame, RootKind::Unreferenced]
                    .into_iter()
                    .find(|&k| {
                        let starts: Vec<Node> = g.roots.iter().filter(|r| r.kind == k).map(|r| r.node).collect();
                        slow_costs(&g, &starts)[v as usize] == cost[v as usize]
                    })
                    .unwrap();
                prop_assert_eq!(p.start, PathStart::from(best));
                prop_assert!(p.start != PathStart::Garbage);
            } else {
                prop_assert_eq!(p.start, PathStart::Garbage);
                prop_assert!(p.text.starts_with("<unreachable: cyclic garbage>"));
            }
        }
    }

    #[test]
    fn deep_size_counts_each_reachable_object_once(g in arb_graph(), picks in proptest::collection::vec(0usize..28, 1..4)) {
        let a = Analysis::new(&g);
        let set: Vec<Node> = picks.iter().map(|&p| (p % g.node_count()) as Node).collect();
        let r = reach(&g, &set, None);
        let slow: u64 = g.nodes().filter(|&v| r[v as usize]).map(|v| g.shallow_size(v)).sum();
        let d = a.deep_size(&set, DeepScope::All);
        prop_assert_eq!(d.size, slow);
        prop_assert_eq!(d.objects, r.iter().filter(|&&x| x).count() as u64);
    }

    #[test]
    fn deep_size_of_data_does_not_enter_functions(g in arb_graph(), picks in proptest::collection::vec(0usize..28, 1..4)) {
        // the slow twin: reachability that never enters a function it did not start from
        let set: Vec<Node> = picks.iter().map(|&p| (p % g.node_count()) as Node).collect();
        let mut seen = vec![false; g.node_count()];
        let mut stack: Vec<Node> = Vec::new();
        for &s in &set {
            if !std::mem::replace(&mut seen[s as usize], true) {
                stack.push(s);
            }
        }
        while let Some(v) = stack.pop() {
            for &t in g.successors(v) {
                if !seen[t as usize] && g.type_name(t) != "builtins.function" {
                    seen[t as usize] = true;
                    stack.push(t);
                }
            }
        }
        let slow: u64 = g.nodes().filter(|&v| seen[v as usize]).map(|v| g.shallow_size(v)).sum();
        let d = Analysis::new(&g).deep_size(&set, DeepScope::Data);
        prop_assert_eq!(d.size, slow);
        prop_assert_eq!(d.objects, seen.iter().filter(|&&x| x).count() as u64);
    }
}

// ---------------------------------------------------------------------------------------------
// The example of Lengauer and Tarjan, "A fast algorithm for finding dominators in a flowgraph"
// (TOPLAS 1979), figure 1.
//
//                 R
//           ┌─────┼──────┐
//           ▼     ▼      ▼
//           B ──▶ A      C
//          /│     │     / \
//         ▼ ▼     ▼    ▼   ▼
//         E D ◀───┘    F   G
//         ▲ │          │  / \
//         │ ▼          ▼ ▼   ▼
//         H◀L          I ◀── J
//         │            ▲
//         ▼            │
//         K ───────────┘   (K -> I, K -> R; H -> E, E -> H; B -> D)
//
// Immediate dominators: A, B, C, D, E, H, I, K by R; F, G by C; J by G; L by D.

#[test]
fn lengauer_tarjan_paper_graph() {
    let names = ["R", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"];
    let ix = |s: &str| names.iter().position(|&n| n == s).unwrap();
    let edges: Vec<(usize, usize)> = [
        ("R", "A"), ("R", "B"), ("R", "C"), ("A", "D"), ("B", "A"), ("B", "D"), ("B", "E"), ("C", "F"),
        ("C", "G"), ("D", "L"), ("E", "H"), ("F", "I"), ("G", "I"), ("G", "J"), ("H", "E"), ("H", "K"),
        ("I", "K"), ("J", "I"), ("K", "I"), ("K", "R"), ("L", "H"),
    ]
    .iter()
    .map(|&(a, b)| (ix(a), ix(b)))
    .collect();
    let sizes: Vec<u64> = (1..=13).collect();
    let g = graph(&sizes, &[], &edges, &[ix("R")]);
    assert_eq!(g.roots[0].kind, RootKind::Modules);
    let a = Analysis::new(&g);
    let expected = [
        ("R", "*"), ("A", "R"), ("B", "R"), ("C", "R"), ("D", "R"), ("E", "R"), ("F", "C"),
        ("G", "C"), ("H", "R"), ("I", "R"), ("J", "G"), ("K", "R"), ("L", "D"),
    ];
    for (v, d) in expected {
        let idom = a.idom(ix(v) as Node).unwrap();
        let got = if idom == a.virtual_root() { "*" } else { names[idom as usize] };
        assert_eq!(got, d, "idom({v})");
    }
    assert_eq!(a.retained_size(ix("R") as Node), sizes.iter().sum::<u64>());
    // C retains itself, F, G and J: 4 + 7 + 8 + 11.
    assert_eq!(a.retained_size(ix("C") as Node), 4 + 7 + 8 + 11);
    assert_eq!(a.garbage_count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Deep graphs: every walk must be iterative. These run on the default test thread (2 MiB stack).

#[test]
fn ten_million_object_chain_does_not_overflow_the_stack() {
    const N: usize = 10_000_000;
    let mut b = GraphBuilder::new();
    b.name_type(1, "app.Node");
    for i in 0..N {
        b.add_object(id(i), 1, 48);
        if i + 1 < N {
            b.add_ref(id(i + 1), ".next");
        }
    }
    let g = b.build().unwrap();
    let a = Analysis::new(&g);
    assert_eq!(a.retained_size(0), 48 * N as u64);
    assert_eq!(a.retained_size(a.virtual_root()), 48 * N as u64);
    assert_eq!(a.idom(N as Node - 1), Some(N as Node - 2));
    assert_eq!(a.retained_by_type(), &[48 * N as u64]);
    assert_eq!(a.shortest_paths().parent(N as Node - 1), Some(N as Node - 2));
    assert_eq!(a.deep_size(&[0], DeepScope::All).objects, N as u64);
    assert_eq!(a.deep_size(&[0], DeepScope::Data).objects, N as u64);
    assert!(a.cycles().is_empty());
    let p = a.path(5);
    assert_eq!(p.text, format!("<unreferenced app.Node at {:#x}>.next.next.next.next.next", id(0)));
}

#[test]
fn million_object_cycle_is_one_garbage_cycle() {
    const N: usize = 1_000_000;
    let mut b = GraphBuilder::new();
    b.name_type(1, "app.Node");
    for i in 0..N {
        b.add_object(id(i), 1, 64);
        b.add_ref(id((i + 1) % N), ".next");
    }
    let g = b.build().unwrap();
    let a = Analysis::new(&g);
    assert_eq!(a.garbage_representatives(), &[0]);
    assert_eq!(a.garbage_count(), N as u64);
    assert_eq!(a.retained_size(0), 64 * N as u64);
    let cycles = a.cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].objects.len(), N);
    assert!(cycles[0].garbage);
    assert_eq!(cycles[0].retained_size, 64 * N as u64);
    assert_eq!(a.path(3).text, format!("<unreachable: cyclic garbage> <app.Node at {:#x}>.next.next.next", id(0)));
}
