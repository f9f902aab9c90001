//! Matching, classification and suspects on hand-drawn graphs.
//!
//! Graphs are drawn as object lists; [`Drawn`] stands in for the dominator analysis: on the
//! tree-shaped graphs below a node's only referrer is its immediate dominator, and a node with
//! several referrers (or a root) hangs off the virtual root.

use super::*;
use crate::graph::GraphBuilder;
use crate::snapshot::RootKind;

pub(crate) type Obj<'a> = (u64, &'a str, u64, &'a [(u64, &'a str)]);

/// Builds a graph: `objects` as (id, type name, size, refs as (id, label)); `sys.modules` is id 1.
pub(crate) fn draw(objects: &[Obj], extra_roots: &[(u64, RootKind, &str)]) -> Graph {
    let mut b = GraphBuilder::new();
    let mut types: Vec<&str> = Vec::new();
    for &(id, ty, size, refs) in objects {
        let t = match types.iter().position(|&x| x == ty) {
            Some(i) => i,
            None => {
                types.push(ty);
                types.len() - 1
            }
        };
        b.add_object(id, 1_000_000 + t as u64, size);
        for &(to, label) in refs {
            b.add_ref(to, label);
        }
    }
    for (i, ty) in types.iter().enumerate() {
        b.name_type(1_000_000 + i as u64, ty);
    }
    b.add_root(1, RootKind::Modules, "sys.modules");
    for &(id, kind, name) in extra_roots {
        b.add_root(id, kind, name);
    }
    b.build().expect("valid drawn graph")
}

/// A stand-in for the dominator analysis on tree-shaped drawings.
pub(crate) struct Drawn {
    idom: Vec<Option<Node>>,
    path: Vec<String>,
    shallow: Vec<u64>,
    types: Vec<u32>,
    type_count: usize,
}

impl Drawn {
    pub(crate) fn new(g: &Graph) -> Drawn {
        let rev = g.reverse();
        let roots = g.root_nodes();
        let idom = g
            .nodes()
            .map(|n| {
                let mut p: Vec<Node> = rev.predecessors(n).to_vec();
                p.dedup();
                (p.len() == 1 && !roots.contains(&n)).then(|| p[0])
            })
            .collect();
        // Shortest paths by breadth-first search, rendered with labels.
        let mut path = vec![String::new(); g.node_count()];
        let mut seen = vec![false; g.node_count()];
        let mut queue: std::collections::VecDeque<Node> = Default::default();
        for r in &g.roots {
            if !std::mem::replace(&mut seen[r.node as usize], true) {
                path[r.node as usize] = if r.name.is_empty() { format!("<{}>", g.type_name(r.node)) } else { r.name.clone() };
                queue.push_back(r.node);
            }
        }
        while let Some(v) = queue.pop_front() {
            for (i, (w, l)) in g.edges(v).enumerate() {
                if !std::mem::replace(&mut seen[w as usize], true) {
                    let label = g.label(l);
                    let step = if label.is_empty() { format!("[{i}]") } else { label.to_string() };
                    path[w as usize] = format!("{}{}", path[v as usize], step);
                    queue.push_back(w);
                }
            }
        }
        Drawn {
            idom,
            path,
            shallow: g.shallow_sizes().to_vec(),
            types: g.nodes().map(|n| g.type_index(n)).collect(),
            type_count: g.types.len(),
        }
    }
    fn dominates(&self, d: Node, mut n: Node) -> bool {
        loop {
            if n == d {
                return true;
            }
            match self.idom[n as usize] {
                Some(p) => n = p,
                None => return false,
            }
        }
    }
}

impl Retention for Drawn {
    fn idom(&self, n: Node) -> Option<Node> {
        self.idom[n as usize]
    }
    fn retained_size(&self, n: Node) -> u64 {
        (0..self.shallow.len() as Node).filter(|&v| self.dominates(n, v)).map(|v| self.shallow[v as usize]).sum()
    }
    fn retained_by_type(&self) -> Vec<u64> {
        let mut out = vec![0; self.type_count];
        for v in 0..self.shallow.len() as Node {
            let t = self.types[v as usize];
            let mut p = self.idom[v as usize];
            let mut inside_same_type = false;
            while let Some(q) = p {
                if self.types[q as usize] == t {
                    inside_same_type = true;
                    break;
                }
                p = self.idom[q as usize];
            }
            if !inside_same_type {
                out[t as usize] += self.retained_size(v);
            }
        }
        out
    }
    fn path(&self, n: Node) -> String {
        self.path[n as usize].clone()
    }
}

