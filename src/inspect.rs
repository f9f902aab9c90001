//! `heapdiff paths` and `heapdiff show`: one object (or the largest instances of a type) up close:
//! sizes, the paths that hold it, what it refers to and who refers to it.

use std::io::Write;
use std::ops::Deref;

use serde::Serialize;

use crate::algo::{edge_text, Analysis, DeepScope, Path, PathStart};
use crate::error::{Error, Result};
use crate::graph::{Graph, Node};
use crate::report::{format_count, format_size};

/// A path as reports print it.
#[derive(Debug, Clone, Serialize)]
pub struct PathOut {
    pub start: PathStart,
    pub text: String,
    /// Python ids of the objects on the path, from the start to the object.
    pub ids: Vec<u64>,
}

impl PathOut {
    pub fn new(g: &Graph, p: Path) -> Self {
        PathOut { start: p.start, text: p.text, ids: p.objects.iter().map(|&n| g.id(n)).collect() }
    }
}

/// Parses an object id as written in reports: decimal (`140234`, JSON) or hex (`0x7f3a2c`, text).
pub fn parse_id(text: &str) -> Result<u64> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| Error::Usage(format!("invalid object id `{text}`: expected a number like `140234` or `0x7f3a2c`")))
}

/// The node of the object with Python id `text`, or a usage error naming the file.
pub fn find_object(g: &Graph, text: &str) -> Result<Node> {
    let id = parse_id(text)?;
    g.node_by_id(id).ok_or_else(|| Error::Usage(format!("no object with id `{text}` in `{}`", g.path().display())))
}

/// Instances of the type named `name`: the full name (`app.models.User`), or the part after the
/// last dot (`User`) when no full name matches.
pub fn instances_of(g: &Graph, name: &str) -> Result<Vec<Node>> {
    let mut types: Vec<bool> = g.types.iter().map(|t| t.name == name).collect();
    if !types.contains(&true) {
        types = g.types.iter().map(|t| t.name.rsplit('.').next() == Some(name)).collect();
    }
    let nodes: Vec<Node> = g.nodes().filter(|&v| types[g.type_index(v) as usize]).collect();
    if nodes.is_empty() {
        return Err(Error::Usage(format!("no instances of a type named `{name}` in `{}`", g.path().display())));
    }
    Ok(nodes)
}

// ---------------------------------------------------------------------------------------------
// paths

