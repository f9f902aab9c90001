//! Building a [`Graph`]: the snapshot reader fills a [`GraphBuilder`] with records as written (Python
//! ids), and `build` resolves ids to node indexes, interns types, derives shallow sizes and the
//! `unreferenced` roots. Tests use the same builder to draw small graphs by hand.

use std::path::PathBuf;

use rustc_hash::FxHashMap;

use super::{Graph, LabelIndex, Node, Root, TypeIndex, TypeInfo};
use crate::error::{Error, Result};
use crate::snapshot::{Extra, Header, RootKind, Trailer};

#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub(crate) path: PathBuf,
    pub(crate) header: Header,
    pub(crate) trailer: Trailer,
    pub(crate) first_object_line: usize,
    pub(crate) ids: Vec<u64>,
    pub(crate) type_ids: Vec<u64>,
    pub(crate) getsizeof: Vec<u64>,
    /// CSR offsets into `refs`/`ref_labels`, one more than there are objects.
    pub(crate) ref_start: Vec<u64>,
    pub(crate) refs: Vec<u64>,
    pub(crate) ref_labels: Vec<LabelIndex>,
    pub(crate) labels: Vec<Box<str>>,
    label_index: FxHashMap<Box<str>, LabelIndex>,
    pub(crate) extra: FxHashMap<Node, Extra>,
    pub(crate) str_hash: Vec<(Node, i64)>,
    pub(crate) lengths: Vec<(Node, u64)>,
    pub(crate) roots: Vec<(u64, RootKind, String)>,
    /// Names for type ids whose type object is not a node (hand-drawn test graphs).
    type_names: FxHashMap<u64, String>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        GraphBuilder {
            ref_start: vec![0],
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
        self.ref_start.push(self.refs.len() as u64);
        n
    }

    /// Adds a ref from the last object added.
    pub fn add_ref(&mut self, to_id: u64, label: &str) {
        let l = self.intern_label(label);
        self.refs.push(to_id);
        self.ref_labels.push(l);
        *self.ref_start.last_mut().expect("add_object first") = self.refs.len() as u64;
    }

    pub fn intern_label(&mut self, label: &str) -> LabelIndex {
        if label.is_empty() {
            return 0;
        }
        if self.label_index.is_empty() {
            for (i, l) in self.labels.iter().enumerate() {
                self.label_index.insert(l.clone(), i as LabelIndex);
            }
        }
        let next = self.labels.len() as LabelIndex;
        let l = *self.label_index.entry(label.into()).or_insert(next);
        if l == next {
            self.labels.push(label.into());
        }
        l
    }

    pub fn set_extra(&mut self, n: Node, extra: Extra) {
        if let Some(h) = extra.h {
            self.str_hash.push((n, h));
        }
        if let Some(l) = extra.l {
            self.lengths.push((n, l));
        }
        if extra.has_rich_fields() {
            self.extra.insert(n, extra);
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
            path, header, trailer, first_object_line, ids, type_ids, getsizeof, ref_start, refs,
            ref_labels, labels, extra, mut str_hash, mut lengths, roots, type_names, ..
        } = self;
        let n = ids.len();
        let line_of = |node: usize| if first_object_line == 0 { 0 } else { first_object_line + node };
        if n > u32::MAX as usize - 1 || refs.len() > u32::MAX as usize {
            return Err(Error::bad_input(&path, 0, "too many objects or refs for one snapshot (over 4 billion)"));
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

        // Resolve refs; drop (and count) those to ids that are not in the snapshot.
        let mut edge_start = Vec::with_capacity(n + 1);
        let mut edge_to = Vec::with_capacity(refs.len());
        let mut edge_label = Vec::with_capacity(refs.len());
        let mut dangling_refs = 0u64;
        edge_start.push(0u32);
        for node in 0..n {
            let (a, b) = (ref_start[node] as usize, ref_start[node + 1] as usize);
            for k in a..b {
                let l = ref_labels[k];
                if l as usize >= labels.len() {
                    return Err(Error::bad_input(
                        &path,
                        line_of(node),
                        format!("label index `{l}` is past the end of the labels table ({} labels)", labels.len()),
                    ));
                }
                match lookup(refs[k]) {
                    Some(t) => {
                        edge_to.push(t);
                        edge_label.push(l);
                    }
                    None => dangling_refs += 1,
                }
            }
            edge_start.push(edge_to.len() as u32);
        }

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

        let shallow: Vec<u64> = (0..n)
            .map(|i| {
                let e = extra.get(&(i as Node));
                getsizeof[i] + e.and_then(|e| e.i).unwrap_or(0) + e.map_or(0, Extra::heap_native_bytes)
            })
            .collect();

        let mut root_list: Vec<Root> = Vec::new();
        for (id, kind, name) in roots {
            if let Some(node) = lookup(id) {
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
        root_list.sort_by_key(|r| (r.kind, r.node));

        str_hash.sort_unstable();
        lengths.sort_unstable();
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
            by_id,
            roots: root_list,
            dangling_refs,
            first_object_line,
        })
    }
}
