//! Building a [`Graph`]: the snapshot reader fills a [`GraphBuilder`] with records as written (Python
//! ids), and `build` resolves ids to node indexes, interns types, derives shallow sizes and the
//! `unreferenced` roots. Tests use the same builder to draw small graphs by hand.

use std::path::PathBuf;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{Graph, LabelIndex, Node, Root, TypeIndex, TypeInfo};
use crate::error::{Error, Result};
use crate::snapshot::{AttrStorage, Extra, Header, RootKind, Trailer};

#[cfg(not(test))]
fn label_hash(text: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(text)
}

/// In unit tests labels of one length share a hash, so that the spill path is taken.
#[cfg(test)]
fn label_hash(text: &str) -> u64 {
    text.len() as u64
}

#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub(crate) path: PathBuf,
    pub(crate) header: Header,
    pub(crate) trailer: Trailer,
    pub(crate) first_object_line: usize,
    pub(crate) ids: Vec<u64>,
    pub(crate) type_ids: Vec<u64>,
    pub(crate) getsizeof: Vec<u64>,
    /// How many refs each object has; the refs themselves follow in `segments`, in object order.
    pub(crate) ref_counts: Vec<u32>,
    /// Refs (ids as written) and their labels, in segments so that parallel parsing never copies
    /// them into one array before `build` turns them into node indexes.
    pub(crate) segments: Vec<(Vec<u64>, Vec<LabelIndex>)>,
    pub(crate) labels: Vec<Box<str>>,
    /// Label lookup by text with one copy of each text (in `labels`): the hash of a label gives
    /// its index; a text whose hash an earlier label holds is looked up in `label_spill`.
    label_hash: FxHashMap<u64, LabelIndex>,
    label_spill: FxHashMap<Box<str>, LabelIndex>,
    /// How many of `labels` are in the lookup (the reader fills `labels` directly).
    labels_indexed: usize,
    pub(crate) extra: FxHashMap<Node, Extra>,
    pub(crate) str_hash: Vec<(Node, i64)>,
    pub(crate) lengths: Vec<(Node, u64)>,
    pub(crate) attrs: Vec<(Node, AttrStorage)>,
    pub(crate) inline: Vec<(Node, u64)>,
    pub(crate) roots: Vec<(u64, RootKind, String)>,
    /// Names for type ids whose type object is not a node (hand-drawn test graphs).
    type_names: FxHashMap<u64, String>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        GraphBuilder {
            labels: vec!["".into()],
            ..Default::default()
        }
    }

    /// Adds an object; its refs are given with [`GraphBuilder::add_ref`] right after.
    pub fn add_object(&mut self, id: u64, type_id: u64, size: u64) -> Node {
        let n = self.ids.len() as Node;
        self.ids.push(id);
        self.type_ids.push(type_id);
        self.getsizeof.push(size);
        self.ref_counts.push(0);
        n
    }

    /// Adds a ref from the last object added.
    pub fn add_ref(&mut self, to_id: u64, label: &str) {
        let l = self.intern_label(label);
        if self.segments.is_empty() {
            self.segments.push(Default::default());
        }
        let seg = self.segments.last_mut().expect("one segment");
        seg.0.push(to_id);
        seg.1.push(l);
        *self.ref_counts.last_mut().expect("add_object first") += 1;
    }

    /// Adds a ref from the last object added, with a label already interned (the native walker).
    #[cfg_attr(not(feature = "python"), allow(dead_code))]
    pub(crate) fn add_ref_index(&mut self, to_id: u64, label: LabelIndex) {
        if self.segments.is_empty() {
            self.segments.push(Default::default());
        }
        let seg = self.segments.last_mut().expect("one segment");
        seg.0.push(to_id);
        seg.1.push(label);
        *self.ref_counts.last_mut().expect("add_object first") += 1;
    }

    pub fn intern_label(&mut self, label: &str) -> LabelIndex {
        if label.is_empty() {
            return 0;
        }
        while self.labels_indexed < self.labels.len() {
            let i = self.labels_indexed;
            self.labels_indexed += 1;
            let text = std::mem::take(&mut self.labels[i]);
            if !text.is_empty() {
                self.index_label(&text, i as LabelIndex);
            }
            self.labels[i] = text;
        }
        let h = label_hash(label);
        if let Some(&i) = self.label_hash.get(&h) {
            if *self.labels[i as usize] == *label {
                return i;
            }
            if let Some(&i) = self.label_spill.get(label) {
                return i;
            }
        }
        let next = self.labels.len() as LabelIndex;
        self.labels.push(label.into());
        self.labels_indexed += 1;
        self.index_label(label, next);
        next
    }

    fn index_label(&mut self, text: &str, i: LabelIndex) {
        match self.label_hash.entry(label_hash(text)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.label_spill.entry(text.into()).or_insert(i);
            }
        }
    }

    pub fn set_extra(&mut self, n: Node, extra: Extra) {
        if let Some(h) = extra.h {
            self.str_hash.push((n, h));
        }
        if let Some(l) = extra.l {
            self.lengths.push((n, l));
        }
        if let Some(a) = &extra.a {
            self.attrs.push((n, AttrStorage::parse(a)));
        }
        if let Some(i) = extra.i {
            self.inline.push((n, i));
        }
        if extra.has_rich_fields() {
            self.extra.insert(n, extra);
        }
    }

    /// Moves the object records added so far out into a chunk for the streaming writer, leaving
    /// labels, roots and header here; node numbers start again from 0 (the native walker's dump).
    /// The builder goes on with the buffers of `spare` (a chunk already written), so that a long
    /// walk reuses a few chunks' memory instead of allocating every chunk anew.
    #[cfg_attr(not(feature = "python"), allow(dead_code))]
    pub(crate) fn take_records(&mut self, spare: Option<crate::snapshot::RecordChunk>) -> crate::snapshot::RecordChunk {
        use std::mem::replace;
        let mut spare = spare.unwrap_or_default();
        spare.clear();
        if self.segments.len() > 1 {
            let (mut r, mut l) = (Vec::new(), Vec::new());
            for (r2, l2) in self.segments.drain(..) {
                r.extend(r2);
                l.extend(l2);
            }
            self.segments.push((r, l));
        }
        let (refs, labels) = match self.segments.first_mut() {
            Some(seg) => (replace(&mut seg.0, spare.refs), replace(&mut seg.1, spare.labels)),
            None => {
                self.segments.push((spare.refs, spare.labels));
                (Vec::new(), Vec::new())
            }
        };
        let mut extra: Vec<(Node, Extra)> = self.extra.drain().collect();
        extra.sort_unstable_by_key(|e| e.0);
        crate::snapshot::RecordChunk {
            ids: replace(&mut self.ids, spare.ids),
            type_ids: replace(&mut self.type_ids, spare.type_ids),
            getsizeof: replace(&mut self.getsizeof, spare.getsizeof),
            ref_counts: replace(&mut self.ref_counts, spare.ref_counts),
            refs,
            labels,
            extra,
            str_hash: replace(&mut self.str_hash, spare.str_hash),
            lengths: replace(&mut self.lengths, spare.lengths),
            attrs: replace(&mut self.attrs, spare.attrs),
            inline: replace(&mut self.inline, spare.inline),
        }
    }

    /// [`GraphBuilder::set_extra`] for fields already parsed (the native walker): a str's hash, a
    /// length, the attribute storage and inline bytes go to their side arrays, the rest (`rich`)
    /// is kept when it holds anything.
    #[cfg_attr(not(feature = "python"), allow(dead_code))]
    pub(crate) fn set_fields(&mut self, n: Node, h: Option<i64>, l: Option<u64>, a: Option<AttrStorage>, i: u64, rich: Option<Extra>) {
        if let Some(h) = h {
            self.str_hash.push((n, h));
        }
        if let Some(l) = l {
            self.lengths.push((n, l));
        }
        if let Some(a) = a {
            self.attrs.push((n, a));
        }
        if i != 0 {
            self.inline.push((n, i));
        }
        if let Some(e) = rich.filter(|e| e.has_rich_fields()) {
            self.extra.insert(n, e);
        }
    }

    /// Names a type id that has no node of its own (for hand-drawn graphs).
    pub fn name_type(&mut self, type_id: u64, name: &str) {
        self.type_names.insert(type_id, name.to_string());
    }

    pub fn add_root(&mut self, id: u64, kind: RootKind, name: &str) {
        self.roots.push((id, kind, name.to_string()));
    }

    pub fn build(self) -> Result<Graph> {
        let GraphBuilder {
            path, header, trailer, first_object_line, ids, type_ids, getsizeof, ref_counts, segments,
            labels, extra, mut str_hash, mut lengths, mut attrs, mut inline, roots, type_names, ..
        } = self;
        let n = ids.len();
        let line_of = |node: usize| if first_object_line == 0 { 0 } else { first_object_line + node };
        let total_refs: usize = segments.iter().map(|s| s.0.len()).sum();
        // Node indexes keep bit 31 free (algorithms use it as a flag), and edges fit in u32.
        if n >= 1 << 31 || total_refs > u32::MAX as usize {
            return Err(Error::bad_input(&path, 0, "too many objects or refs for one snapshot (over 2 billion objects or 4 billion refs)"));
        }

        let mut by_id: Vec<(u64, Node)> = ids.iter().enumerate().map(|(i, &id)| (id, i as Node)).collect();
        by_id.sort_unstable();
        if let Some(w) = by_id.windows(2).find(|w| w[0].0 == w[1].0) {
            let (first, second) = (w[0].1.min(w[1].1), w[0].1.max(w[1].1));
            return Err(Error::bad_input(
                &path,
                line_of(second as usize),
                format!("duplicate object id `{}` (first on line {})", w[0].0, line_of(first as usize)),
            ));
        }
        let lookup = |id: u64| by_id.binary_search_by_key(&id, |&(i, _)| i).ok().map(|k| by_id[k].1);

        // Resolve refs to node indexes, segment by segment in parallel (binary search in `by_id`);
        // then drop (and count) those to ids that are not in the snapshot.
        let resolved: Vec<Vec<Node>> = segments
            .par_iter()
            .map(|(refs, _)| refs.iter().map(|&id| lookup(id).unwrap_or(Node::MAX)).collect())
            .collect();
        let mut edge_start = Vec::with_capacity(n + 1);
        let mut edge_to = Vec::with_capacity(total_refs);
        let mut edge_label = Vec::with_capacity(total_refs);
        let mut dangling_refs = 0u64;
        edge_start.push(0u32);
        let mut flat = resolved
            .iter()
            .zip(&segments)
            .flat_map(|(to, (_, l))| to.iter().copied().zip(l.iter().copied()));
        for (node, &count) in ref_counts.iter().enumerate() {
            for (to, l) in flat.by_ref().take(count as usize) {
                if l as usize >= labels.len() {
                    return Err(Error::bad_input(
                        &path,
                        line_of(node),
                        format!("label index `{l}` is past the end of the labels table ({} labels)", labels.len()),
                    ));
                }
                if to == Node::MAX {
                    dangling_refs += 1;
                } else {
                    edge_to.push(to);
                    edge_label.push(l);
                }
            }
            edge_start.push(edge_to.len() as u32);
        }
        drop(flat);
        drop(resolved);
        drop(segments);

        // Intern types in order of first use, so type indexes are deterministic.
        let mut type_index: FxHashMap<u64, TypeIndex> = FxHashMap::default();
        let mut types: Vec<TypeInfo> = Vec::new();
        let mut type_of = Vec::with_capacity(n);
        for &tid in &type_ids {
            let next = types.len() as TypeIndex;
            let t = *type_index.entry(tid).or_insert_with(|| {
                let node = lookup(tid);
                let e = node.and_then(|t| extra.get(&t));
                let name = e
                    .and_then(|e| e.n.clone())
                    .or_else(|| type_names.get(&tid).cloned())
                    .unwrap_or_else(|| format!("<type at {tid:#x}>"));
                types.push(TypeInfo { name, node, finalizer: e.and_then(|e| e.d).unwrap_or(false) });
                next
            });
            type_of.push(t);
        }

        inline.sort_unstable();
        let mut shallow = getsizeof.clone();
        for &(node, bytes) in &inline {
            shallow[node as usize] += bytes;
        }
        for (&node, e) in &extra {
            shallow[node as usize] += e.heap_native_bytes();
        }
        // Each size is capped at 2^48 by the reader; their sum must fit an i64 too, since every
        // later total (retained sizes, diffs as signed deltas) is a part of it.
        if shallow.iter().try_fold(0u64, |acc, &s| acc.checked_add(s)).is_none_or(|t| t > i64::MAX as u64) {
            return Err(Error::bad_input(&path, 0, "the objects' sizes add up to more than 2^63 bytes: not a real heap"));
        }

        let mut root_list: Vec<Root> = Vec::new();
        for (id, mut kind, mut name) in roots {
            if let Some(node) = lookup(id) {
                // an interpreter table the header names (docs/FORMAT.md `internals`)
                if kind == RootKind::Unreferenced {
                    if let Some((what, _)) = header.internals.iter().find(|(_, &i)| i == id) {
                        kind = RootKind::Internal;
                        if name.is_empty() {
                            name = format!("<{}>", what.replace('_', " "));
                        }
                    }
                }
                root_list.push(Root { node, kind, name });
            }
        }
        let mut referenced = vec![false; n];
        for &t in &edge_to {
            referenced[t as usize] = true;
        }
        let mut is_root = vec![false; n];
        for r in &root_list {
            is_root[r.node as usize] = true;
        }
        for i in 0..n {
            if !referenced[i] && !is_root[i] {
                root_list.push(Root { node: i as Node, kind: RootKind::Unreferenced, name: String::new() });
            }
        }
        add_c_held_classes(&mut root_list, &edge_start, &edge_to, &edge_label, &labels, &type_of, &types, &extra);
        root_list.sort_by_key(|r| (r.kind, r.node));

        str_hash.sort_unstable();
        lengths.sort_unstable();
        attrs.sort_unstable_by_key(|&(node, _)| node);
        Ok(Graph {
            path,
            header,
            trailer,
            ids,
            type_of,
            getsizeof,
            shallow,
            edge_start,
            edge_to,
            edge_label,
            labels,
            types,
            extra,
            str_hash,
            lengths,
            attrs,
            inline,
            by_id: by_id.into_iter().map(|(_, n)| n).collect(),
            roots: root_list,
            dangling_refs,
            first_object_line,
        })
    }
}