#[derive(Debug, Clone, Serialize)]
pub struct PathsReport {
    pub file: String,
    /// With `--type`: how many instances the type has (the objects below are the largest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<u64>,
    pub objects: Vec<ObjectPaths>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectPaths {
    pub id: u64,
    #[serde(rename = "type")]
    pub type_name: String,
    pub shallow_size: u64,
    pub retained_size: u64,
    pub garbage: bool,
    /// Distinct objects that refer to it.
    pub referrers: u64,
    /// The shortest path first, then one through each other referrer.
    pub paths: Vec<PathOut>,
}

/// Paths to `objects` (largest retained first when `top` cuts them), `max_paths` each.
pub fn paths<G: Deref<Target = Graph>>(a: &Analysis<G>, mut objects: Vec<Node>, top: usize, max_paths: usize, by_type: bool) -> PathsReport {
    let g = a.graph();
    let instances = by_type.then_some(objects.len() as u64);
    objects.sort_by_key(|&v| (std::cmp::Reverse(a.retained_size(v)), g.id(v)));
    if top > 0 {
        objects.truncate(top);
    }
    let objects = objects
        .into_iter()
        .map(|v| {
            let mut referrers: Vec<Node> = a.reverse().predecessors(v).to_vec();
            referrers.dedup();
            ObjectPaths {
                id: g.id(v),
                type_name: g.type_name(v).to_string(),
                shallow_size: g.shallow_size(v),
                retained_size: a.retained_size(v),
                garbage: a.is_garbage(v),
                referrers: referrers.len() as u64,
                paths: a.paths(v, max_paths).into_iter().map(|p| PathOut::new(g, p)).collect(),
            }
        })
        .collect();
    PathsReport { file: g.path().display().to_string(), instances, objects }
}

pub fn write_paths_text(w: &mut dyn Write, r: &PathsReport) -> std::io::Result<()> {
    if let (Some(n), Some(first)) = (r.instances, r.objects.first()) {
        writeln!(w, "{} instances of {}; the {} that retain the most:", format_count(n), first.type_name, r.objects.len())?;
        writeln!(w)?;
    }
    for o in &r.objects {
        writeln!(
            w,
            "<{} at {:#x}>: retained {}, shallow {}, {} referrers{}",
            o.type_name,
            o.id,
            format_size(o.retained_size),
            format_size(o.shallow_size),
            format_count(o.referrers),
            if o.garbage { " (cyclic garbage: no root reaches it)" } else { "" },
        )?;
        for p in &o.paths {
            writeln!(w, "  {}", p.text)?;
        }
        if (o.paths.len() as u64) < o.referrers {
            writeln!(w, "  (paths through {} more referrers; --max-paths N shows more)", o.referrers - o.paths.len() as u64)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// show

#[derive(Debug, Clone, Serialize)]
pub struct Show {
    pub file: String,
    pub id: u64,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub shallow_size: u64,
    pub deep_size: u64,
    pub deep_objects: u64,
    /// `"data"` (stops at classes, modules, functions, code, frames) or `"all"` (`--deep-all`).
    pub deep_scope: &'static str,
    pub retained_size: u64,
    pub retained_objects: u64,
    pub garbage: bool,
    /// The immediate dominator; absent for roots (the virtual root dominates them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dominator: Option<Neighbour>,
    pub paths: Vec<PathOut>,
    pub referents_count: u64,
    pub referents: Vec<Neighbour>,
    pub referrers_count: u64,
    pub referrers: Vec<Neighbour>,
}

/// An object next to the one shown, and the label of the edge between them.
#[derive(Debug, Clone, Serialize)]
pub struct Neighbour {
    pub id: u64,
    #[serde(rename = "type")]
    pub type_name: String,
    /// The edge as a path writes it (`.name`, `['key']`, `[3]`, `local 'x'`); empty if unlabelled.
    pub label: String,
    pub shallow_size: u64,
    pub retained_size: u64,
}

/// The object `v`, with up to `limit` referents (in ref order), referrers (largest retained first)
/// and paths.
pub fn show<G: Deref<Target = Graph>>(a: &Analysis<G>, v: Node, limit: usize, scope: DeepScope) -> Show {
    let g = a.graph();
    let neighbour = |n: Node, label: String| Neighbour {
        id: g.id(n),
        type_name: g.type_name(n).to_string(),
        label,
        shallow_size: g.shallow_size(n),
        retained_size: a.retained_size(n),
    };
    let referents: Vec<Neighbour> =
        (0..g.successors(v).len() as u32).take(limit).map(|i| neighbour(g.successors(v)[i as usize], edge_text(g, v, i))).collect();
    let mut from: Vec<(Node, u32)> = Vec::new();
    for r in a.reverse().predecessors(v).iter().copied() {
        if from.last().map(|f| f.0) != Some(r) {
            let pos = g.successors(r).iter().position(|&t| t == v).unwrap_or(0) as u32;
            from.push((r, pos));
        }
    }
    let referrers_count = from.len() as u64;
    from.sort_by_key(|&(r, _)| (std::cmp::Reverse(a.retained_size(r)), g.id(r)));
    let referrers = from.into_iter().take(limit).map(|(r, pos)| neighbour(r, edge_text(g, r, pos))).collect();
    let deep = a.deep_size(&[v], scope);
    Show {
        file: g.path().display().to_string(),
        id: g.id(v),
        type_name: g.type_name(v).to_string(),
        name: g.name(v).map(str::to_string),
        shallow_size: g.shallow_size(v),
        deep_size: deep.size,
        deep_objects: deep.objects,
        deep_scope: if scope == DeepScope::All { "all" } else { "data" },
        retained_size: a.retained_size(v),
        retained_objects: a.retained_count(v),
        garbage: a.is_garbage(v),
        dominator: a.idom(v).filter(|&d| d != a.virtual_root()).map(|d| neighbour(d, String::new())),
        paths: a.paths(v, limit.max(1)).into_iter().map(|p| PathOut::new(g, p)).collect(),
        referents_count: g.successors(v).len() as u64,
        referents,
        referrers_count,
        referrers,
    }
}

pub fn write_show_text(w: &mut dyn Write, s: &Show) -> std::io::Result<()> {
    let name = s.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default();
    writeln!(w, "<{} at {:#x}>{name}", s.type_name, s.id)?;
    writeln!(
        w,
        "  shallow {}, deep{} {} ({} objects), retained {} ({} objects)",
        format_size(s.shallow_size),
        if s.deep_scope == "all" { " (all reachable)" } else { "" },
        format_size(s.deep_size),
        format_count(s.deep_objects),
        format_size(s.retained_size),
        format_count(s.retained_objects),
    )?;
    if s.garbage {
        writeln!(w, "  cyclic garbage: no root reaches it")?;
    }
    if let Some(d) = &s.dominator {
        writeln!(w, "  dominated by <{} at {:#x}> (retained {})", d.type_name, d.id, format_size(d.retained_size))?;
    }
    writeln!(w, "paths:")?;
    for p in &s.paths {
        writeln!(w, "  {}", p.text)?;
    }
    write_neighbours(w, "refers to", &s.referents, s.referents_count)?;
    write_neighbours(w, "referred to by", &s.referrers, s.referrers_count)
}

fn write_neighbours(w: &mut dyn Write, title: &str, list: &[Neighbour], total: u64) -> std::io::Result<()> {
    writeln!(w, "{title} ({}):", format_count(total))?;
    for n in list {
        let label = if n.label.is_empty() { String::new() } else { format!("{}  ", n.label) };
        writeln!(w, "  {label}<{} at {:#x}>  shallow {}, retained {}", n.type_name, n.id, format_size(n.shallow_size), format_size(n.retained_size))?;
    }
    if (list.len() as u64) < total {
        writeln!(w, "  ({} more; --limit N shows more)", format_count(total - list.len() as u64))?;
    }
    Ok(())
}
