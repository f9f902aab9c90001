//! `heapdiff cycles`: reference cycles grouped by the types they are made of.
//!
//! A cycle (shared/DESIGN.md) is a strongly connected component of more than one object, or an
//! object that refers to itself. Cycles with the same *signature* (their distinct type names,
//! sorted: `app.Node <-> builtins.dict <-> builtins.list`) usually come from one line of code, so
//! they are reported together: how many, how big, how many are cyclic garbage (no root reaches
//! them; only the cycle collector frees them) and how many hold objects with finalizers (`__del__`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::ops::Deref;

use serde::Serialize;

use crate::algo::Analysis;
use crate::graph::Graph;
use crate::inspect::PathOut;
use crate::report::{format_count, format_size, table};

#[derive(Debug, Clone, Serialize)]
pub struct CycleReport {
    pub file: String,
    /// Every cycle in the snapshot.
    pub cycles: u64,
    pub objects: u64,
    pub shallow_size: u64,
    pub garbage_cycles: u64,
    pub garbage_objects: u64,
    /// Retained size of the cycles that are garbage: what a `gc.collect()` would free.
    pub garbage_size: u64,
    /// Distinct signatures (rows below may be cut by `--top`).
    pub group_count: u64,
    pub groups: Vec<CycleGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CycleGroup {
    /// The sorted distinct type names joined by ` <-> `.
    pub signature: String,
    pub types: Vec<String>,
    pub cycles: u64,
    pub objects: u64,
    pub shallow_size: u64,
    /// Sum over the cycles of what freeing each would free.
    pub retained_size: u64,
    pub garbage_cycles: u64,
    /// Retained size of the group's garbage cycles.
    pub garbage_size: u64,
    /// Cycles holding an object whose type defines `__del__`.
    pub finalizer_cycles: u64,
    pub finalizer_types: Vec<String>,
    /// The group's largest cycle: its size and the path to its first object.
    pub example_objects: u64,
    pub example: PathOut,
}

/// Groups every cycle of the snapshot by signature, keeping the `top` largest groups (all when 0),
/// sorted by (retained size desc, signature).
pub fn cycles<G: Deref<Target = Graph>>(a: &Analysis<G>, top: usize) -> CycleReport {
    let g = a.graph();
    let all = a.cycles();
    let mut groups: BTreeMap<String, CycleGroup> = BTreeMap::new();
    let mut finalizers: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for c in &all {
        let types = c.type_names(g);
        let signature = crate::algo::cycle_signature(&types);
        // `all` is sorted largest first, so the first cycle of a group is its example.
        let group = groups.entry(signature.clone()).or_insert_with(|| CycleGroup {
            signature: signature.clone(),
            types: types.iter().map(|t| t.to_string()).collect(),
            cycles: 0,
            objects: 0,
            shallow_size: 0,
            retained_size: 0,
            garbage_cycles: 0,
            garbage_size: 0,
            finalizer_cycles: 0,
            finalizer_types: Vec::new(),
            example_objects: c.objects.len() as u64,
            example: PathOut::new(g, a.path(c.objects[0])),
        });
        group.cycles += 1;
        group.objects += c.objects.len() as u64;
        group.shallow_size += c.shallow_size;
        group.retained_size += c.retained_size;
        if c.garbage {
            group.garbage_cycles += 1;
            group.garbage_size += c.retained_size;
        }
        if c.finalizer {
            group.finalizer_cycles += 1;
            let names = finalizers.entry(signature).or_default();
            names.extend(c.objects.iter().filter(|&&v| g.types[g.type_index(v) as usize].finalizer).map(|&v| g.type_name(v)));
        }
    }
    let mut list: Vec<CycleGroup> = groups
        .into_values()
        .map(|mut grp| {
            if let Some(names) = finalizers.get(&grp.signature) {
                grp.finalizer_types = names.iter().map(|t| t.to_string()).collect();
            }
            grp
        })
        .collect();
    list.sort_by(|a, b| b.retained_size.cmp(&a.retained_size).then_with(|| a.signature.cmp(&b.signature)));
    let group_count = list.len() as u64;
    if top > 0 {
        list.truncate(top);
    }
    let garbage: Vec<_> = all.iter().filter(|c| c.garbage).collect();
    CycleReport {
        file: g.path().display().to_string(),
        cycles: all.len() as u64,
        objects: all.iter().map(|c| c.objects.len() as u64).sum(),
        shallow_size: all.iter().map(|c| c.shallow_size).sum(),
        garbage_cycles: garbage.len() as u64,
        garbage_objects: garbage.iter().map(|c| c.objects.len() as u64).sum(),
        garbage_size: garbage.iter().map(|c| c.retained_size).sum(),
        group_count,
        groups: list,
    }
}

pub fn write_text(w: &mut dyn Write, r: &CycleReport) -> std::io::Result<()> {
    writeln!(
        w,
        "cycles: {} ({} objects, {}); cyclic garbage: {} cycles ({} objects, {} would be freed by gc.collect())",
        format_count(r.cycles),
        format_count(r.objects),
        format_size(r.shallow_size),
        format_count(r.garbage_cycles),
        format_count(r.garbage_objects),
        format_size(r.garbage_size),
    )?;
    if r.groups.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    let rows = r
        .groups
        .iter()
        .map(|c| {
            vec![
                format_count(c.cycles),
                format_count(c.objects),
                format_size(c.shallow_size),
                format_size(c.retained_size),
                format_count(c.garbage_cycles),
                if c.finalizer_cycles == 0 { "-".into() } else { format_count(c.finalizer_cycles) },
                short_signature(c),
            ]
        })
        .collect();
    let headers = ["cycles", "objects", "shallow", "retained", "garbage", "__del__", "types"];
    writeln!(w, "{}", table::render(&headers, rows, &[0, 1, 2, 3, 4, 5]))?;
    if (r.groups.len() as u64) < r.group_count {
        writeln!(w, "({} more kinds of cycles; --top N shows more)", r.group_count - r.groups.len() as u64)?;
    }
    writeln!(w)?;
    writeln!(w, "largest of each kind:")?;
    for c in &r.groups {
        writeln!(w, "  {} ({} objects): {}", short_signature(c), format_count(c.example_objects), c.example.text)?;
        if !c.finalizer_types.is_empty() {
            writeln!(w, "    with __del__: {}", c.finalizer_types.join(", "))?;
        }
    }
    Ok(())
}

/// The signature, cut after a few types when long (the JSON keeps them all).
fn short_signature(c: &CycleGroup) -> String {
    const SHOWN: usize = 6;
    if c.types.len() <= SHOWN {
        return c.signature.clone();
    }
    format!("{} <-> ... ({} types)", c.types[..SHOWN].join(" <-> "), c.types.len())
}