fn node(g: &Graph, id: u64) -> Node {
    g.node_by_id(id).expect("id in graph")
}

fn class_of(a: &Graph, b: &Graph, m: &Matching, id: u64) -> Class {
    m.class_b(a, b, node(b, id))
}

fn run(a: &Graph, b: &Graph) -> Diff {
    diff(a, b, &Drawn::new(a), &Drawn::new(b), Options::default())
}

// sys.modules (1) -> module dict `app` (2) -> ...
const MODS: &str = "builtins.dict";

#[test]
fn same_id_type_and_referrer_label_is_a_survivor_and_bigger_is_grown() {
    let a = draw(&[(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(3, "['cache']")]), (3, "builtins.dict", 64, &[])], &[]);
    let b = draw(&[(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(3, "['cache']")]), (3, "builtins.dict", 640, &[])], &[]);
    let m = match_objects(&a, &b);
    assert_eq!(class_of(&a, &b, &m, 1), Class::Survived);
    assert_eq!(class_of(&a, &b, &m, 2), Class::Survived);
    assert_eq!(class_of(&a, &b, &m, 3), Class::Grown);
    assert_eq!(m.counts(&a, &b), (0, 0, 2, 1));
}

#[test]
fn a_reused_address_held_elsewhere_is_new_not_a_survivor() {
    // GIVEN object 10 (a Session) held under ['old'] in A, freed, and its address reused by a new
    // Session held under ['other'] in B
    let a = draw(&[(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(10, "['old']")]), (10, "app.Session", 56, &[])], &[]);
    let b = draw(&[(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(10, "['other']")]), (10, "app.Session", 56, &[])], &[]);
    let m = match_objects(&a, &b);
    // THEN it is new in B and gone from A
    assert_eq!(class_of(&a, &b, &m, 10), Class::New);
    assert_eq!(m.class_a(&a, &b, node(&a, 10)), Class::Gone);
}

#[test]
fn a_reused_referrer_cannot_vouch_for_its_items() {
    // list 5 under ['x'] holding 7 in A; in B a new list at address 5 under ['y'] holding a new 7
    let a = draw(&[(1, MODS, 100, &[(5, "['x']")]), (5, "builtins.list", 72, &[(7, "")]), (7, "app.Item", 48, &[])], &[]);
    let b = draw(&[(1, MODS, 100, &[(5, "['y']")]), (5, "builtins.list", 72, &[(7, "")]), (7, "app.Item", 48, &[])], &[]);
    let m = match_objects(&a, &b);
    assert_eq!(class_of(&a, &b, &m, 5), Class::New);
    assert_eq!(class_of(&a, &b, &m, 7), Class::New);
}

#[test]
fn list_items_match_by_referrer_alone_and_a_changed_type_is_new() {
    let a = draw(&[(1, MODS, 100, &[(5, "['l']")]), (5, "builtins.list", 72, &[(7, ""), (8, "")]), (7, "app.Item", 48, &[]), (8, "app.Item", 48, &[])], &[]);
    let b = draw(&[(1, MODS, 100, &[(5, "['l']")]), (5, "builtins.list", 72, &[(8, ""), (7, "")]), (7, "app.Item", 48, &[]), (8, "app.Other", 48, &[])], &[]);
    let m = match_objects(&a, &b);
    assert_eq!(class_of(&a, &b, &m, 7), Class::Survived, "moved within the list");
    assert_eq!(class_of(&a, &b, &m, 8), Class::New, "same address, other type");
}

