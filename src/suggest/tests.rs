//! The estimate arithmetic of each rule on hand-drawn graphs.

use super::*;
use crate::graph::GraphBuilder;
use crate::snapshot::{Extra, RootKind};

const DICT: u64 = 1;
const LIST: u64 = 2;
const FLOAT: u64 = 3;
const INT: u64 = 4;
const STR: u64 = 5;
const POINT: u64 = 6;
const TUPLE: u64 = 7;
const FRAME: u64 = 8;
const ARRAY: u64 = 9;
const NODE: u64 = 10;

/// A builder with CPython 3.11 x86-64 sizes in the header and named types.
fn builder() -> GraphBuilder {
    let mut b = GraphBuilder::new();
    b.header.python = "3.11.7".into();
    b.header.pointer_size = 8;
    for (k, v) in [
        ("object", 16),
        ("gc_header", 16),
        ("ptr", 8),
        ("list_empty", 56),
        ("tuple_empty", 40),
        ("dict_empty", 64),
        ("float", 24),
        ("int_small", 28),
    ] {
        b.header.layout.insert(k.into(), v);
    }
    for (t, n) in [
        (DICT, "builtins.dict"),
        (LIST, "builtins.list"),
        (FLOAT, "builtins.float"),
        (INT, "builtins.int"),
        (STR, "builtins.str"),
        (POINT, "app.Point"),
        (TUPLE, "builtins.tuple"),
        (FRAME, "builtins.frame"),
        (ARRAY, "numpy.ndarray"),
        (NODE, "app.Node"),
    ] {
        b.name_type(t, n);
    }
    b
}

/// A `sys.modules`-like root dict (id 100) whose value `['data']` is the object `data`.
fn root_holding(b: &mut GraphBuilder, data: u64) {
    b.add_object(100, DICT, 1000);
    b.add_ref(data, "['data']");
    b.add_root(100, RootKind::Modules, "sys.modules");
}

fn run(b: GraphBuilder) -> Vec<Suggestion> {
    let g = b.build().expect("graph");
    suggest(&Analysis::new(&g), &Options { min_saving: 0, top: 0 })
}

fn rule<'a>(all: &'a [Suggestion], name: &str) -> Vec<&'a Suggestion> {
    all.iter().filter(|s| s.rule == name).collect()
}

/// GIVEN `count` app.Point instances with inline values (56 B + 48 B) and attributes x, y, z
/// pointing at one shared int, held by a list.
fn points(count: u64) -> GraphBuilder {
    let mut b = builder();
    root_holding(&mut b, 200);
    b.add_object(200, LIST, 56 + 8 * count);
    for i in 0..count {
        b.add_ref(1000 + i, "");
    }
    for i in 0..count {
        let n = b.add_object(1000 + i, POINT, 56);
        for l in [".x", ".y", ".z"] {
            b.add_ref(300, l);
        }
        b.set_extra(n, Extra { a: Some("inline".into()), i: Some(48), ..Default::default() });
    }
    b.add_object(300, INT, 28);
    b
}

#[test]
fn slots_saving_is_inline_storage_minus_one_pointer_per_attribute() {
    let all = run(points(200));
    let s = rule(&all, "slots");
    assert_eq!(s.len(), 1);
    // now 200 x (56 + 48); with slots 200 x (16 gc + 16 object + 3 x 8)
    assert_eq!((s[0].current_size, s[0].estimated_size, s[0].saving), (200 * 104, 200 * 56, 200 * 48));
    assert_eq!(s[0].count, 200);
    assert_eq!(s[0].type_name, "app.Point");
    assert!(s[0].hint.iter().any(|l| l.contains("__slots__ = (\"x\", \"y\", \"z\",)")));
}

