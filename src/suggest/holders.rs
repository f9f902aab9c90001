//! Rules about who holds memory longer than needed: `cycles` (cyclic garbage, freed only by the
//! cycle collector) and `frame-locals` (large objects held only by a running function's local).

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{Cx, Suggestion};
use crate::graph::{Graph, Node};
use crate::report::{format_count, format_size};

/// Cycles of one group looked at to find the back-reference (the rest are alike).
const SAMPLE_CYCLES: usize = 1000;

/// `cycles`: groups of cyclic garbage with the same types. Saving: their retained size, which
/// waits for the cycle collector; with the back-reference weak, reference counting frees them the
/// moment the last outside reference goes. The back-reference is guessed per cycle: the edge into
/// the member most other members refer to (the parent children point back to), preferring an
/// attribute edge from an instance of a class over container items.
pub fn cycles<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    struct Group {
        cycles: Vec<Vec<Node>>,
        size: u64,
        objects: u64,
        finalizer: u64,
        back: BTreeMap<(String, String, String), u64>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for c in cx.a.cycles() {
        if !c.garbage {
            continue;
        }
        let types = c.type_names(g);
        // A class is a cycle by nature (its `__mro__` names it, its methods' globals hold it):
        // dead classes are not something a weak reference fixes.
        if types.contains(&"builtins.type") {
            continue;
        }
        let grp = groups.entry(crate::algo::cycle_signature(&types)).or_insert(Group {
            cycles: Vec::new(),
            size: 0,
            objects: 0,
            finalizer: 0,
            back: BTreeMap::new(),
        });
        grp.size += c.retained_size;
        grp.objects += c.objects.len() as u64;
        grp.finalizer += c.finalizer as u64;
        if grp.cycles.len() < SAMPLE_CYCLES {
            if let Some(edge) = back_reference(g, &c.objects) {
                *grp.back.entry(edge).or_default() += 1;
            }
        }
        grp.cycles.push(c.objects);
    }
    let gc_off = g.header.gc.get("enabled").and_then(|e| e.as_bool()) == Some(false);
    let mut out = Vec::new();
    for (signature, grp) in groups {
        let count = grp.cycles.len() as u64;
        let mut s = Suggestion::new("cycles", &signature, grp.size, 0);
        s.count = count;
        let back = grp.back.iter().max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone()))).map(|(k, _)| k.clone());
        let (holder, label, target) = back.clone().unwrap_or_default();
        let short = |t: &str| t.rsplit('.').next().unwrap_or(t).to_string();
        s.title = match &back {
            Some(_) if label.starts_with('.') => {
                format!("make `{}{label}` (to `{}`) a weak reference: {} garbage cycles", short(&holder), short(&target), format_count(count))
            }
            _ => format!("break the reference cycles of {signature}: {} garbage cycles", format_count(count)),
        };
        s.example = cx.example(grp.cycles[0][0]);
        s.evidence = format!(
            "{} cycles ({} objects, {} retained) that no root reaches wait for the cycle collector{}{}",
            format_count(count),
            format_count(grp.objects),
            format_size(grp.size),
            if grp.finalizer > 0 { format!("; {} of them hold objects with `__del__`", format_count(grp.finalizer)) } else { String::new() },
            if gc_off { "; the collector is disabled in this process, so they are never freed" } else { "" },
        );
        let attr = if label.starts_with('.') { label.trim_start_matches('.').to_string() } else { "parent".to_string() };
        s.hint = vec![
            "import weakref".to_string(),
            format!("self.{attr} = weakref.ref({attr})        # read it as self.{attr}()"),
            format!("# or break the cycle when done with it: obj.{attr} = None"),
            "# long-lived objects made at start-up: gc.freeze() after start-up keeps the collector off them".to_string(),
        ];
        s.assumptions = vec![
            "the saving is the garbage's retained size: memory held until the next collection, freed at once without the cycle".to_string(),
        ];
        if back.is_none() || !label.starts_with('.') {
            s.assumptions.push("no attribute edge found to name as the back-reference".to_string());
        }
        s.objects = grp.cycles.into_iter().flatten().collect();
        out.push(s);
    }
    out
}

/// `(holder type, label, target type)` of the guessed back-reference of one cycle (sorted members):
/// of the edges inside the cycle, an attribute edge (`.parent`) from an instance of a class to an
/// instance of a class, into the member the most other members refer to.
fn back_reference(g: &Graph, members: &[Node]) -> Option<(String, String, String)> {
    let inside = |v: Node| members.binary_search(&v).ok();
    let mut in_degree = vec![0u32; members.len()];
    for &u in members {
        for &t in g.successors(u) {
            if let Some(i) = inside(t).filter(|_| t != u) {
                in_degree[i] += 1;
            }
        }
    }
    let user = |v: Node| !g.type_name(v).starts_with("builtins.");
    type Key = (bool, bool, bool, u32, std::cmp::Reverse<(Node, u32)>);
    let mut best: Option<(Key, Node, u32, Node)> = None;
    for &u in members {
        for (t, l) in g.edges(u) {
            let Some(i) = inside(t).filter(|_| t != u) else { continue };
            let key = (g.label(l).starts_with('.'), user(u), user(t), in_degree[i], std::cmp::Reverse((u, l)));
            if best.as_ref().is_none_or(|(b, ..)| key > *b) {
                best = Some((key, u, l, t));
            }
        }
    }
    let (_, u, l, t) = best?;
    Some((g.type_name(u).to_string(), g.label(l).to_string(), g.type_name(t).to_string()))
}

/// `frame-locals`: objects that a frame's local variable (`local 'x'`) holds and nothing else:
/// the frame dominates them. Saving: their retained size, freed by `del x` once it is used.
pub fn frame_locals<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let mut out = Vec::new();
    for f in g.nodes() {
        if g.type_name(f) != "builtins.frame" {
            continue;
        }
        for (v, l) in g.edges(f) {
            let label = g.label(l);
            let Some(name) = label.strip_prefix("local '").and_then(|n| n.strip_suffix('\'')) else { continue };
            if cx.a.idom(v) != Some(f) || cx.a.retained_size(v) < cx.options.min_saving.max(1) {
                continue;
            }
            let size = cx.a.retained_size(v);
            let func = g.name(f).unwrap_or("?").to_string();
            let mut s = Suggestion::new("frame-locals", g.type_name(v), size, 0);
            s.count = 1;
            s.title = format!("`del {name}` in `{func}` once it is used");
            s.example = cx.example(v);
            s.evidence = format!(
                "the local `{name}` of `{func}` is the only thing holding a {} ({} objects, {} retained)",
                g.type_name(v),
                format_count(cx.a.retained_count(v)),
                format_size(size)
            );
            s.hint = vec![
                format!("result = use({name})"),
                format!("del {name}                 # before the long-running part of {func}"),
                "# or move the work that needs it into a function of its own".to_string(),
            ];
            s.assumptions =
                vec![format!("freed only if `{name}` is not needed for the rest of `{func}`")];
            s.objects = vec![v];
            out.push(s);
        }
    }
    out
}
