//! `top`, `paths`, `cycles` and `show` on a small hand-drawn Python heap, and through the binary.

use assert_cmd::Command;
use heapdiff::algo::{Analysis, PathStart};
use heapdiff::graph::{Graph, GraphBuilder, Node};
use heapdiff::snapshot::{Extra, RootKind};

// sys.modules ──['app']──▶ module app ──.__dict__──▶ globals ──['cache']──▶ list ──[i]──▶ Node ×10
//                                                    │  ▲  ╲──['Node']──▶ class Node ──.__dict__──▶ class dict
//                                                    │  └──.__globals__── function f ◀──['f']──────────┘
//                                                    └──['root']──▶ p ──.children──▶ list ──[0]──▶ c ──.parent──▶ p
// and, held by nothing: g1 ──.other──▶ g2 ──.other──▶ g1 (cyclic garbage); every Node refers to its class.
const TYPE: u64 = 1;
const DICT: u64 = 2;
const LIST: u64 = 3;
const MODULE: u64 = 4;
const FUNCTION: u64 = 5;
const NODE: u64 = 6;

fn heap() -> Graph {
    let mut b = GraphBuilder::new();
    let named = |b: &mut GraphBuilder, id: u64, ty: u64, size: u64, name: &str| {
        let n = b.add_object(id, ty, size);
        b.set_extra(n, Extra { n: Some(name.into()), ..Default::default() });
    };
    named(&mut b, TYPE, TYPE, 900, "builtins.type");
    named(&mut b, DICT, TYPE, 900, "builtins.dict");
    named(&mut b, LIST, TYPE, 900, "builtins.list");
    named(&mut b, MODULE, TYPE, 900, "builtins.module");
    named(&mut b, FUNCTION, TYPE, 900, "builtins.function");
    named(&mut b, NODE, TYPE, 1000, "app.Node");
    b.add_ref(106, ".__dict__");
    b.add_object(106, DICT, 200);
    b.add_ref(105, "['f']");
    b.add_object(100, DICT, 500);
    b.add_ref(101, "['app']");
    named(&mut b, 101, MODULE, 72, "app");
    b.add_ref(102, ".__dict__");
    b.add_object(102, DICT, 300);
    for (label, to) in [("['cache']", 103), ("['Node']", NODE), ("['f']", 105), ("['root']", 110)] {
        b.add_ref(to, label);
    }
    b.add_object(103, LIST, 136);
    for i in 0..10 {
        b.add_ref(200 + i, "");
    }
    named(&mut b, 105, FUNCTION, 150, "f");
    b.add_ref(102, ".__globals__");
    for i in 0..10 {
        b.add_object(200 + i, NODE, 1000);
        b.add_ref(NODE, "");
    }
    b.add_object(110, NODE, 50);
    b.add_ref(111, ".children");
    b.add_ref(NODE, "");
    b.add_object(111, LIST, 64);
    b.add_ref(112, "");
    b.add_object(112, NODE, 50);
    b.add_ref(110, ".parent");
    b.add_ref(NODE, "");
    b.add_object(120, NODE, 40);
    b.add_ref(121, ".other");
    b.add_ref(NODE, "");
    b.add_object(121, NODE, 40);
    b.add_ref(120, ".other");
    b.add_ref(NODE, "");
    b.add_root(100, RootKind::Modules, "sys.modules");
    b.build().unwrap()
}

fn node(g: &Graph, id: u64) -> Node {
    g.node_by_id(id).unwrap()
}

#[test]
fn top_names_the_cache_not_the_module_that_holds_it() {
    let g = heap();
    let a = Analysis::new(&g);
    let t = heapdiff::top::top(&a, 3);
    assert_eq!(t.holders[0].id, 103);
    assert_eq!(t.holders[0].path, "sys.modules['app'].cache");
    assert_eq!(t.holders[0].retained_size, 136 + 10 * 1000);
    assert_eq!(t.holders[0].retained_objects, 11);
    assert_eq!(t.total_size, g.total_shallow());
    assert_eq!(t.unreachable_objects, 2);
    assert_eq!(t.unreachable_size, 80);
    assert!(t.holders.iter().all(|h| h.id != 100 && h.id != 101 && h.id != 102), "{:?}", t.holders);
}