#[test]
fn slots_counts_an_owned_dict_and_ignores_a_few_instances() {
    assert!(rule(&run(points(MIN_INSTANCES - 1)), "slots").is_empty());

    // GIVEN 100 instances (48 B) each owning a 184 B dict with keys a, b
    let mut b = builder();
    root_holding(&mut b, 200);
    b.add_object(200, LIST, 56 + 800);
    for i in 0..100 {
        b.add_ref(1000 + i, "");
    }
    for i in 0..100 {
        let n = b.add_object(1000 + i, NODE, 48);
        b.add_ref(5000 + i, ".__dict__");
        b.set_extra(n, Extra { a: Some("dict".into()), ..Default::default() });
        b.add_object(5000 + i, DICT, 184);
        for k in ["a", "b"] {
            b.add_ref(300, "<key>");
            b.add_ref(301, &format!("['{k}']"));
        }
    }
    b.add_object(300, STR, 50);
    b.add_object(301, INT, 28);
    let all = run(b);
    let s = rule(&all, "slots");
    assert_eq!((s[0].current_size, s[0].estimated_size), (100 * (48 + 184), 100 * (32 + 16)));
    // an attribute dict is the slots rule's, not a record in disguise
    assert!(rule(&all, "dict-of-same-keys").is_empty());
}

#[test]
fn dicts_with_one_key_set_are_priced_as_slots_instances() {
    let mut b = builder();
    root_holding(&mut b, 200);
    b.add_object(200, LIST, 56 + 8 * 150);
    for i in 0..150 {
        b.add_ref(1000 + i, "");
    }
    for i in 0..150 {
        b.add_object(1000 + i, DICT, 184);
        // half the dicts list the keys in the other order: the same key set
        let keys = if i % 2 == 0 { ["x", "y", "name"] } else { ["name", "y", "x"] };
        for k in keys {
            b.add_ref(300, "<key>");
            b.add_ref(301, &format!("['{k}']"));
        }
    }
    b.add_object(300, STR, 50);
    b.add_object(301, INT, 28);
    let all = run(b);
    let s = rule(&all, "dict-of-same-keys");
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].current_size, s[0].estimated_size, s[0].count), (150 * 184, 150 * (32 + 24), 150));
    assert!(s[0].title.contains("'x', 'y', 'name'"));
}

/// GIVEN a list of `n` items of `item_type` and `item_size` each, item 0 shared with the root.
fn number_list(n: u64, item_type: u64, item_size: u64) -> GraphBuilder {
    let mut b = builder();
    b.add_object(100, DICT, 1000);
    b.add_ref(200, "['data']");
    b.add_ref(1000, "['first']");
    b.add_root(100, RootKind::Modules, "sys.modules");
    b.add_object(200, LIST, 56 + 8 * n);
    for i in 0..n {
        b.add_ref(1000 + i, "");
    }
    for i in 0..n {
        b.add_object(1000 + i, item_type, item_size);
    }
    b
}

#[test]
fn array_counts_the_boxed_numbers_only_the_list_holds() {
    let all = run(number_list(1000, FLOAT, 24));
    let s = rule(&all, "array");
    assert_eq!(s.len(), 1);
    // the list (56 + 8000) and 999 floats of its own (item 0 is shared) vs array('d'): 80 + 8 x 1000
    assert_eq!((s[0].current_size, s[0].estimated_size), (8056 + 999 * 24, 80 + 8000));
    assert!(s[0].title.contains("array.array('d')"));
}

#[test]
fn array_picks_the_item_size_from_the_ints_sizes() {
    let small = run(number_list(1000, INT, 28));
    assert_eq!(rule(&small, "array")[0].estimated_size, 80 + 4 * 1000);
    let large = run(number_list(1000, INT, 32));
    assert_eq!(rule(&large, "array")[0].estimated_size, 80 + 8 * 1000);
    assert!(rule(&run(number_list(1000, INT, 36)), "array").is_empty(), "ints of 2**60 and more do not fit");
    assert!(rule(&run(number_list(999, FLOAT, 24)), "array").is_empty(), "too short");
}