#[test]
fn an_immutable_of_another_size_or_hash_at_the_same_address_is_new() {
    let a = draw(&[(1, MODS, 100, &[(5, "['s']"), (6, "['t']")]), (5, "builtins.str", 50, &[]), (6, "builtins.tuple", 56, &[])], &[]);
    let b = draw(&[(1, MODS, 100, &[(5, "['s']"), (6, "['t']")]), (5, "builtins.str", 58, &[]), (6, "builtins.tuple", 56, &[])], &[]);
    let m = match_objects(&a, &b);
    assert_eq!(class_of(&a, &b, &m, 5), Class::New);
    assert_eq!(class_of(&a, &b, &m, 6), Class::Survived);
}

#[test]
fn roots_match_only_with_the_same_kind_and_name() {
    let frame = |name: &'static str| [(50u64, RootKind::Frame, name)];
    let objs: &[Obj] = &[(1, MODS, 100, &[]), (50, "builtins.frame", 400, &[(51, "local 'x'")]), (51, "app.Item", 48, &[])];
    let a = draw(objs, &frame("<thread MainThread> frame main()"));
    let same = draw(objs, &frame("<thread MainThread> frame main()"));
    let other = draw(objs, &frame("<thread MainThread> frame handle()"));
    let m = match_objects(&a, &same);
    assert_eq!(class_of(&a, &same, &m, 50), Class::Survived);
    assert_eq!(class_of(&a, &same, &m, 51), Class::Survived);
    let m = match_objects(&a, &other);
    assert_eq!(class_of(&a, &other, &m, 50), Class::New);
    assert_eq!(class_of(&a, &other, &m, 51), Class::New);
}

/// `sys.modules['app']['cache']`: a dict with `before` old entries in A and `after` entries in B,
/// each entry a 1000-byte str; entry ids start at `first_new` for entries that are not in A.
fn cache_pair(before: u64, after: u64, first_new: u64) -> (Graph, Graph) {
    let labels: Vec<String> = (0..1000 + after.max(before) + first_new).map(|i| format!("['k{i}']")).collect();
    let build = |ids: Vec<u64>| {
        let refs: Vec<(u64, &str)> = ids.iter().map(|&i| (i, labels[i as usize].as_str())).collect();
        let mut objs: Vec<Obj> = vec![(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(3, "['cache']")])];
        let size = 64 + 32 * ids.len() as u64;
        let v: Vec<Obj> = ids.iter().map(|&i| (i, "builtins.str", 1000, &[][..])).collect();
        objs.push((3, "builtins.dict", size, &refs));
        objs.extend(v);
        draw(&objs, &[])
    };
    let a_ids: Vec<u64> = (100..100 + before).collect();
    let b_ids: Vec<u64> = if first_new == 0 {
        (100..100 + after).collect()
    } else {
        (first_new..first_new + after).collect()
    };
    (build(a_ids), build(b_ids))
}

#[test]
fn an_unbounded_cache_is_the_first_suspect_with_its_path_and_keys() {
    let (a, b) = cache_pair(2, 12, 0);
    let d = run(&a, &b);
    let s = &d.suspects[0];
    assert_eq!(s.path, "sys.modules['app']['cache']");
    assert_eq!(s.type_name, "builtins.dict");
    assert!(s.existed_before);
    assert_eq!(s.objects, 10);
    assert_eq!(s.bytes, 10 * 1000 + 10 * 32);
    assert_eq!(s.samples, vec!["['k102']", "['k103']", "['k104']", "['k105']", "['k106']"]);
    assert_eq!(s.types[0], TypeGrowth { type_name: "builtins.str".into(), objects: 10, bytes: 10_000 });
    assert_eq!(d.growth, 10_320);
    assert!(d.answer.starts_with("+10 objects, +10.1 KiB, held by sys.modules['app']['cache'] (dict, already there before)"), "{}", d.answer);
    assert_eq!((d.classes.new, d.classes.gone, d.classes.grown), (10, 0, 1));
}

#[test]
fn a_cache_cleared_and_refilled_nets_to_nothing() {
    // every entry replaced by a new one of the same size: new + gone under the same holder
    let (a, b) = cache_pair(10, 10, 500);
    let d = run(&a, &b);
    assert_eq!(d.classes.new, 10);
    assert_eq!(d.classes.gone, 10);
    assert_eq!(d.growth, 0, "{:?}", d.suspects);
    assert!(d.answer.starts_with("no growth"));
}

