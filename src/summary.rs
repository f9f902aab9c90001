//! `heapdiff summary`: what fills the heap, per type.
//!
//! A header (process, objects, total shallow size, how much of the RSS the snapshot accounts for)
//! then one row per type sorted by total shallow size. Types are grouped by type object; two classes
//! that share a name stay apart (their rows carry the same name).

use std::io::Write;

use serde::Serialize;

use crate::graph::Graph;
use crate::report::{format_count, format_size, native_cpu, native_text, percent, table};

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub file: String,
    pub python: String,
    pub pid: u64,
    pub time: String,
    pub objects: u64,
    pub edges: u64,
    /// Total shallow size of every object (native cpu buffers included).
    pub total_size: u64,
    /// Native bytes per device (`cpu`, `cuda:0`, `file`); empty when the snapshot has none.
    pub native: Vec<DeviceBytes>,
    pub rss: Option<u64>,
    /// `total_size / rss`: how much of the process's resident memory the snapshot explains.
    pub rss_accounted: Option<f64>,
    /// Refs to objects that were not in the snapshot (the heap changed while it was walked).
    pub dangling_refs: u64,
    /// Distinct types in the snapshot (rows below may be cut by `--top`).
    pub type_count: u64,
    pub types: Vec<TypeRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceBytes {
    pub device: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeRow {
    pub name: String,
    pub count: u64,
    /// Total shallow size of the type's instances.
    pub total_size: u64,
    pub average_size: u64,
    /// Share of the heap's total shallow size, 0..=1.
    pub share: f64,
    /// Retained size of the type (instances not dominated by another instance of it), when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retained_size: Option<u64>,
}

/// Summarizes `g`, keeping the `top` largest types (all when `top` is 0).
/// `retained_by_type`, when given, is indexed by type index.
pub fn summarize(g: &Graph, top: usize, retained_by_type: Option<&[u64]>) -> Summary {
    let mut count = vec![0u64; g.types.len()];
    let mut total = vec![0u64; g.types.len()];
    for n in g.nodes() {
        let t = g.type_index(n) as usize;
        count[t] += 1;
        total[t] += g.shallow_size(n);
    }
    let heap: u64 = total.iter().sum();
    let mut order: Vec<usize> = (0..g.types.len()).filter(|&t| count[t] > 0).collect();
    order.sort_by(|&a, &b| total[b].cmp(&total[a]).then_with(|| g.types[a].name.cmp(&g.types[b].name)).then(a.cmp(&b)));
    let type_count = order.len() as u64;
    if top > 0 {
        order.truncate(top);
    }
    let types = order
        .into_iter()
        .map(|t| TypeRow {
            name: g.types[t].name.clone(),
            count: count[t],
            total_size: total[t],
            average_size: total[t] / count[t].max(1),
            share: if heap == 0 { 0.0 } else { total[t] as f64 / heap as f64 },
            retained_size: retained_by_type.map(|r| r[t]),
        })
        .collect();
    let rss = g.header.rss.filter(|&r| r > 0);
    Summary {
        file: g.path().display().to_string(),
        python: format!("{} {}", g.header.implementation, g.header.python).trim().to_string(),
        pid: g.header.pid,
        time: g.header.time_iso.clone(),
        objects: g.node_count() as u64,
        edges: g.edge_count() as u64,
        total_size: heap,
        native: g.native_by_device().into_iter().map(|(device, bytes)| DeviceBytes { device, bytes }).collect(),
        rss,
        rss_accounted: rss.map(|r| heap as f64 / r as f64),
        dangling_refs: g.dangling_refs,
        type_count,
        types,
    }
}

pub fn write_text(w: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    let cpu = native_cpu(&s.native);
    if cpu > 0 {
        writeln!(
            w,
            "{}: {} objects, {} edges, {}: {} in Python objects + {} in native buffers they own",
            s.file,
            format_count(s.objects),
            format_count(s.edges),
            format_size(s.total_size),
            format_size(s.total_size.saturating_sub(cpu)),
            format_size(cpu)
        )?;
    } else {
        writeln!(w, "{}: {} objects, {} edges, {} in Python objects", s.file, format_count(s.objects), format_count(s.edges), format_size(s.total_size))?;
    }
    writeln!(w, "process: {} pid {} at {}", s.python, s.pid, if s.time.is_empty() { "?" } else { &s.time })?;
    if let Some(rss) = s.rss {
        writeln!(w, "rss: {}, of which the snapshot accounts for {} ({})", format_size(rss), format_size(s.total_size), percent(s.total_size, rss))?;
    }
    if !s.native.is_empty() {
        let apart: Vec<_> = s.native.iter().filter(|d| d.device != "cpu").cloned().collect();
        if apart.is_empty() {
            writeln!(w, "native buffers: {}", native_text(&s.native))?;
        } else {
            // device memory and memory-mapped files are not the process heap: shown apart, never in the total
            writeln!(w, "native buffers: {}; not in the total: {}", if cpu > 0 { format!("cpu {}", format_size(cpu)) } else { "cpu 0 B".into() }, native_text(&apart))?;
        }
    }
    if s.dangling_refs > 0 {
        writeln!(w, "note: {} refs point to objects that were freed while the snapshot was taken", format_count(s.dangling_refs))?;
    }
    writeln!(w)?;
    let with_retained = s.types.iter().any(|r| r.retained_size.is_some());
    let mut headers = vec!["type", "count", "total", "average", "share"];
    if with_retained {
        headers.push("retained");
    }
    let rows = s
        .types
        .iter()
        .map(|r| {
            let mut row = vec![
                r.name.clone(),
                format_count(r.count),
                format_size(r.total_size),
                format_size(r.average_size),
                format!("{:.1}%", r.share * 100.0),
            ];
            if with_retained {
                row.push(r.retained_size.map(format_size).unwrap_or_default());
            }
            row
        })
        .collect();
    let right: Vec<usize> = (1..headers.len()).collect();
    writeln!(w, "{}", table::render(&headers, rows, &right))?;
    if (s.types.len() as u64) < s.type_count {
        writeln!(w, "({} more types; --top N shows more)", s.type_count - s.types.len() as u64)?;
    }
    Ok(())
}
