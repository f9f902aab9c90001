//! `heapdiff suggest`: concrete changes to the program, each with the bytes it would save,
//! computed from the snapshot (shared/DESIGN.md: suggestion).
//!
//! Every rule looks for one pattern and prices the fix with the sizes the process itself measured
//! (the header's `layout`, `pointer_size` and `python`, see [`Layout`]): what the objects cost now
//! (`current_size`, read from the snapshot) minus what they would cost after the change
//! (`estimated_size`, computed). Rules:
//!
//! | rule | module | pattern |
//! |---|---|---|
//! | `slots` | [`instances`] | many instances of a class with a `__dict__` or inline values |
//! | `dict-of-same-keys` | [`instances`] | many small dicts with the same string keys |
//! | `array` | [`numbers`] | lists/tuples of many boxed ints or floats |
//! | `float32` | [`numbers`] | large float64 numpy arrays |
//! | `lil` | [`numbers`] | `scipy.sparse` LIL matrices (rows as Python lists) |
//! | `intern` | [`strings`] | many equal strings stored separately |
//! | `bytes` | [`strings`] | very large `bytes`/`bytearray` objects |
//! | `overallocated` | [`lists`] | lists with far more room than items |
//! | `cycles` | [`holders`] | cyclic garbage: the back-reference to make weak |
//! | `frame-locals` | [`holders`] | large objects only a frame's local variable holds |
//!
//! Suggestions of different rules may price the same bytes (a list of floats that is also
//! over-allocated): each saving stands alone, and they are not to be added up.

pub mod growth;
pub mod holders;
pub mod instances;
pub mod lists;
pub mod numbers;
pub mod strings;

use std::io::Write;
use std::ops::Deref;

use serde::Serialize;

use crate::algo::deep::BitSet;
use crate::algo::Analysis;
use crate::graph::{Graph, LabelIndex, Node, TypeIndex};
use crate::report::{format_count, format_size};

/// What `heapdiff suggest` shows by default: nothing saving less is worth a user's time.
pub const DEFAULT_MIN_SAVING: u64 = 64 * 1024;
/// How many instances (objects, dicts, lists) make a pattern "many".
pub const MIN_INSTANCES: u64 = 100;
/// One object this large is "large" (bytes, numpy arrays).
pub const LARGE_OBJECT: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    /// Suggestions saving less than this are left out.
    pub min_saving: u64,
    /// Keep the `top` largest savings (0: all).
    pub top: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { min_saving: DEFAULT_MIN_SAVING, top: 0 }
    }
}

/// One concrete change and what it would save.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// The rule that found it: `slots`, `array`, ...
    pub rule: &'static str,
    /// What to change, in one line.
    pub title: String,
    /// The type of the objects it applies to.
    #[serde(rename = "type")]
    pub type_name: String,
    /// How many objects it applies to (instances, lists, strings, cycles).
    pub count: u64,
    /// What those objects cost now (bytes, from the snapshot).
    pub current_size: u64,
    /// What they would cost after the change (bytes, computed).
    pub estimated_size: u64,
    /// `current_size - estimated_size`.
    pub saving: u64,
    /// The saving is an upper bound (it depends on something the snapshot cannot tell).
    pub upper_bound: bool,
    /// A typical object it applies to.
    pub example: Example,
    /// The numbers behind the estimate, in one sentence.
    pub evidence: String,
    /// Two to five lines of code showing the change.
    pub hint: Vec<String>,
    /// What the estimate assumes beyond the snapshot's layout.
    pub assumptions: Vec<String>,
    /// The objects whose bytes the saving counts (for the diff: suggestions for what grew).
    #[serde(skip)]
    pub objects: Vec<Node>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub id: u64,
    pub path: String,
}

impl Suggestion {
    fn new(rule: &'static str, type_name: &str, current_size: u64, estimated_size: u64) -> Self {
        Suggestion {
            rule,
            title: String::new(),
            type_name: type_name.to_string(),
            count: 0,
            current_size,
            estimated_size,
            saving: current_size.saturating_sub(estimated_size),
            upper_bound: false,
            example: Example { id: 0, path: String::new() },
            evidence: String::new(),
            hint: Vec::new(),
            assumptions: Vec::new(),
            objects: Vec::new(),
        }
    }
}

/// Sizes of CPython's objects in the process the snapshot came from: the header's `layout`
/// (measured there with `sys.getsizeof`), `pointer_size` and `python`. A field the header lacks
/// falls back to CPython 3.11 on 64 bits, and [`Layout::assumed`] names it.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub python: String,
    pub pointer_size: u64,
    /// `sys.getsizeof(object())`: reference count and type pointer.
    pub object: u64,
    /// The collector's header in front of tracked objects.
    pub gc_header: u64,
    pub list_empty: u64,
    pub tuple_empty: u64,
    pub dict_empty: u64,
    pub float: u64,
    /// `sys.getsizeof(1)`: an int below 2**30.
    pub int_small: u64,
    /// Fields not in the header, taken from CPython 3.11 x86-64.
    pub assumed: Vec<String>,
}