#[test]
fn many_small_suspects_of_one_type_roll_up_into_their_holder() {
    // cache dict 3 holds 5 per-user lists (survivors) that each gained one new 500-byte item
    let mut objs_a: Vec<Obj> = vec![(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(3, "['cache']")])];
    let lists: Vec<[(u64, &str); 1]> = (0..5u64).map(|i| [(200 + i, "")]).collect();
    let keys = ["['u0']", "['u1']", "['u2']", "['u3']", "['u4']"];
    let refs: Vec<(u64, &str)> = (0..5u64).map(|i| (10 + i, keys[i as usize])).collect();
    objs_a.push((3, "builtins.dict", 400, &refs));
    let mut objs_b = objs_a.clone();
    for i in 0..5u64 {
        objs_a.push((10 + i, "builtins.list", 56, &[]));
        objs_b.push((10 + i, "builtins.list", 64, &lists[i as usize]));
        objs_b.push((200 + i, "app.Event", 500, &[]));
    }
    let (a, b) = (draw(&objs_a, &[]), draw(&objs_b, &[]));
    let d = run(&a, &b);
    assert_eq!(d.suspects.len(), 1, "{:?}", d.suspects);
    let s = &d.suspects[0];
    assert_eq!(s.path, "sys.modules['app']['cache']");
    assert_eq!(s.rolled_up, 5);
    assert_eq!(s.bytes, 5 * 508);
    assert_eq!(s.samples, keys.to_vec());
}

#[test]
fn one_dominant_child_is_not_rolled_up() {
    let mut objs_a: Vec<Obj> = vec![(1, MODS, 100, &[(2, "['app']")]), (2, "builtins.dict", 200, &[(3, "['cache']")])];
    let keys = ["['u0']", "['u1']", "['u2']", "['u3']", "['u4']"];
    let refs: Vec<(u64, &str)> = (0..5u64).map(|i| (10 + i, keys[i as usize])).collect();
    objs_a.push((3, "builtins.dict", 400, &refs));
    let mut objs_b = objs_a.clone();
    for i in 0..5u64 {
        objs_a.push((10 + i, "builtins.list", 56, &[]));
        objs_b.push((10 + i, "builtins.list", if i == 0 { 100_000 } else { 64 }, &[]));
    }
    let d = run(&draw(&objs_a, &[]), &draw(&objs_b, &[]));
    assert_eq!(d.suspects.len(), 5);
    assert_eq!(d.suspects[0].path, "sys.modules['app']['cache']['u0']");
    assert_eq!(d.suspects[0].rolled_up, 0);
}

#[test]
fn a_new_object_held_from_two_places_goes_to_the_survivor_on_its_shortest_path() {
    // 20 (new) is referred to by survivors 3 and 4, so only the virtual root dominates it
    let objs_a: &[Obj] = &[(1, MODS, 100, &[(3, "['a']"), (4, "['b']")]), (3, "builtins.list", 56, &[]), (4, "builtins.list", 56, &[])];
    let objs_b: &[Obj] = &[
        (1, MODS, 100, &[(3, "['a']"), (4, "['b']")]),
        (3, "builtins.list", 64, &[(20, "")]),
        (4, "builtins.list", 64, &[(20, "")]),
        (20, "app.Big", 5000, &[(21, ".data")]),
        (21, "builtins.bytes", 9000, &[]),
    ];
    let (a, b) = (draw(objs_a, &[]), draw(objs_b, &[]));
    let d = run(&a, &b);
    let s = &d.suspects[0];
    assert_eq!(s.path, "sys.modules['a']");
    assert_eq!(s.objects, 2, "20 by its path, 21 dominated by new 20 so charged to 20's holder");
    assert_eq!(s.bytes, 14_000 + 8);
}