#[test]
fn paths_read_like_python() {
    let g = heap();
    let a = Analysis::new(&g);
    assert_eq!(a.path(node(&g, 203)).text, "sys.modules['app'].cache[3]");
    assert_eq!(a.path(node(&g, 112)).text, "sys.modules['app'].root.children[0]");
    assert_eq!(a.path(node(&g, NODE)).text, "sys.modules['app'].Node");
    assert_eq!(a.path(node(&g, 121)).text, "<unreachable: cyclic garbage> <app.Node at 0x78>.other");
    assert_eq!(a.path(node(&g, 121)).start, PathStart::Garbage);
    assert_eq!(a.path(node(&g, MODULE)).text, "<unreferenced builtins.type at 0x4>");
    // The class: by the module's globals, then through each other referrer, fewest steps first.
    let paths: Vec<String> = a.paths(node(&g, NODE), 3).into_iter().map(|p| p.text).collect();
    assert_eq!(paths, ["sys.modules['app'].Node", "sys.modules['app'].root.__class__", "sys.modules['app'].cache[0].__class__"]);
}

#[test]
fn cycles_leave_out_the_edge_to_the_class() {
    let g = heap();
    let a = Analysis::new(&g);
    let r = heapdiff::cycles::cycles(&a, 0);
    let sigs: Vec<(&str, u64, u64)> = r.groups.iter().map(|c| (c.signature.as_str(), c.objects, c.garbage_cycles)).collect();
    assert_eq!(
        sigs,
        [
            ("builtins.dict <-> builtins.function <-> builtins.type", 4, 0),
            ("app.Node <-> builtins.list", 3, 0),
            ("app.Node", 2, 1),
        ]
    );
    assert_eq!(r.garbage_cycles, 1);
    assert_eq!(r.garbage_size, 80);
    assert_eq!(r.groups[1].example.text, "sys.modules['app'].root");
}

#[test]
fn retained_by_type_counts_nested_instances_once() {
    let g = heap();
    let a = Analysis::new(&g);
    let node_type = g.type_index(node(&g, 200)) as usize;
    // Ten cache items (1000 each), p with its list and c (50 + 64 + 50), the garbage pair (80).
    assert_eq!(a.retained_by_type()[node_type], 10_000 + 164 + 80);
}

fn snapshot_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("chain.json");
    let text = r#"{"format":"heapdiff","version":1,
"header":{},
"roots":[[1,"modules","sys.modules"]],
"objects":[
[1,9,100,[2,3],[1,2]],
[2,9,50,[]],
[3,9,70,[3]],
[9,9,400,[],[],{"n":"builtins.dict"}]
],
"labels":[
"",
"['a']",
"['b']"
],
"trailer":{"objects":4,"edges":3}}
"#;
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_subcommand_answers_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_file(&dir);
    let snap = snap.to_str().unwrap();
    for args in [
        vec!["top", snap],
        vec!["cycles", snap],
        vec!["paths", snap, "--id", "3"],
        vec!["paths", snap, "--type", "dict"],
        vec!["show", snap, "0x3"],
        vec!["summary", snap],
    ] {
        for json in [false, true] {
            let mut cmd = Command::cargo_bin("heapdiff").unwrap();
            cmd.args(&args);
            if json {
                cmd.arg("--json");
            }
            let out = cmd.assert().success().get_output().stdout.clone();
            if json {
                serde_json::from_slice::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            }
        }
    }
    let out = Command::cargo_bin("heapdiff").unwrap().args(["paths", "--id", "3"]).arg(snap).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("sys.modules['b']"));
}

#[test]
fn an_unknown_id_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_file(&dir);
    Command::cargo_bin("heapdiff")
        .unwrap()
        .args(["show", snap.to_str().unwrap(), "12345"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no object with id `12345`"));
    Command::cargo_bin("heapdiff").unwrap().arg("paths").arg(&snap).assert().code(2);
}
