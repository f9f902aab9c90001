//! The CPython memory layout the native walker reads, on every version: taken from the agent's
//! verified table (`heapdiff.agent.layout_offsets()`, docs/LAYOUT.md), never written here.
//!
//! The agent holds one table per version family and self-checks each part on objects it builds
//! before it lists that part's entries; a part that failed (or a version nobody has tested yet) is
//! absent, and the walker then leaves those edges unlabelled, exactly as the agent does. Keeping the
//! numbers in one place is what keeps the two walkers' snapshots identical.

use std::collections::HashMap;

/// How instances keep their attributes when the type manages their dict (`attr_scheme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttrScheme {
    /// 3.11: the dict pointer and a pointer to a separate values array before the object.
    Keys311,
    /// 3.12: one word before the object: the dict, or the values pointer minus 1 (bit 0 set).
    DictOrValues312,
    /// 3.13+: the dict pointer before the object; values inline after `tp_basicsize` when the type
    /// has `Py_TPFLAGS_INLINE_VALUES`.
    Inline313,
}

/// Instance attributes: the shared keys of a heap type, and where an instance keeps dict and values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attrs {
    pub scheme: AttrScheme,
    pub ht_name: isize,
    pub ht_cached_keys: isize,
    pub dict_ptr: isize,
    /// Keys311 only.
    pub values_ptr: isize,
    /// Keys311/DictOrValues312: the byte before the values that holds the prefix size.
    pub values_prefix_byte: isize,
    pub tpflags_inline_values: u64,
    pub iv_capacity: isize,
    pub iv_valid: isize,
    pub iv_values: isize,
    /// The inline values are inside `sys.getsizeof` (never seen so far; then `extra.i` is 0).
    pub iv_in_sizeof: bool,
    pub dk_log2_index_bytes: isize,
    pub dk_usable: isize,
    pub dk_nentries: isize,
    pub dk_indices: isize,
    pub dk_entry_size: isize,
    pub ob_size: isize,
}

/// Member descriptors (slots of classes, object members of C types).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Member {
    pub md_type: isize,
    pub md_member: isize,
}

/// Type objects: the fields the walk labels besides what pyo3's structs give.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TypeFields {
    pub tp_dict: isize,
    pub tp_subclasses: isize,
    /// 3.12+: a static builtin type's `tp_subclasses` is an index, not an object.
    pub tpflags_static_builtin: u64,
}

/// Code objects: the fields the locals need (the labelled fields come from the agent's lists).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Code {
    pub nlocalsplus: isize,
    pub localsplusnames: isize,
    pub localspluskinds: isize,
    pub qualname: isize,
    /// 3.12+: the `_PyCoCached` struct (co_code, co_varnames, ... built on demand), 0 before.
    pub cached: isize,
    pub kind_cell_mask: u8,
}

/// Frame objects and interpreter frames.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub f_back: isize,
    pub f_frame: isize,
    pub f_trace: isize,
    pub if_code: isize,
    pub if_globals: isize,
    pub if_localsplus: isize,
    /// 3.14+: `_PyStackRef` tag bits in `if_code` and the locals (0 before).
    pub ref_tag_bits: usize,
}

/// Generators, coroutines and async generators: their frame, inline in the object.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gen {
    /// 3.11 only: `gi_code`, checked against the frame's code.
    pub code: Option<isize>,
    pub state: isize,
    pub iframe: isize,
    pub live_min: i8,
    pub live_max: i8,
}

/// Every verified part; `None` where the agent's self-check failed or the version is unknown.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub attrs: Option<Attrs>,
    pub member: Option<Member>,
    pub type_: Option<TypeFields>,
    pub code: Option<Code>,
    pub frame: Option<Frame>,
    pub gen: Option<Gen>,
    /// Which parts the agent verified (`layout_status()`): `keys`, `member`, `type`, `func`, ...
    pub parts: Vec<String>,
}

