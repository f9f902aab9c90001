//! Rules about numbers: `array` (lists and tuples of boxed ints or floats), `float32` (large float64
//! numpy arrays) and `lil` (`scipy.sparse` LIL matrices, one Python list per row).

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{Cx, HolderKey, Suggestion, LARGE_OBJECT};
use crate::graph::{Graph, Node, TypeIndex};
use crate::report::{format_count, format_size};

/// A list or tuple needs this many items before boxing them is worth a suggestion.
pub const MIN_ITEMS: usize = 1000;
/// `sys.getsizeof(array.array('d'))` on CPython 3.11, 64 bits: the header of an `array.array`.
pub const ARRAY_HEADER: u64 = 80;

/// `array`: lists and tuples of at least [`MIN_ITEMS`] items, every one an `int` or a `float`.
/// Saving: the container plus the boxed numbers only it holds (those it dominates: a number shared
/// with other objects stays, and repeated items count once), minus an `array.array` of the
/// smallest item size that holds them: `d` (8 bytes) when any is a float; for ints, from their
/// size: `sys.getsizeof` of at most `int_small` means below 2**30, so `i` (4 bytes); one digit
/// more, below 2**60, `q` (8 bytes); larger ints are left alone.
pub fn array<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    numbers_in_containers(cx, cx.type_named("builtins.int"), cx.type_named("builtins.float"))
}

struct Group {
    containers: Vec<Node>,
    items: u64,
    current: u64,
    after: u64,
    boxed: u64,
    boxed_bytes: u64,
}