#[test]
fn warnings_name_a_different_process_and_a_reversed_order() {
    let objs: &[Obj] = &[(1, MODS, 100, &[])];
    let (mut a, mut b) = (draw(objs, &[]), draw(objs, &[]));
    a.header.pid = 10;
    b.header.pid = 11;
    a.header.time = 200.0;
    b.header.time = 100.0;
    let w = warnings(&a, &b);
    assert_eq!(w.len(), 2);
    assert!(w[0].contains("different processes"));
    assert!(w[1].contains("swap the arguments"));
    b.header.pid = 10;
    b.header.time = 300.0;
    assert!(warnings(&a, &b).is_empty());
}

#[test]
fn the_type_table_is_sorted_by_growth_and_min_hides_small_rows() {
    let (a, b) = cache_pair(2, 12, 0);
    let d = diff(&a, &b, &Drawn::new(&a), &Drawn::new(&b), Options { top: 0, min: 1000 });
    assert_eq!(d.types.len(), 1);
    let t = &d.types[0];
    assert_eq!((t.type_name.as_str(), t.count_before, t.count_after, t.size_delta), ("builtins.str", 2, 12, 10_000));
    assert_eq!(d.type_count, 2, "str and the grown dict");
}

/// The matching rule as written in the docs, run to a fixed point the slow way (referrers, repeated
/// passes), to compare with [`match_objects`] on random graphs.
fn slow_matching(a: &Graph, b: &Graph) -> Vec<Option<Node>> {
    let rev = b.reverse();
    let cand = |v: Node| -> Option<Node> {
        let c = a.node_by_id(b.id(v))?;
        if a.type_name(c) != b.type_name(v) {
            return None;
        }
        let imm = matches!(b.type_name(v), "builtins.str" | "builtins.tuple" | "builtins.int");
        (!imm || a.getsizeof(c) == b.getsizeof(v)).then_some(c)
    };
    let mut out: Vec<Option<Node>> = vec![None; b.node_count()];
    for rb in &b.roots {
        if let Some(c) = cand(rb.node) {
            if a.roots.iter().any(|ra| ra.node == c && ra.kind == rb.kind && ra.name == rb.name) {
                out[rb.node as usize] = Some(c);
            }
        }
    }
    loop {
        let mut changed = false;
        for v in b.nodes() {
            if out[v as usize].is_some() {
                continue;
            }
            let Some(c) = cand(v) else { continue };
            let vouched = rev.referrers(v).any(|(r, l)| {
                out[r as usize].is_some_and(|ra| a.edges(ra).any(|(t, la)| t == c && a.label(la) == b.label(l)))
            });
            if vouched {
                out[v as usize] = Some(c);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// xorshift: deterministic random graphs without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One object of a random heap: id, type, size, refs.
type Spec = Vec<(u64, &'static str, u64, Vec<(u64, &'static str)>)>;

const LABELS: [&str; 4] = ["", ".x", "['k']", "<key>"];

/// A random heap of `n` objects over an id space a little larger, a few types, labels and sizes,
/// some high-degree objects; `sys.modules` (id 1) refers to every seventh object.
fn random_heap(rng: &mut Rng, n: u64) -> Spec {
    const TYPES: [&str; 4] = ["builtins.dict", "builtins.list", "builtins.str", "app.Node"];
    let ids: Vec<u64> = (2..2 + n).collect();
    let mut spec: Spec = vec![(1, MODS, 100, ids.iter().step_by(7).map(|&i| (i, "['m']")).collect())];
    for &id in &ids {
        let deg = if rng.below(10) == 0 { 20 + rng.below(20) } else { rng.below(4) };
        let refs = (0..deg).map(|_| (2 + rng.below(n), LABELS[rng.below(4) as usize])).collect();
        spec.push((id, TYPES[(id % 4) as usize], 40 + rng.below(3) * 8, refs));
    }
    spec
}

/// The heap a while later: some objects freed and their ids reused by new objects held elsewhere,
/// some edges relabelled, dropped or added, some sizes changed.
fn mutate(rng: &mut Rng, mut spec: Spec) -> Spec {
    let n = spec.len() as u64;
    for k in 1..spec.len() {
        match rng.below(8) {
            // freed, the address reused by a new object: new refs to it from a random object
            0 => {
                let id = spec[k].0;
                for o in spec.iter_mut() {
                    o.3.retain(|&(t, _)| t != id);
                }
                let holder = rng.below(n) as usize;
                spec[holder].3.push((id, LABELS[rng.below(4) as usize]));
                spec[k].3.clear();
            }
            1 => {
                if let Some(e) = spec[k].3.first_mut() {
                    e.1 = LABELS[rng.below(4) as usize];
                }
            }
            2 => spec[k].2 += 8,
            3 => {
                let t = 2 + rng.below(n - 1);
                spec[k].3.push((t, LABELS[rng.below(4) as usize]));
            }
            _ => {}
        }
    }
    spec
}

fn build(spec: &Spec) -> Graph {
    let objs: Vec<Obj> = spec.iter().map(|(id, t, size, refs)| (*id, *t, *size, &refs[..])).collect();
    draw(&objs, &[])
}

#[test]
fn matching_agrees_with_its_slow_twin_on_random_heaps() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let (mut survivors, mut same_id_not_survivor) = (0, 0);
    for round in 0..200 {
        let n = 5 + rng.below(60);
        let spec = random_heap(&mut rng, n);
        let later = mutate(&mut rng, spec.clone());
        let (a, b) = (build(&spec), build(&later));
        let m = match_objects(&a, &b);
        let slow = slow_matching(&a, &b);
        for v in b.nodes() {
            assert_eq!(m.survivor_in_a(v), slow[v as usize], "round {round}, node {v} (id {})", b.id(v));
            match m.survivor_in_a(v) {
                Some(_) => survivors += 1,
                None if a.node_by_id(b.id(v)).is_some() => same_id_not_survivor += 1,
                None => {}
            }
        }
        for v in a.nodes() {
            let back = m.survivor_in_b(v);
            assert_eq!(back.map(|x| m.b_to_a[x as usize]), back.map(|_| v));
        }
    }
    // the random heaps exercise both outcomes
    assert!(survivors > 500 && same_id_not_survivor > 500, "{survivors} {same_id_not_survivor}");
}

#[test]
fn holders_agree_with_walking_the_idom_chain_on_random_heaps() {
    let mut rng = Rng(0x2545f4914f6cdd1d);
    for _ in 0..100 {
        let n = 5 + rng.below(80);
        let spec = random_heap(&mut rng, n);
        let later = mutate(&mut rng, spec.clone());
        let (a, b) = (build(&spec), build(&later));
        let m = match_objects(&a, &b);
        let analysis = crate::algo::Analysis::new(&b);
        let h = suspects::Holders::new(&b, &analysis, &|v| m.is_survivor_b(v), true);
        for v in b.nodes() {
            // slow: walk up the dominator tree to the first survivor
            let mut d = Retention::idom(&analysis, v);
            while let Some(x) = d {
                if m.is_survivor_b(x) {
                    break;
                }
                d = Retention::idom(&analysis, x);
            }
            assert_eq!(h.survivor_dominator[v as usize], d.unwrap_or(matching::NONE), "node {v}");
        }
    }
}

#[test]
fn with_real_dominators_a_diamond_under_a_survivor_is_charged_to_it() {
    // D (survivor) -> Y1, Y2 (new) -> X (new): only D dominates X
    let objs_a: &[Obj] = &[(1, MODS, 100, &[(3, "['d']")]), (3, "builtins.dict", 64, &[])];
    let objs_b: &[Obj] = &[
        (1, MODS, 100, &[(3, "['d']")]),
        (3, "builtins.dict", 64, &[(10, "['y1']"), (11, "['y2']")]),
        (10, "app.Y", 48, &[(12, ".x")]),
        (11, "app.Y", 48, &[(12, ".x")]),
        (12, "app.X", 4000, &[]),
    ];
    let (a, b) = (draw(objs_a, &[]), draw(objs_b, &[]));
    let (ra, rb) = (crate::algo::Analysis::new(&a), crate::algo::Analysis::new(&b));
    let d = diff(&a, &b, &ra, &rb, Options::default());
    assert_eq!(d.suspects.len(), 1, "{:?}", d.suspects);
    assert_eq!((d.suspects[0].objects, d.suspects[0].bytes), (3, 4096));
    assert_eq!(d.suspects[0].samples, vec!["['y1']", "['y2']"]);
}
