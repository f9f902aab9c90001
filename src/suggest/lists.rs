//! `overallocated`: lists with far more room than items.
//!
//! A list's capacity is not in the snapshot but follows from its size:
//! `sys.getsizeof(list) = list_empty + pointer_size * capacity`. Appending grows it by about 1/8
//! plus a few slots (`[]` then one `append` has room for 4), and removing items keeps the room until
//! fewer than half are left, so a list built by appends carries up to 3 spare slots when small and
//! 1/8 spare when large. Only lists with at least half again as much room as items
//! (`capacity >= 1.5 * length`, which ordinary appends to a large list never reach), counted in
//! bulk by where they are held, are suggested.

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{Cx, HolderKey, Suggestion};
use crate::graph::{Graph, Node};
use crate::report::format_count;

/// `capacity - length` slots of the list `v` when it is over-allocated as the module doc says.
pub fn spare_slots(g: &Graph, list_empty: u64, pointer_size: u64, v: Node) -> Option<u64> {
    let size = g.getsizeof(v);
    if size < list_empty || pointer_size == 0 {
        return None;
    }
    let capacity = (size - list_empty) / pointer_size;
    let length = g.successors(v).len() as u64;
    (capacity > length && 2 * capacity >= 3 * length).then_some(capacity - length)
}

pub fn overallocated<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let Some(list_t) = cx.type_named("builtins.list") else { return Vec::new() };
    let (empty, ptr) = (cx.layout.list_empty, cx.layout.pointer_size);
    // holder key -> (lists, items, spare slots, bytes now)
    let mut groups: BTreeMap<HolderKey, (Vec<Node>, u64, u64, u64)> = BTreeMap::new();
    for v in g.nodes() {
        if g.type_index(v) != list_t {
            continue;
        }
        let Some(spare) = spare_slots(g, empty, ptr, v) else { continue };
        let grp = groups.entry(cx.holder_key(v)).or_default();
        grp.0.push(v);
        grp.1 += g.successors(v).len() as u64;
        grp.2 += spare;
        grp.3 += g.getsizeof(v);
    }
    let mut out = Vec::new();
    for (key, (nodes, items, spare, current)) in groups {
        let count = nodes.len() as u64;
        let saving = spare * ptr;
        let mut s = Suggestion::new("overallocated", "builtins.list", current, current - saving);
        s.count = count;
        s.title = if count == 1 {
            format!("trim a list with room for {} items that holds {}", format_count(items + spare), format_count(items))
        } else {
            format!("build the {} lists held as {} at their final size", format_count(count), cx.holder_text(key))
        };
        s.example = cx.example(nodes[0]);
        s.evidence = format!(
            "{} list{} hold {} items in room for {} ({} spare slots x {} B)",
            format_count(count),
            if count == 1 { "" } else { "s" },
            format_count(items),
            format_count(items + spare),
            format_count(spare),
            ptr
        );
        s.hint = vec![
            "children = [make(x) for x in xs]      # sized once, instead of [] then .append()".to_string(),
            "node.children = node.children[:]      # or trim a finished list: a copy is exactly sized".to_string(),
            "node.children = tuple(node.children)  # if it no longer changes".to_string(),
        ];
        s.assumptions = vec![format!(
            "capacity = (sys.getsizeof(list) - {empty}) / {ptr}; an exactly sized list has capacity = length"
        )];
        s.objects = nodes;
        out.push(s);
    }
    out
}
