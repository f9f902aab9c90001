//! Rules about how objects store named fields: `slots` (instances with a `__dict__` or inline
//! values) and `dict-of-same-keys` (many small dicts that are records in disguise).
//!
//! Both price the fix as a class with `__slots__` and no `__weakref__` slot:
//! gc header + object header + one pointer per field ([`Layout::slots_instance`]), the layout
//! `@dataclass(slots=True)` produces.

use std::ops::Deref;

use rustc_hash::FxHashMap;

use super::{name_list, Cx, Suggestion, MIN_INSTANCES};
use crate::graph::{Graph, LabelIndex, Node, TypeIndex};
use crate::report::{format_count, format_size};
use crate::snapshot::AttrStorage;

/// Instances of one class, as the `slots` rule sees them.
#[derive(Default)]
struct ClassInstances {
    nodes: Vec<Node>,
    /// Bytes now: each instance plus the `__dict__` it owns.
    current: u64,
    /// Attribute names in order of first appearance.
    names: Vec<String>,
    /// Most attributes seen on one instance, for instances whose edges are unlabelled.
    max_unlabelled: u64,
    dicts: u64,
    inline: u64,
    inline_bytes: u64,
    dict_bytes: u64,
}

/// `slots`: classes with many instances that keep their attributes in a `__dict__` or (3.11+)
/// inline values. Saving: what those instances cost now (the object, its inline values or the
/// dict it owns) minus the same number of instances with one slot per attribute name ever seen.
pub fn slots<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let dict_label = g.label_index(".__dict__");
    let mut by_type: FxHashMap<TypeIndex, ClassInstances> = FxHashMap::default();
    for v in g.nodes() {
        let Some(storage) = g.attr_storage(v) else { continue };
        if !matches!(storage, AttrStorage::Dict | AttrStorage::Inline | AttrStorage::SlotsDict | AttrStorage::SlotsInline) {
            continue;
        }
        let c = by_type.entry(g.type_index(v)).or_default();
        c.nodes.push(v);
        c.current += g.shallow_size(v);
        let own_type = g.types[g.type_index(v) as usize].node;
        let mut unlabelled = 0;
        for (t, l) in g.edges(v) {
            let label = g.label(l);
            if Some(l) == dict_label && storage.has_dict() {
                // The dict is the instance's only if nothing else holds it.
                if cx.a.idom(t) == Some(v) {
                    c.current += g.shallow_size(t);
                    c.dict_bytes += g.shallow_size(t);
                }
                for (_, dl) in g.edges(t) {
                    if let Some(name) = dict_key_name(g.label(dl)) {
                        push_name(&mut c.names, name);
                    }
                }
            } else if let Some(name) = label.strip_prefix('.') {
                push_name(&mut c.names, name);
            } else if label.is_empty() && Some(t) != own_type {
                unlabelled += 1;
            }
        }
        c.max_unlabelled = c.max_unlabelled.max(unlabelled);
        if storage.has_dict() {
            c.dicts += 1;
        } else {
            c.inline += 1;
            c.inline_bytes += g.inline_size(v);
        }
    }
    let mut out = Vec::new();
    let mut types: Vec<_> = by_type.into_iter().collect();
    types.sort_unstable_by_key(|(t, _)| *t);
    for (t, c) in types {
        let count = c.nodes.len() as u64;
        if count < MIN_INSTANCES {
            continue;
        }
        let fields = (c.names.len() as u64).max(c.max_unlabelled);
        let per = cx.layout.slots_instance(fields);
        let after = per * count;
        if after >= c.current {
            continue;
        }
        let name = &g.types[t as usize].name;
        let short = name.rsplit('.').next().unwrap_or(name);
        let mut s = Suggestion::new("slots", name, c.current, after);
        s.count = count;
        s.title = format!("give `{name}` `__slots__` ({} instances)", format_count(count));
        s.example = cx.example(c.nodes[0]);
        let storage = match (c.dicts, c.inline) {
            (0, _) => format!("inline values ({} in all)", format_size(c.inline_bytes)),
            (_, 0) => format!("a `__dict__` each ({} in all)", format_size(c.dict_bytes)),
            _ => format!(
                "inline values ({} instances, {}) or a `__dict__` ({}, {})",
                format_count(c.inline),
                format_size(c.inline_bytes),
                format_count(c.dicts),
                format_size(c.dict_bytes)
            ),
        };
        s.evidence = format!(
            "{} instances keep {} attribute{} in {}: {} each on average; with `__slots__` {} each \
             (gc header {} B + object {} B + {} x {} B)",
            format_count(count),
            fields,
            if fields == 1 { "" } else { "s" },
            storage,
            format_size(c.current / count),
            format_size(per),
            cx.layout.gc_header,
            cx.layout.object,
            fields,
            cx.layout.pointer_size,
        );
        let fields_py = c.names.iter().take(6).map(|n| format!("{n}: ...")).collect::<Vec<_>>().join("; ");
        s.hint = vec![
            "@dataclass(slots=True)          # Python 3.10+; or in the class body:".to_string(),
            format!("class {short}: {}", if fields_py.is_empty() { "...".to_string() } else { fields_py }),
            format!("__slots__ = ({},)", name_list(&c.names, 8).replace('\'', "\"")),
        ];
        s.assumptions = vec![
            format!("one slot per attribute name seen on any instance ({fields})"),
            "no `__weakref__` slot: add one pointer per instance if instances need weak references".to_string(),
        ];
        if cx.layout.version().is_some_and(|v| v >= (3, 11)) && c.inline > 0 {
            s.assumptions.push(
                "on Python 3.11+ inline values already avoid the dict; the saving is the values array (sized by the class's shared keys) \
                 and the dict/weakref pointers"
                    .to_string(),
            );
        }
        s.objects = c.nodes;
        out.push(s);
    }
    out
}