/// Classes that no root reaches are held from C: a class is in a cycle with its own `__mro__` (and
/// its `__dict__`'s descriptors), so when nothing recorded refers to it from outside, what keeps it
/// is an extension module's state or the interpreter (`_ast`, `_ctypes`, `_io` types...). Calling
/// them cyclic garbage would promise that `gc.collect()` frees them, and it does not. A class a
/// program created and dropped is garbage for real; that is rarer, and this rule then names it as
/// held from C (docs/CLI.md). Each such class becomes a root of kind `c-held`, in node order, and
/// what it reaches is reachable.
#[allow(clippy::too_many_arguments)]
fn add_c_held_classes(
    roots: &mut Vec<Root>,
    edge_start: &[u32],
    edge_to: &[Node],
    edge_label: &[LabelIndex],
    labels: &[Box<str>],
    type_of: &[TypeIndex],
    types: &[TypeInfo],
    extra: &FxHashMap<Node, Extra>,
) {
    let n = edge_start.len() - 1;
    let mut reached = vec![false; n];
    let mut stack: Vec<Node> = Vec::new();
    let visit = |from: Node, reached: &mut Vec<bool>, stack: &mut Vec<Node>| {
        if !std::mem::replace(&mut reached[from as usize], true) {
            stack.push(from);
        }
        while let Some(v) = stack.pop() {
            let (a, b) = (edge_start[v as usize] as usize, edge_start[v as usize + 1] as usize);
            for &t in &edge_to[a..b] {
                if !std::mem::replace(&mut reached[t as usize], true) {
                    stack.push(t);
                }
            }
        }
    };
    for r in roots.iter() {
        visit(r.node, &mut reached, &mut stack);
    }
    // A class is an instance of a metaclass (the type of some type in the table), or has a
    // `.__mro__` edge (the agent labels it on 3.11).
    let mut metaclass = vec![false; types.len()];
    for t in types {
        if let Some(v) = t.node {
            metaclass[type_of[v as usize] as usize] = true;
        }
    }
    let mro = super::find_label(labels, ".__mro__");
    let is_class = |v: usize| {
        metaclass[type_of[v] as usize]
            || mro.is_some_and(|m| edge_label[edge_start[v] as usize..edge_start[v + 1] as usize].contains(&m))
    };
    for v in 0..n {
        if !reached[v] && is_class(v) {
            let name = extra.get(&(v as Node)).and_then(|e| e.n.as_deref()).unwrap_or("class");
            roots.push(Root { node: v as Node, kind: RootKind::CHeld, name: format!("<held from C> {name}") });
            visit(v as Node, &mut reached, &mut stack);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_interned_once_each_even_when_their_hashes_collide() {
        // GIVEN labels as the reader leaves them (filled directly), then more interned
        let mut b = GraphBuilder::new();
        b.labels.extend(["['x']", ".a"].map(Box::from));
        let texts = ["a", "b", ".a", "ab", "ba", "['x']", "b", "a", "['y']", ""];
        // WHEN each is interned
        let got: Vec<LabelIndex> = texts.iter().map(|t| b.intern_label(t)).collect();
        // THEN equal texts get one index, that index holds the text, and nothing is stored twice
        for (t, &i) in texts.iter().zip(&got) {
            assert_eq!(&*b.labels[i as usize], *t);
        }
        assert_eq!(got, [3, 4, 2, 5, 6, 1, 4, 3, 7, 0]);
        assert_eq!(b.labels.len(), 8);
    }
}