fn numbers_in_containers<G: Deref<Target = Graph>>(cx: &Cx<G>, int_t: Option<TypeIndex>, float_t: Option<TypeIndex>) -> Vec<Suggestion> {
    let g = cx.g;
    if int_t.is_none() && float_t.is_none() {
        return Vec::new();
    }
    let list_t = cx.type_named("builtins.list");
    let tuple_t = cx.type_named("builtins.tuple");
    // (holder key, container type, typecode) -> group; BTreeMap for a deterministic order.
    let mut groups: BTreeMap<(HolderKey, TypeIndex, char), Group> = BTreeMap::new();
    for v in g.nodes() {
        let t = g.type_index(v);
        if Some(t) != list_t && Some(t) != tuple_t {
            continue;
        }
        let items = g.successors(v);
        if items.len() < MIN_ITEMS {
            continue;
        }
        let (mut floats, mut max_int) = (false, 0u64);
        let all_numbers = items.iter().all(|&x| {
            let xt = g.type_index(x);
            if Some(xt) == float_t {
                floats = true;
                true
            } else if Some(xt) == int_t {
                max_int = max_int.max(g.getsizeof(x));
                true
            } else {
                false
            }
        });
        if !all_numbers {
            continue;
        }
        let (code, item) = if floats {
            ('d', 8)
        } else if max_int <= cx.layout.int_small {
            ('i', 4)
        } else if max_int <= cx.layout.int_small + 4 {
            ('q', 8)
        } else {
            continue;
        };
        let mut distinct: Vec<Node> = items.iter().copied().filter(|&x| cx.a.idom(x) == Some(v)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let boxed_bytes: u64 = distinct.iter().map(|&x| g.shallow_size(x)).sum();
        let grp = groups.entry((cx.holder_key(v), t, code)).or_insert(Group {
            containers: Vec::new(),
            items: 0,
            current: 0,
            after: 0,
            boxed: 0,
            boxed_bytes: 0,
        });
        grp.containers.push(v);
        grp.items += items.len() as u64;
        grp.current += g.getsizeof(v) + boxed_bytes;
        grp.after += ARRAY_HEADER + item * items.len() as u64;
        grp.boxed += distinct.len() as u64;
        grp.boxed_bytes += boxed_bytes;
    }
    let mut out = Vec::new();
    for ((key, t, code), grp) in groups {
        let ty = &g.types[t as usize].name;
        let kind = ty.rsplit('.').next().unwrap_or(ty);
        let what = if code == 'd' { "floats" } else { "ints" };
        let count = grp.containers.len() as u64;
        let mut s = Suggestion::new("array", ty, grp.current, grp.after);
        s.count = count;
        s.title = if count == 1 {
            format!("store the {} {what} of one {kind} in an `array.array('{code}')`", format_count(grp.items))
        } else {
            format!("store {} {kind}s of {what} held as {} in `array.array('{code}')`", format_count(count), cx.holder_text(key))
        };
        s.example = cx.example(grp.containers[0]);
        s.evidence = format!(
            "{} {kind}{} of {} {what} ({} boxed objects of their own, {}): {} now; as `array('{code}')` {} \
             ({} B header + {} B per item)",
            format_count(count),
            if count == 1 { "" } else { "s" },
            format_count(grp.items),
            format_count(grp.boxed),
            format_size(grp.boxed_bytes),
            format_size(grp.current),
            format_size(grp.after),
            ARRAY_HEADER,
            if code == 'i' { 4 } else { 8 },
        );
        s.hint = vec![
            "import array".to_string(),
            format!("values = array.array('{code}', values)        # or numpy.asarray(values, dtype=numpy.{})",
                match code { 'd' => "float64", 'i' => "int32", _ => "int64" }),
            format!("# append/extend work as on a {kind}; items read back as Python {what}"),
        ];
        s.assumptions = vec![
            "only the numbers the container alone holds are freed (small ints -5..256 are shared singletons; a few may be counted)"
                .to_string(),
            format!("`array.array` header {ARRAY_HEADER} B (CPython 3.11, 64 bits), built from a list so it is not over-allocated; a numpy array adds about 32 B"),
        ];
        if code == 'i' {
            s.assumptions.push("ints below 2**30 (their `sys.getsizeof` is the small int size) fit 4-byte `i`".to_string());
        }
        s.objects = grp.containers;
        out.push(s);
    }
    out
}

/// Bytes per item of a numpy dtype name.
fn dtype_size(dt: &str) -> Option<u64> {
    Some(match dt {
        "float64" | "int64" | "uint64" | "complex64" => 8,
        "float32" | "int32" | "uint32" => 4,
        "float16" | "int16" | "uint16" => 2,
        "int8" | "uint8" | "bool" => 1,
        "complex128" => 16,
        _ => return None,
    })
}

/// `float32`: numpy arrays of dtype float64 that own at least [`LARGE_OBJECT`] bytes of data
/// (`extra.dt`, `extra.sh`; views, `own: false`, are their base's). Saving: half the data.
pub fn float32<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let mut groups: BTreeMap<HolderKey, (Vec<Node>, u64)> = BTreeMap::new();
    for v in g.nodes_with_extra() {
        let Some(e) = g.extra(v) else { continue };
        if e.dt.as_deref() != Some("float64") || e.own == Some(false) || e.dev.as_deref().is_some_and(|d| d != "cpu") {
            continue;
        }
        let data = match (&e.sh, e.nb) {
            (Some(sh), _) => match sh.iter().try_fold(dtype_size("float64").unwrap_or(8), |a, &d| a.checked_mul(d)) {
                Some(bytes) => bytes,
                None => continue, // a shape no array can have
            },
            (None, Some(nb)) => nb,
            (None, None) => continue,
        };
        if data < LARGE_OBJECT {
            continue;
        }
        let grp = groups.entry(cx.holder_key(v)).or_default();
        grp.0.push(v);
        grp.1 += data;
    }
    let mut out = Vec::new();
    for (key, (nodes, data)) in groups {
        let count = nodes.len() as u64;
        let ty = g.type_name(nodes[0]).to_string();
        let mut s = Suggestion::new("float32", &ty, data, data / 2);
        s.count = count;
        s.title = if count == 1 {
            format!("store a {} float64 array as float32, only where precision allows", format_size(data))
        } else {
            format!("store {} float64 arrays held as {} as float32, only where precision allows", format_count(count), cx.holder_text(key))
        };
        s.example = cx.example(nodes[0]);
        s.evidence = format!(
            "{} float64 array{} own {} of data (8 B per item); float32 takes 4 B per item",
            format_count(count),
            if count == 1 { "" } else { "s" },
            format_size(data)
        );
        s.hint = vec![
            "a = a.astype(numpy.float32)          # or create it so: numpy.zeros(n, dtype=numpy.float32)".to_string(),
            "# float32 keeps about 7 significant digits (float64: 15); sums of many items lose more:".to_string(),
            "# accumulate in float64 where it matters: a.sum(dtype=numpy.float64)".to_string(),
        ];
        s.assumptions = vec![
            "only where precision allows: float32 holds ~7 significant digits and values up to ~3.4e38".to_string(),
            "the array header (about 112 B) stays; data bytes from `extra.sh` x 8".to_string(),
        ];
        s.objects = nodes;
        out.push(s);
    }
    out
}