impl Layout {
    pub fn from_graph(g: &Graph) -> Layout {
        let h = &g.header;
        let mut assumed = Vec::new();
        // Values outside (0, 64 KiB] are no real object layout: taken as missing, like an absent key.
        let mut get = |key: &str, default: u64| match h.layout.get(key) {
            Some(&v) if v > 0 && v <= 1 << 16 => v,
            _ => {
                assumed.push(key.to_string());
                default
            }
        };
        let object = get("object", 16);
        let gc_header = get("gc_header", 16);
        let list_empty = get("list_empty", 56);
        let tuple_empty = get("tuple_empty", 40);
        let dict_empty = get("dict_empty", 64);
        let float = get("float", 24);
        let int_small = get("int_small", 28);
        let ptr = get("ptr", 0);
        let pointer_size = if h.pointer_size > 0 && h.pointer_size <= 16 {
            h.pointer_size
        } else if ptr > 0 {
            ptr
        } else {
            8
        };
        assumed.retain(|k| k != "ptr");
        if h.pointer_size == 0 && ptr == 0 {
            assumed.push("pointer_size".into());
        }
        let python = if h.python.is_empty() { "unknown".to_string() } else { h.python.clone() };
        Layout { python, pointer_size, object, gc_header, list_empty, tuple_empty, dict_empty, float, int_small, assumed }
    }

    /// `(major, minor)` of the Python version, if the header names one.
    pub fn version(&self) -> Option<(u32, u32)> {
        let mut it = self.python.split('.').map(|p| p.parse::<u32>().ok());
        Some((it.next()??, it.next()??))
    }

    /// Bytes of an instance of a class with `slots` slots and no `__weakref__` slot: the gc header,
    /// the object header and one pointer per slot.
    pub fn slots_instance(&self, slots: u64) -> u64 {
        self.gc_header + self.object + self.pointer_size * slots
    }

    /// One line for reports: the sizes every estimate is built from, and where they come from.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "Python {}, {}-byte pointers; sizes measured in the process (snapshot header `layout`): object {} B, gc header {} B, \
             empty list {} B, empty tuple {} B, empty dict {} B, float {} B, small int {} B",
            self.python,
            self.pointer_size,
            self.object,
            self.gc_header,
            self.list_empty,
            self.tuple_empty,
            self.dict_empty,
            self.float,
            self.int_small
        );
        if !self.assumed.is_empty() {
            s.push_str(&format!(" ({} not in the header: CPython 3.11 x86-64 values assumed)", self.assumed.join(", ")));
        }
        s
    }
}

/// Where an object is held from ([`Cx::holder_key`]): objects with one key are grouped together.
pub type HolderKey = Option<(TypeIndex, LabelIndex)>;

/// What the rules share: the analysis, the layout, and facts several rules need.
pub struct Cx<'a, G: Deref<Target = Graph>> {
    pub a: &'a Analysis<G>,
    pub g: &'a Graph,
    pub layout: Layout,
    pub options: Options,
    /// Dicts reached by a `.__dict__` edge (attribute dicts of instances, modules, classes).
    pub attr_dicts: BitSet,
}

impl<'a, G: Deref<Target = Graph>> Cx<'a, G> {
    pub fn new(a: &'a Analysis<G>, options: &Options) -> Self {
        let g = a.graph();
        let mut attr_dicts = BitSet::new(g.node_count());
        if let Some(dict) = g.label_index(".__dict__") {
            for s in g.nodes() {
                for (t, l) in g.edges(s) {
                    if l == dict {
                        attr_dicts.insert(t);
                    }
                }
            }
        }
        Cx { a, g, layout: Layout::from_graph(g), options: options.clone(), attr_dicts }
    }

    pub fn type_named(&self, name: &str) -> Option<TypeIndex> {
        self.g.types.iter().position(|t| t.name == name).map(|i| i as TypeIndex)
    }

    pub fn example(&self, n: Node) -> Example {
        Example { id: self.g.id(n), path: self.a.path(n).text }
    }

    /// Where `n` is held from: the type of the object its shortest path reaches it from and the
    /// label of that edge (unlabelled items of lists and tuples all share one key), or `None` for
    /// roots. Objects with one key are held the same way: `app.Node.children`, `builtins.dict['data']`.
    pub fn holder_key(&self, n: Node) -> HolderKey {
        let p = self.a.shortest_paths().parent(n)?;
        let label = self.g.edges(p).find(|&(t, _)| t == n).map(|(_, l)| l).unwrap_or(0);
        Some((self.g.type_index(p), label))
    }