impl Layout {
    /// From `layout_offsets()` (name -> int, or a string for `attr_scheme`) and the verified part
    /// names. A part whose entries are incomplete is left out (a newer table than this code).
    pub fn new(ints: &HashMap<String, i64>, scheme: Option<&str>, parts: Vec<String>) -> Layout {
        let has = |p: &str| parts.iter().any(|x| x == p);
        let g = |n: &str| ints.get(n).map(|&v| v as isize);
        let attrs = (|| {
            if !has("keys") {
                return None;
            }
            let scheme = match scheme? {
                "keys311" => AttrScheme::Keys311,
                "dorv312" => AttrScheme::DictOrValues312,
                "inline313" => AttrScheme::Inline313,
                _ => return None,
            };
            let inline = scheme == AttrScheme::Inline313;
            Some(Attrs {
                scheme,
                ht_name: g("ht_name")?,
                ht_cached_keys: g("ht_cached_keys")?,
                dict_ptr: g("dict_ptr")?,
                values_ptr: if scheme == AttrScheme::Keys311 { g("values_ptr")? } else { 0 },
                values_prefix_byte: if inline { 0 } else { g("values_prefix_byte")? },
                tpflags_inline_values: if inline { g("tpflags_inline_values")? as u64 } else { 0 },
                iv_capacity: if inline { g("iv_capacity")? } else { 0 },
                iv_valid: if inline { g("iv_valid")? } else { 0 },
                iv_values: if inline { g("iv_values")? } else { 0 },
                iv_in_sizeof: inline && g("iv_in_sizeof")? != 0,
                dk_log2_index_bytes: g("dk_log2_index_bytes")?,
                dk_usable: g("dk_usable")?,
                dk_nentries: g("dk_nentries")?,
                dk_indices: g("dk_indices")?,
                dk_entry_size: g("dk_entry_size")?,
                ob_size: g("ob_size")?,
            })
        })();
        let member = (|| has("member").then_some(Member { md_type: g("md_type")?, md_member: g("md_member")? }))();
        let type_ = (|| {
            has("type").then_some(TypeFields {
                tp_dict: g("tp_dict")?,
                tp_subclasses: g("tp_subclasses")?,
                tpflags_static_builtin: g("tpflags_static_builtin")? as u64,
            })
        })();
        let code = (|| {
            has("code").then_some(Code {
                nlocalsplus: g("co_nlocalsplus")?,
                localsplusnames: g("co_localsplusnames")?,
                localspluskinds: g("co_localspluskinds")?,
                qualname: g("co_qualname")?,
                cached: g("co_cached").unwrap_or(0),
                kind_cell_mask: g("kind_cell_mask")? as u8,
            })
        })();
        let frame = (|| {
            (has("frame") && code.is_some()).then_some(Frame {
                f_back: g("f_back")?,
                f_frame: g("f_frame")?,
                f_trace: g("f_trace")?,
                if_code: g("if_code")?,
                if_globals: g("if_globals")?,
                if_localsplus: g("if_localsplus")?,
                ref_tag_bits: g("ref_tag_bits")? as usize,
            })
        })();
        let gen = (|| {
            (has("gen") && frame.is_some()).then_some(Gen {
                code: g("gen_code"),
                state: g("gen_state")?,
                iframe: g("gen_iframe")?,
                live_min: g("gen_state_live_min")? as i8,
                live_max: g("gen_state_live_max")? as i8,
            })
        })();
        Layout { attrs, member, type_, code, frame, gen, parts }
    }

    /// Whether the agent verified part `name`.
    pub fn has(&self, name: &str) -> bool {
        self.parts.iter().any(|p| p == name)
    }
}

/// The object address a (possibly tagged) reference holds: 0 for NULL, a tagged int or an invalid
/// ref (3.14+ `_PyStackRef`: bit 1 set), else the bits without the tag (the agent's `_unref`).
#[inline]
pub(crate) fn unref(bits: usize, tag: usize) -> usize {
    if tag == 0 {
        bits
    } else if bits & 2 != 0 {
        0
    } else {
        bits & !tag
    }
}
