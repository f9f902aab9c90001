//! Rules about text and bytes: `intern` (equal strings stored many times) and `bytes` (very large
//! `bytes`/`bytearray` objects).

use std::ops::Deref;

use rustc_hash::FxHashMap;

use super::{Cx, Suggestion, LARGE_OBJECT};
use crate::algo::deep::BitSet;
use crate::graph::{Graph, Node};
use crate::report::{format_count, format_size};

/// Distinct duplicated values from which a trie is worth mentioning.
pub const TRIE_DISTINCT: u64 = 100_000;

/// `intern`: exact `str` objects with equal hash (`extra.h`), length and size are equal strings;
/// every copy but one is a saving, as `sys.intern` (or any dict used as a cache) would share one
/// object. Strings are matched by their 64-bit hash, not their text: a collision between two
/// different strings of one length and size is possible but improbable.
///
/// Strings of the program's code are left out: those only code objects, their constants tuples,
/// functions and class namespaces (`__doc__`, `__name__`, `__qualname__`, `__module__`) hold. The
/// compiler made them, one copy per module, and no change to the program's run-time code shares
/// them.
pub fn intern<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let compiled = compiled_strings(cx);
    // (hash, length, size) -> (first node, copies)
    let mut groups: FxHashMap<(i64, u64, u64), (Node, u64)> = FxHashMap::default();
    let mut copies: Vec<Node> = Vec::new();
    for &(v, h) in &g.str_hash {
        if compiled.contains(v) {
            continue;
        }
        let key = (h, g.length(v).unwrap_or(0), g.getsizeof(v));
        let e = groups.entry(key).or_insert((v, 0));
        e.1 += 1;
        if e.0 != v {
            copies.push(v);
        }
    }
    let saving: u64 = copies.iter().map(|&v| g.shallow_size(v)).sum();
    if saving == 0 {
        return Vec::new();
    }
    let duplicated: Vec<_> = groups.values().filter(|(_, n)| *n > 1).collect();
    let distinct = duplicated.len() as u64;
    let all_copies: u64 = duplicated.iter().map(|(_, n)| n).sum();
    let current: u64 = saving + duplicated.iter().map(|&&(v, _)| g.shallow_size(v)).sum::<u64>();
    // The example: the value with the largest saving, its second copy (the first may be a literal).
    let best = groups
        .iter()
        .filter(|(_, (_, n))| *n > 1)
        .max_by_key(|((h, l, size), (first, n))| ((n - 1) * size, std::cmp::Reverse((*first, *h, *l))))
        .map(|((h, l, size), (first, _))| (*h, *l, *size, *first))
        .expect("a duplicated value");
    let example = g
        .str_hash
        .iter()
        .find(|&&(v, h)| v != best.3 && !compiled.contains(v) && h == best.0 && g.length(v) == Some(best.1) && g.getsizeof(v) == best.2)
        .map(|&(v, _)| v)
        .unwrap_or(best.3);
    let mut s = Suggestion::new("intern", "builtins.str", current, current - saving);
    s.count = all_copies - distinct;
    s.title = format!("share one copy of each of {} repeated strings", format_count(distinct));
    s.example = cx.example(example);
    s.evidence = format!(
        "{} str objects hold only {} distinct values ({} now); one copy of each: {}",
        format_count(all_copies),
        format_count(distinct),
        format_size(current),
        format_size(current - saving)
    );
    s.hint = vec![
        "import sys".to_string(),
        "name = sys.intern(name)            # where the strings are made (parsing, split, decode)".to_string(),
        "# or a cache of your own: name = _seen.setdefault(name, name)".to_string(),
    ];
    if distinct >= TRIE_DISTINCT {
        s.hint.push("# for a very large set of strings, a trie (e.g. marisa-trie) stores shared prefixes once".to_string());
    }
    s.assumptions = vec![
        "strings with equal hash, length and size are equal (64-bit hash; snapshots with `redact` carry no hashes)".to_string(),
        "the references to the copies are kept, now to the shared copy; sys.intern's own table is not counted".to_string(),
    ];
    s.objects = copies;
    vec![s]
}

/// Exact `str` objects that only the program's code holds (see [`intern`]).
fn compiled_strings<G: Deref<Target = Graph>>(cx: &Cx<G>) -> BitSet {
    let g = cx.g;
    let code_t: Vec<bool> = g.types.iter().map(|t| matches!(t.name.as_str(), "builtins.code" | "builtins.function")).collect();
    // Constants of code objects: their tuples, and the tuples and frozensets nested in those.
    let mut code_tuples = BitSet::new(g.node_count());
    let mut stack: Vec<Node> = Vec::new();
    for v in g.nodes() {
        if code_t[g.type_index(v) as usize] {
            stack.push(v);
            while let Some(c) = stack.pop() {
                for &t in g.successors(c) {
                    if matches!(g.type_name(t), "builtins.tuple" | "builtins.frozenset") && code_tuples.insert(t) {
                        stack.push(t);
                    }
                }
            }
        }
    }
    let reverse = cx.a.reverse();
    let mut out = BitSet::new(g.node_count());
    for &(v, _) in &g.str_hash {
        let only_code = reverse.referrers(v).all(|(r, l)| {
            code_t[g.type_index(r) as usize]
                || code_tuples.contains(r)
                || matches!(g.label(l), "['__doc__']" | "['__name__']" | "['__qualname__']" | "['__module__']")
        });
        if only_code && reverse.in_degree(v) > 0 {
            out.insert(v);
        }
    }
    out
}

/// `bytes`: `bytes` and `bytearray` objects of at least [`LARGE_OBJECT`]. If the data comes from a
/// file, `mmap` leaves it in the page cache (file-backed, shared, evictable) instead of the heap;
/// if it is a slice of another buffer, a `memoryview` slice shares it. Either way the saving is at
/// most the object's size: an upper bound.
pub fn bytes<G: Deref<Target = Graph>>(cx: &Cx<G>) -> Vec<Suggestion> {
    let g = cx.g;
    let types: Vec<bool> = g.types.iter().map(|t| t.name == "builtins.bytes" || t.name == "builtins.bytearray").collect();
    let mut out = Vec::new();
    for v in g.nodes() {
        if !types[g.type_index(v) as usize] || g.shallow_size(v) < LARGE_OBJECT {
            continue;
        }
        let ty = g.type_name(v).to_string();
        let size = g.shallow_size(v);
        let mut s = Suggestion::new("bytes", &ty, size, 0);
        s.upper_bound = true;
        s.count = 1;
        s.title = format!("map or slice the {} `{}` instead of copying it into the heap", format_size(size), ty.trim_start_matches("builtins."));
        s.example = cx.example(v);
        s.evidence = format!(
            "one {} of {} bytes ({} with its header) lives on the heap",
            ty.trim_start_matches("builtins."),
            format_count(g.length(v).unwrap_or(size)),
            format_size(size)
        );
        s.hint = vec![
            "with open(path, 'rb') as f:                     # data read from a file".to_string(),
            "    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)".to_string(),
            "part = memoryview(data)[start:end]               # slices without copies".to_string(),
        ];
        s.assumptions = vec![
            "an upper bound: the whole object leaves the heap only if it is file data (mmap) or a copy of another buffer (memoryview)"
                .to_string(),
        ];
        s.objects = vec![v];
        out.push(s);
    }
    out
}