    /// `app.Node.children`, `builtins.list[i]`, `builtins.dict['data']` for a [`Cx::holder_key`].
    pub fn holder_text(&self, key: HolderKey) -> String {
        match key {
            None => "a root".to_string(),
            Some((t, l)) => {
                let ty = &self.g.types[t as usize].name;
                let label = self.g.label(l);
                if label.is_empty() {
                    format!("items of `{ty}`")
                } else if label.starts_with('.') || label.starts_with('[') {
                    format!("`{ty}{label}`")
                } else {
                    format!("`{ty}` {label}")
                }
            }
        }
    }
}


/// Every suggestion that saves at least `options.min_saving`, sorted by (saving desc, rule, title),
/// cut to `options.top` when it is not 0.
pub fn suggest<G: Deref<Target = Graph>>(a: &Analysis<G>, options: &Options) -> Vec<Suggestion> {
    let (mut all, _) = all_suggestions(a, options);
    if options.top > 0 {
        all.truncate(options.top);
    }
    all
}

/// Every suggestion above the threshold, sorted, and the layout the estimates used.
pub(crate) fn all_suggestions<G: Deref<Target = Graph>>(a: &Analysis<G>, options: &Options) -> (Vec<Suggestion>, Layout) {
    let cx = Cx::new(a, options);
    let mut all = Vec::new();
    all.extend(instances::slots(&cx));
    all.extend(instances::dict_of_same_keys(&cx));
    all.extend(numbers::array(&cx));
    all.extend(numbers::float32(&cx));
    all.extend(numbers::lil(&cx));
    all.extend(strings::intern(&cx));
    all.extend(strings::bytes(&cx));
    all.extend(lists::overallocated(&cx));
    all.extend(holders::cycles(&cx));
    all.extend(holders::frame_locals(&cx));
    all.retain(|s| s.saving > 0 && s.saving >= options.min_saving);
    all.sort_by(|x, y| y.saving.cmp(&x.saving).then_with(|| x.rule.cmp(y.rule)).then_with(|| x.title.cmp(&y.title)));
    (all, cx.layout)
}

/// What `heapdiff suggest` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestReport {
    pub file: String,
    pub python: String,
    /// Total shallow size of the heap.
    pub total_size: u64,
    pub min_saving: u64,
    /// The sizes every estimate uses.
    pub layout: Layout,
    /// The same, in one sentence.
    pub assumptions: String,
    /// Suggestions above `min_saving` (the list below may be cut by `--top`).
    pub suggestion_count: u64,
    pub suggestions: Vec<Suggestion>,
}

pub fn report<G: Deref<Target = Graph>>(a: &Analysis<G>, options: &Options) -> SuggestReport {
    let g = a.graph();
    let (mut list, layout) = all_suggestions(a, options);
    let suggestion_count = list.len() as u64;
    if options.top > 0 {
        list.truncate(options.top);
    }
    SuggestReport {
        file: g.path().display().to_string(),
        python: layout.python.clone(),
        total_size: g.total_shallow(),
        min_saving: options.min_saving,
        assumptions: layout.describe(),
        layout,
        suggestion_count,
        suggestions: list,
    }
}

pub fn write_text(w: &mut dyn Write, r: &SuggestReport) -> std::io::Result<()> {
    if r.suggestions.is_empty() {
        writeln!(
            w,
            "no suggestions: nothing in {} would save {} or more (--min SIZE lowers the threshold)",
            format_size(r.total_size),
            format_size(r.min_saving)
        )?;
        return writeln!(w, "assumes: {}", r.assumptions);
    }
    writeln!(
        w,
        "{} suggestions saving {} or more, for a heap of {} (savings of different suggestions may overlap):",
        format_count(r.suggestion_count),
        format_size(r.min_saving),
        format_size(r.total_size)
    )?;
    for (i, s) in r.suggestions.iter().enumerate() {
        writeln!(w)?;
        let bound = if s.upper_bound { "up to " } else { "" };
        writeln!(w, "{}. [{}] save {bound}{}: {}", i + 1, s.rule, format_size(s.saving), s.title)?;
        writeln!(
            w,
            "   {} {} now {}, after {}",
            format_count(s.count),
            s.type_name,
            format_size(s.current_size),
            format_size(s.estimated_size)
        )?;
        writeln!(w, "   e.g. {}", s.example.path)?;
        writeln!(w, "   why: {}", s.evidence)?;
        writeln!(w, "   fix:")?;
        for line in &s.hint {
            writeln!(w, "       {line}")?;
        }
        for a in &s.assumptions {
            writeln!(w, "   assumes: {a}")?;
        }
    }
    if (r.suggestions.len() as u64) < r.suggestion_count {
        writeln!(w)?;
        writeln!(w, "({} more suggestions; --top N shows more)", r.suggestion_count - r.suggestions.len() as u64)?;
    }
    writeln!(w)?;
    writeln!(w, "estimates use: {}", r.assumptions)
}

/// `'a', 'b', 'c'` cut after `max` with `, ...`.
pub(crate) fn name_list(names: &[String], max: usize) -> String {
    let mut s = names.iter().take(max).map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
    if names.len() > max {
        s.push_str(", ...");
    }
    s
}

#[cfg(test)]
mod tests;