#[test]
fn array_leaves_mixed_lists_alone() {
    let mut b = number_list(1000, FLOAT, 24);
    // AND a list of one str and 999 floats of its own, held by an unreferenced root
    b.add_object(6000, LIST, 56 + 8 * 1000);
    b.add_ref(5000, "");
    for i in 1..1000 {
        b.add_ref(9000 + i, "");
    }
    b.add_object(5000, STR, 50);
    for i in 1..1000 {
        b.add_object(9000 + i, FLOAT, 24);
    }
    let g = b.build().expect("graph");
    let all = suggest(&Analysis::new(&g), &Options { min_saving: 0, top: 0 });
    let s = rule(&all, "array");
    assert_eq!(s.len(), 1, "only the list of floats");
    assert_eq!(s[0].objects, vec![g.node_by_id(200).expect("list")]);
}

#[test]
fn array_saves_nothing_for_numbers_that_others_hold_too() {
    let mut b = number_list(1000, FLOAT, 24);
    // a second list holds the same floats: freeing the first frees only itself
    b.add_object(6000, LIST, 56 + 8 * 1000);
    for i in 0..1000 {
        b.add_ref(1000 + i, "");
    }
    assert!(rule(&run(b), "array").is_empty());
}

#[test]
fn overallocated_counts_spare_slots_from_getsizeof() {
    let mut b = builder();
    root_holding(&mut b, 200);
    b.add_object(200, LIST, 56 + 8 * 20);
    for i in 0..20 {
        b.add_ref(1000 + i, "");
    }
    for i in 0..10 {
        // one item in room for 4: 3 spare
        b.add_object(1000 + i, LIST, 56 + 8 * 4);
        b.add_ref(300, "");
    }
    for i in 10..20 {
        // 8 items in room for 9: ordinary growth, not suggested
        b.add_object(1000 + i, LIST, 56 + 8 * 9);
        for _ in 0..8 {
            b.add_ref(300, "");
        }
    }
    b.add_object(300, INT, 28);
    let all = run(b);
    let s = rule(&all, "overallocated");
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].count, s[0].saving, s[0].current_size), (10, 10 * 3 * 8, 10 * 88));
    assert!(s[0].title.contains("items of `builtins.list`"));
}

#[test]
fn intern_saves_every_copy_but_one() {
    let mut b = builder();
    root_holding(&mut b, 200);
    b.add_object(200, LIST, 56 + 8 * 7);
    for i in 0..7 {
        b.add_ref(1000 + i, "");
    }
    for i in 0..7 {
        let n = b.add_object(1000 + i, STR, 60);
        // five copies of one value, one other value, one of the same hash but another length
        let (h, l) = match i {
            0..=4 => (42, 11),
            5 => (43, 11),
            _ => (42, 12),
        };
        b.set_extra(n, Extra { h: Some(h), l: Some(l), ..Default::default() });
    }
    let all = run(b);
    let s = rule(&all, "intern");
    assert_eq!((s[0].count, s[0].saving, s[0].current_size), (4, 4 * 60, 5 * 60));
}

#[test]
fn float32_halves_the_data_of_large_float64_arrays_it_owns() {
    let mut b = builder();
    b.add_object(100, DICT, 1000);
    b.add_ref(200, "['signal']");
    b.add_ref(201, "['view']");
    b.add_ref(202, "['small']");
    b.add_root(100, RootKind::Modules, "sys.modules");
    let arr = |dt: &str, sh: Vec<u64>, own| Extra { dt: Some(dt.into()), sh: Some(sh), own: Some(own), ..Default::default() };
    let n = b.add_object(200, ARRAY, 112 + 8_000_000);
    b.set_extra(n, arr("float64", vec![1000, 1000], true));
    let n = b.add_object(201, ARRAY, 112);
    b.set_extra(n, arr("float64", vec![1000, 1000], false));
    let n = b.add_object(202, ARRAY, 112 + 800);
    b.set_extra(n, arr("float64", vec![100], true));
    let all = run(b);
    let s = rule(&all, "float32");
    assert_eq!(s.len(), 1, "the view and the small array are left out");
    assert_eq!((s[0].current_size, s[0].saving), (8_000_000, 4_000_000));
}