/// Fixed bytes of a CSR matrix: its object and attributes plus three ndarray headers.
pub const CSR_FIXED: u64 = 600;

/// `lil`: `scipy.sparse` LIL matrices, whose `rows` and `data` are object arrays of Python lists.
/// Saving: the matrix's retained size minus a CSR matrix of the same non-zeros: 8 B per value
/// (float64), 4 B per column index (int32), 4 B per row pointer, plus [`CSR_FIXED`]. Needs the
/// items of object arrays (`[i]` edges from numpy arrays): without them the rows are not seen and
/// the rule stays silent.
pub fn lil<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let Some(rows_label) = g.label_index(".rows") else { return Vec::new() };
    let lil_types: Vec<bool> =
        g.types.iter().map(|t| t.name.ends_with("lil_matrix") || t.name.ends_with("lil_array")).collect();
    if !lil_types.contains(&true) {
        return Vec::new();
    }
    let list_t = cx.type_named("builtins.list");
    let (mut nodes, mut current, mut after, mut nnz_all, mut rows_all) = (Vec::new(), 0u64, 0u64, 0u64, 0u64);
    for v in g.nodes() {
        if !lil_types[g.type_index(v) as usize] {
            continue;
        }
        // `.rows` may hang off the instance or its `__dict__`.
        let mut rows_arr = g.edges(v).find(|&(_, l)| l == rows_label).map(|(t, _)| t);
        if rows_arr.is_none() {
            for (d, _) in g.edges(v) {
                if cx.attr_dicts.contains(d) {
                    rows_arr = g.edges(d).find(|&(_, l)| g.label(l) == "['rows']").map(|(t, _)| t);
                }
            }
        }
        let Some(rows_arr) = rows_arr else { continue };
        let rows: Vec<Node> = g.successors(rows_arr).iter().copied().filter(|&r| Some(g.type_index(r)) == list_t).collect();
        if rows.is_empty() {
            continue;
        }
        let nnz: u64 = rows.iter().map(|&r| g.successors(r).len() as u64).sum();
        let nrows = g.successors(rows_arr).len() as u64;
        nodes.push(v);
        current += cx.a.retained_size(v);
        after += CSR_FIXED + nnz * (8 + 4) + (nrows + 1) * 4;
        nnz_all += nnz;
        rows_all += nrows;
    }
    if nodes.is_empty() {
        return Vec::new();
    }
    let count = nodes.len() as u64;
    let ty = g.type_name(nodes[0]).to_string();
    let mut s = Suggestion::new("lil", &ty, current, after);
    s.count = count;
    s.title = format!("build {} LIL matrix{} as COO/CSR from index arrays", format_count(count), if count == 1 { "" } else { "es" });
    s.example = cx.example(nodes[0]);
    s.evidence = format!(
        "{} rows as Python lists holding {} non-zeros with boxed indices and values: {} retained; as CSR {} \
         (8 B value + 4 B column index per non-zero, 4 B per row pointer)",
        format_count(rows_all),
        format_count(nnz_all),
        format_size(current),
        format_size(after)
    );
    s.hint = vec![
        "rows, cols, vals = [], [], []                    # or preallocated numpy arrays".to_string(),
        "rows.append(i); cols.append(j); vals.append(x)   # instead of m[i, j] = x".to_string(),
        "m = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=shape).tocsr()".to_string(),
    ];
    s.assumptions = vec!["float64 values and int32 indices in the CSR matrix".to_string()];
    s.objects = nodes;
    vec![s]
}