fn push_name(names: &mut Vec<String>, name: &str) {
    if name != "__dict__" && name != "__class__" && !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
}

/// `x` from the label `['x']` of a str key's value edge.
fn dict_key_name(label: &str) -> Option<&str> {
    label.strip_prefix("['")?.strip_suffix("']")
}

/// Keys allowed in a "small" dict.
const MAX_KEYS: usize = 16;

/// `dict-of-same-keys`: many plain dicts (not attribute dicts) with the same set of string keys.
/// Saving: the dicts' own size minus one slots instance per dict with one slot per key; the keys
/// and values stay as they are.
pub fn dict_of_same_keys<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let Some(dict_t) = cx.type_named("builtins.dict") else { return Vec::new() };
    let key_label = g.label_index("<key>");
    let mut groups: FxHashMap<Vec<LabelIndex>, Vec<Node>> = FxHashMap::default();
    for v in g.nodes() {
        if g.type_index(v) != dict_t || cx.attr_dicts.contains(v) {
            continue;
        }
        let mut keys: Vec<LabelIndex> = Vec::new();
        let mut ok = true;
        for (_, l) in g.edges(v) {
            if Some(l) == key_label {
                continue;
            }
            if dict_key_name(g.label(l)).is_none() {
                ok = false;
                break;
            }
            keys.push(l);
        }
        // only dunder keys: a namespace of the interpreter's (the `__dict__` a classmethod or a
        // function copies `__module__`, `__name__`, `__qualname__`, `__doc__` into), not a record
        let dunder = |l: &LabelIndex| dict_key_name(g.label(*l)).is_some_and(|k| k.len() > 4 && k.starts_with("__") && k.ends_with("__"));
        if !ok || keys.is_empty() || keys.len() > MAX_KEYS || keys.iter().all(dunder) {
            continue;
        }
        keys.sort_unstable();
        groups.entry(keys).or_default().push(v);
    }
    let mut out = Vec::new();
    let mut list: Vec<_> = groups.into_iter().filter(|(_, n)| n.len() as u64 >= MIN_INSTANCES).collect();
    list.sort_unstable_by_key(|(_, n)| n[0]);
    for (keys, nodes) in list {
        let count = nodes.len() as u64;
        let current: u64 = nodes.iter().map(|&v| g.shallow_size(v)).sum();
        let per = cx.layout.slots_instance(keys.len() as u64);
        let after = per * count;
        if after >= current {
            continue;
        }
        // Keys in the order the first dict has them.
        let names: Vec<String> = g
            .edges(nodes[0])
            .filter_map(|(_, l)| dict_key_name(g.label(l)).map(str::to_string))
            .collect();
        let mut s = Suggestion::new("dict-of-same-keys", "builtins.dict", current, after);
        s.count = count;
        s.title = format!("use a slots class for {} dicts with keys {}", format_count(count), name_list(&names, 6));
        s.example = cx.example(nodes[0]);
        let tuple = cx.layout.tuple_empty + cx.layout.pointer_size * keys.len() as u64;
        s.evidence = format!(
            "{} dicts with the same {} keys: {} each on average; a slots instance {} (gc header {} B + object {} B + {} x {} B), \
             a namedtuple {}",
            format_count(count),
            keys.len(),
            format_size(current / count),
            format_size(per),
            cx.layout.gc_header,
            cx.layout.object,
            keys.len(),
            cx.layout.pointer_size,
            format_size(tuple),
        );
        let fields = names.iter().take(6).map(|n| format!("{n}: ...")).collect::<Vec<_>>().join("; ");
        let args = names.iter().take(4).map(|n| format!("{n}=...")).collect::<Vec<_>>().join(", ");
        s.hint = vec![
            "@dataclass(slots=True)".to_string(),
            format!("class Record: {fields}"),
            format!("Record({args})          # instead of {{{}}}", names.iter().take(4).map(|n| format!("'{n}': ...")).collect::<Vec<_>>().join(", ")),
            format!("# or: Record = namedtuple('Record', [{}])", name_list(&names, 6)),
        ];
        s.assumptions = vec![
            "keys and values stay shared as they are; only each dict's own size is replaced".to_string(),
            "no `__weakref__` slot".to_string(),
        ];
        s.objects = nodes;
        out.push(s);
    }
    out
}