#[test]
fn cycles_price_garbage_and_name_the_attribute_back_to_the_parent() {
    // GIVEN parent (60) -.children-> list (88) -> child (60) -.parent-> parent, no root reaching them
    let mut b = builder();
    root_holding(&mut b, 300);
    b.add_object(300, INT, 28);
    b.add_object(1000, POINT, 60);
    b.add_ref(1001, ".children");
    b.add_object(1001, LIST, 88);
    b.add_ref(1002, "");
    b.add_object(1002, NODE, 60);
    b.add_ref(1000, ".parent");
    let all = run(b);
    let s = rule(&all, "cycles");
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].count, s[0].saving), (1, 208));
    assert!(s[0].title.contains("`Node.parent`"), "{}", s[0].title);
}

#[test]
fn frame_locals_price_what_only_the_local_holds() {
    let mut b = builder();
    b.add_object(100, FRAME, 400);
    b.add_ref(200, "local 'table'");
    b.add_ref(300, "local 'shared'");
    b.set_extra(0, Extra { n: Some("report()".into()), ..Default::default() });
    b.add_root(100, RootKind::Frame, "<thread MainThread> frame report()");
    b.add_object(101, DICT, 1000);
    b.add_ref(300, "['shared']");
    b.add_root(101, RootKind::Modules, "sys.modules");
    b.add_object(200, DICT, 5000);
    b.add_ref(201, "");
    b.add_object(201, STR, 100);
    b.add_object(300, DICT, 7000);
    let all = run(b);
    let s = rule(&all, "frame-locals");
    assert_eq!(s.len(), 1, "the dict a module also holds is left out");
    assert_eq!(s[0].saving, 5100);
    assert_eq!(s[0].title, "`del table` in `report()` once it is used");
}

#[test]
fn suggestions_are_ranked_by_saving_and_cut_by_min_and_top() {
    let mut b = points(200);
    // plus a list of 1000 floats, held by the point list's root dict? no: its own root
    b.add_object(7000, LIST, 56 + 8 * 1000);
    for i in 0..1000 {
        b.add_ref(8000 + i, "");
    }
    for i in 0..1000 {
        b.add_object(8000 + i, FLOAT, 24);
    }
    let g = b.build().expect("graph");
    let a = Analysis::new(&g);
    let all = suggest(&a, &Options { min_saving: 0, top: 0 });
    let savings: Vec<u64> = all.iter().map(|s| s.saving).collect();
    assert!(savings.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(all[0].rule, "array");
    assert_eq!(suggest(&a, &Options { min_saving: 0, top: 1 }).len(), 1);
    assert!(suggest(&a, &Options { min_saving: 1 << 20, top: 0 }).is_empty());
}

#[test]
fn layout_falls_back_and_says_so_when_the_header_lacks_it() {
    let mut b = GraphBuilder::new();
    b.add_object(1, 2, 16);
    let g = b.build().expect("graph");
    let l = Layout::from_graph(&g);
    assert_eq!((l.pointer_size, l.gc_header, l.list_empty), (8, 16, 56));
    assert!(l.assumed.contains(&"gc_header".to_string()) && l.assumed.contains(&"pointer_size".to_string()));
    assert!(l.describe().contains("not in the header"));

    let g = points(1).build().expect("graph");
    let l = Layout::from_graph(&g);
    assert!(l.assumed.is_empty());
    assert_eq!(l.version(), Some((3, 11)));
    assert_eq!(l.slots_instance(3), 56);
}

#[test]
fn growth_keeps_the_suggestions_on_new_objects_with_their_share() {
    let g = points(200).build().expect("graph");
    let a = Analysis::new(&g);
    let mut grew = crate::algo::deep::BitSet::new(g.node_count());
    // the last 100 points are new
    for i in 100..200 {
        grew.insert(g.node_by_id(1000 + i).expect("point"));
    }
    let found = growth::for_growth(&a, &grew, &Options { min_saving: 0, top: 0 });
    assert_eq!(found.len(), 1);
    let s = &found[0];
    assert_eq!((s.suggestion.rule, s.grown_objects, s.grown_saving), ("slots", 100, 100 * 48));
    assert!((s.grown_share - 0.5).abs() < 1e-9);
    let none = crate::algo::deep::BitSet::new(g.node_count());
    assert!(growth::for_growth(&a, &none, &Options { min_saving: 0, top: 0 }).is_empty());
}
