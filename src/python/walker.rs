//! The native heap walker: the walk of `heapdiff.agent` (python/heapdiff/agent.py, the reference)
//! done in Rust through the C API, building the graph in memory (`heapdiff.snapshot()`) or writing
//! the file (`heapdiff.dump(path)`).
//!
//! Same object set, sizes, edges, labels and roots as the agent: the stack starts as
//! `gc.get_objects()` plus the root frames plus `sys.modules` (popped first); each object is
//! recorded once with `sys.getsizeof` (computed where `__sizeof__` is a known C function, see
//! `sizes.rs`, else `_PySys_GetSizeOf`), its referents from its type's
//! `tp_traverse` (what `gc.get_referents` calls) and the edges the agent adds (dict keys, instance
//! attributes read from the type's shared keys and the inline values, slots, type, module,
//! function, code, frame, cell and method fields), with the agent's labels. The rare parts that
//! run once per walk (the root frames with their locals and thread names, the header) are the
//! agent's own functions, called from here, so they cannot drift apart.
//!
//! Safety: the GIL is held for the whole walk and the collector is disabled, so no other thread and
//! no finalizer runs while raw pointers are read. Every object put on the stack is kept alive
//! (a strong reference) until the walk ends, so no id can be reused during a walk. No user code is
//! called, except a class's own `__sizeof__` (the format requires `sys.getsizeof`; when it raises
//! an `Exception` the size is 0 and `extra.e` says `sizeof`, as in the agent; a `BaseException`
//! such as `KeyboardInterrupt` aborts the walk and is re-raised). A `tp_traverse` that fails keeps
//! the referents it visited. Available on CPython 3.11 (64-bit), the layout the agent verifies.

use std::ffi::{c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyList, PySet, PyTuple};
use rustc_hash::FxHashMap;

use super::sizes::{SizeRule, Sizes, _PySys_GetSizeOf};
use super::layout::{unref, AttrScheme, Attrs, Layout, Member};
use super::text::{ascii_layout, ascii_of};
use super::{to_py_err, NativeSnapshot};
use crate::graph::{Graph, GraphBuilder, LabelIndex};
use crate::snapshot::{AttrStorage, Extra, Header, RootKind, SnapshotStream, Trailer};

type Obj = *mut ffi::PyObject;


const TPFLAGS_MANAGED_DICT: u64 = 1 << 4;
const TPFLAGS_IMMUTABLETYPE: u64 = 1 << 8;
const TPFLAGS_HEAPTYPE: u64 = 1 << 9;
const TPFLAGS_HAVE_GC: u64 = 1 << 14;
const SIZE_LIMIT: u64 = 1 << 48;
const T_OBJECT: c_int = 6;
const T_OBJECT_EX: c_int = 16;

/// The agent's kind of pandas objects (`K_PD`).
const K_PD: u8 = 16;

static WALKING: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Leaf,
    Gen,
    Str,
    Dict,
    Type,
    Module,
    Func,
    Code,
    Frame,
    Cell,
    Method,
    /// Generator, coroutine, async generator: the locals of the frame inside are labelled.
    Generator,
    /// A C type with object members (`functools.partial`, `property`, `re.Match`): `inst` is
    /// the index of its members in `Walker::cmembers`.
    CMembers,
    /// asyncio's C `Future` or `Task`: `inst` is the index of its getters in `Walker::cgetsets`.
    CGetsets,
    /// numpy array, torch tensor, mmap, autograd node, pandas object: the agent's kind (12..=16),
    /// recorded by the agent's own `_ml_record` (rare objects; their libraries' getters).
    Ml(u8),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Len {
    No,
    Str,
    Bytes,
    ByteArray,
}

/// How instances of a heap type store attributes (the agent's `inst_info`).
struct Inst {
    slots: Vec<(isize, LabelIndex)>,
    has_slots: bool,
    managed: bool,
    doff: isize,
    /// The type's shared keys (`ht_cached_keys`), 0 when unknown or unverified.
    keys: usize,
    nent: i64,
    key_labels: Vec<LabelIndex>,
    basicsize: isize,
    itemsize: isize,
    flags: u64,
}

#[derive(Clone, Copy)]
struct TInfo {
    kind: Kind,
    inst: Option<usize>,
    len: Len,
    size: SizeRule,
}

/// Type objects the walk compares with, by address.
struct Types {
    str_: usize,
    list: usize,
    tuple: usize,
    bytes: usize,
    bytearray: usize,
    dict: usize,
    type_: usize,
    module: usize,
    function: usize,
    code: usize,
    frame: usize,
    cell: usize,
    method: usize,
    generator: usize,
    coroutine: usize,
    async_generator: usize,
    member: usize,
    int: usize,
    bool_: usize,
    float: usize,
    object: usize,
}

#[inline]
unsafe fn word(addr: usize) -> usize {
    *(addr as *const usize)
}
#[inline]
unsafe fn byte(addr: usize) -> u8 {
    *(addr as *const u8)
}
#[inline]
unsafe fn ty(o: Obj) -> *mut ffi::PyTypeObject {
    ffi::Py_TYPE(o)
}
#[inline]
unsafe fn flags(t: *mut ffi::PyTypeObject) -> u64 {
    ffi::PyType_GetFlags(t) as u64
}

/// UTF-8 of an exact `str`, or None (another type, or text that is not valid UTF-8). Other text
/// than ASCII is encoded into a temporary `bytes`: `PyUnicode_AsUTF8AndSize` would keep a UTF-8
/// copy inside the string, which changes its `sys.getsizeof`.
unsafe fn text_of(o: Obj, str_type: usize) -> Option<String> {
    if o.is_null() || ty(o) as usize != str_type {
        return None;
    }
    if let Some(text) = ascii_of(o) {
        return Some(text.to_string());
    }
    let b = ffi::PyUnicode_AsUTF8String(o);
    if b.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let bytes = std::slice::from_raw_parts(ffi::PyBytes_AsString(b) as *const u8, ffi::PyBytes_Size(b) as usize);
    let text = String::from_utf8_lossy(bytes).into_owned();
    ffi::Py_DECREF(b);
    Some(text)
}

unsafe extern "C" fn visit(o: Obj, arg: *mut c_void) -> c_int {
    // a dead object a traverse still visits (3.12's _asyncio free list): never take a reference
    if !o.is_null() && ffi::Py_REFCNT(o) > 0 {
        (*(arg as *mut Vec<Obj>)).push(o);
    }
    0
}

/// `gc.get_referents(o)`: what the type's `tp_traverse` visits, for objects the collector tracks.
unsafe fn referents(o: Obj, out: &mut Vec<Obj>) {
    out.clear();
    let t = ty(o);
    if flags(t) & TPFLAGS_HAVE_GC == 0 {
        return;
    }
    if let Some(is_gc) = (*t).tp_is_gc {
        if is_gc(o) == 0 {
            return;
        }
    }
    if let Some(trav) = (*t).tp_traverse {
        // A failing traverse keeps what it visited (the agent's gc.get_referents would raise).
        let _ = trav(o, visit, out as *mut Vec<Obj> as *mut c_void);
    }
}

/// The items of an exact `list` (`is_list`) or `tuple`, in index order (docs/FORMAT.md; their
/// `tp_traverse` visits them last first). A NULL item (a tuple being filled) is no referent.
unsafe fn items_in_order(o: Obj, is_list: bool, out: &mut Vec<Obj>) {
    out.clear();
    let (n, items) = if is_list {
        (ffi::PyList_GET_SIZE(o), (*(o as *mut ffi::PyListObject)).ob_item as *const Obj)
    } else {
        (ffi::PyTuple_GET_SIZE(o), (*(o as *mut ffi::PyTupleObject)).ob_item.as_ptr() as *const Obj)
    };
    if items.is_null() {
        return;
    }
    out.extend((0..n.max(0) as usize).map(|i| *items.add(i)).filter(|p| !p.is_null()));
}

/// The dict of type `t` (borrowed), or NULL. A static builtin type keeps it in the interpreter's
/// state on 3.12+ (`tp_dict` is NULL): then it is read through `type.__dict__` (a mappingproxy over
/// it; the metaclass of a static builtin type is `type`, so no code of the program runs).
unsafe fn type_dict(t: *mut ffi::PyTypeObject) -> Obj {
    let d = (*t).tp_dict;
    if !d.is_null() || flags(t) & TPFLAGS_HEAPTYPE != 0 || ffi::Py_TYPE(t as Obj) != std::ptr::addr_of_mut!(ffi::PyType_Type) {
        return d;
    }
    let proxy = ffi::PyObject_GetAttrString(t as Obj, c"__dict__".as_ptr());
    if proxy.is_null() {
        ffi::PyErr_Clear();
        return std::ptr::null_mut();
    }
    // PyMappingProxyObject: PyObject_HEAD, then the mapping
    let mapping = if ffi::Py_TYPE(proxy) == std::ptr::addr_of_mut!(ffi::PyDictProxy_Type) { word(proxy as usize + 16) as Obj } else { std::ptr::null_mut() };
    ffi::Py_DECREF(proxy);
    if !mapping.is_null() && ffi::PyDict_Check(mapping) != 0 { mapping } else { std::ptr::null_mut() }
}

/// `addr + offset`, an offset from the layout table (negative before the object).
#[inline]
fn off(addr: usize, offset: isize) -> usize {
    addr.wrapping_add_signed(offset)
}

/// (dict address, address of value 0) of an instance of a managed-dict type, 0 where absent (the
/// agent's `_attr_store`).
#[inline]
unsafe fn attr_store(oid: usize, flags: u64, basicsize: isize, at: &Attrs) -> (usize, usize) {
    match at.scheme {
        AttrScheme::Inline313 => {
            let dp = word(off(oid, at.dict_ptr));
            let mut vp = 0;
            if flags & at.tpflags_inline_values != 0 {
                let hdr = off(oid, basicsize);
                if byte(off(hdr, at.iv_valid)) != 0 {
                    vp = off(hdr, at.iv_values);
                }
            }
            (dp, vp)
        }
        AttrScheme::DictOrValues312 => {
            let w = word(off(oid, at.dict_ptr));
            if w & 1 != 0 { (0, w + 1) } else { (w, 0) }
        }
        AttrScheme::Keys311 => (word(off(oid, at.dict_ptr)), word(off(oid, at.values_ptr))),
    }
}

/// 3.13+: bytes of the inline values that `sys.getsizeof` leaves out (the agent's `_values_extra`):
/// the capacity byte, one more slot when `_PyObject_InitInlineValues` took one off `dk_usable`.
#[inline]
unsafe fn inline_values_extra(oid: usize, flags: u64, basicsize: isize, keys: usize, at: &Attrs) -> u64 {
    if flags & at.tpflags_inline_values == 0 || at.iv_in_sizeof {
        return 0;
    }
    let mut cap = byte(off(off(oid, basicsize), at.iv_capacity)) as u64;
    if keys != 0 {
        let usable = word(off(keys, at.dk_usable)) as u64;
        if usable > 1 || cap > word(off(keys, at.dk_nentries)) as u64 + usable {
            cap += 1;
        }
    }
    ((cap + 7) & !7) + 8 * (cap + 1)
}

/// The addresses of `objs` (a pointer and a usize have one layout).
fn addrs(objs: &[Obj]) -> &[usize] {
    // SAFETY: `*mut PyObject` and `usize` have the same size and alignment; the slice is only read.
    unsafe { std::slice::from_raw_parts(objs.as_ptr() as *const usize, objs.len()) }
}

/// The agent's `match_labels`: the label of each of `ids` (the referents), given the referents
/// expected with their labels; written into `out` (one label per id). Each expected referent
/// labels the first unlabelled equal id.
fn match_labels(ids: &[usize], exp_ids: &[usize], exp_labs: &[LabelIndex], out: &mut Vec<LabelIndex>) {
    out.clear();
    let k = exp_ids.len();
    if ids.len() >= k && ids[..k] == *exp_ids {
        // the referents start with the expected ones, in order
        out.extend_from_slice(exp_labs);
        out.resize(ids.len(), 0);
        return;
    }
    if k <= 64 {
        // a few expected referents (an instance's attributes, after its type): scan, with a bit
        // per expected one already used, instead of a map per object
        let mut used = 0u64;
        out.extend(ids.iter().map(|&i| {
            for (j, &e) in exp_ids.iter().enumerate() {
                if e == i && used & (1 << j) == 0 {
                    used |= 1 << j;
                    return exp_labs[j];
                }
            }
            0
        }));
        return;
    }
    let mut want: FxHashMap<usize, std::collections::VecDeque<LabelIndex>> = FxHashMap::default();
    for (&i, &l) in exp_ids.iter().zip(exp_labs) {
        want.entry(i).or_default().push_back(l);
    }
    out.extend(ids.iter().map(|i| want.get_mut(i).and_then(|q| q.pop_front()).unwrap_or(0)));
}

/// A C getter of a getset descriptor, with its closure.
type Getter = (unsafe extern "C" fn(Obj, *mut c_void) -> Obj, *mut c_void);

/// The agent's `_ASYNC_FIELDS`: the fields of asyncio's C `Future` and `Task` that are labelled.
const ASYNC_FIELDS: [&str; 7] = ["_loop", "_result", "_exception", "_source_traceback", "_cancel_message", "_coro", "_fut_waiter"];

/// The agent's `_async_fields`: the getters of `ASYNC_FIELDS` of asyncio's C `Future` and `Task`,
/// when `_asyncio` is in `sys.modules` (it is never imported here).
unsafe fn async_getters(py: Python<'_>, getset_type: usize, member: Option<Member>) -> Vec<(usize, Vec<(Getter, String)>)> {
    let mut out = Vec::new();
    let Ok(m) = py.import("sys").and_then(|s| s.getattr("modules")).and_then(|m| m.get_item("_asyncio")) else { return out };
    if ffi::PyModule_Check(m.as_ptr()) == 0 {
        return out;
    }
    let md = ffi::PyModule_GetDict(m.as_ptr());
    for name in [c"Future", c"Task"] {
        let t = ffi::PyDict_GetItemString(md, name.as_ptr());
        // a C type: static, or an immutable heap type (3.12+ extension modules; the agent's `_c_type`)
        if t.is_null() || ffi::PyType_Check(t) == 0 {
            continue;
        }
        let tf = flags(t as *mut ffi::PyTypeObject);
        if tf & TPFLAGS_HEAPTYPE != 0 && tf & TPFLAGS_IMMUTABLETYPE == 0 {
            continue;
        }
        let td = type_dict(t as *mut ffi::PyTypeObject);
        let mut fields = Vec::new();
        for field in ASYNC_FIELDS {
            let Ok(key) = std::ffi::CString::new(field) else { continue };
            let d = if td.is_null() { std::ptr::null_mut() } else { ffi::PyDict_GetItemString(td, key.as_ptr()) };
            if d.is_null() || ty(d) as usize != getset_type {
                continue;
            }
            // PyGetSetDescrObject: PyDescr_COMMON, then PyGetSetDef *d_getset (where a member
            // descriptor has its PyMemberDef: the verified `md_member`)
            let Some(m) = member else { continue };
            let def = word(off(d as usize, m.md_member)) as *const ffi::PyGetSetDef;
            if let Some(get) = def.as_ref().and_then(|g| g.get) {
                fields.push(((get, (*def).closure), format!(".{field}")));
            }
        }
        if !fields.is_empty() {
            out.push((t as usize, fields));
        }
    }
    out
}

/// The agent's `_field_labels`: labels for the referents `ids` of the object at `oid`, given
/// (offset, label) of the object pointers it holds in its struct (a NULL field is no referent).
unsafe fn field_labels(oid: usize, fields: &[(isize, LabelIndex)], ids: &[usize], out: &mut Vec<LabelIndex>) {
    let (mut ei, mut el) = (Vec::new(), Vec::new());
    for &(off, l) in fields {
        let p = word((oid as isize + off) as usize);
        if p != 0 {
            ei.push(p);
            el.push(l);
        }
    }
    match_labels(ids, &ei, &el, out);
}

/// The fields of one record beyond id, type, size and refs, as the walk finds them. The common
/// ones (a str's hash, a length, the attribute storage, inline bytes) go to the builder's side
/// arrays as they are; the rare rest is an [`Extra`], allocated only for objects that have one.
#[derive(Default)]
struct Fields {
    h: Option<i64>,
    l: Option<u64>,
    a: Option<AttrStorage>,
    i: u64,
    rich: Option<Box<Extra>>,
}

impl Fields {
    fn rich(&mut self) -> &mut Extra {
        self.rich.get_or_insert_with(Default::default)
    }
}

/// Buffers the walk fills for every object, kept between objects so that walking allocates
/// nothing per object.
#[derive(Default)]
struct Scratch {
    refs: Vec<Obj>,
    labels: Vec<LabelIndex>,
    exp_ids: Vec<usize>,
    exp_labs: Vec<LabelIndex>,
    items: Vec<Obj>,
}

/// A set of object addresses: one bit per 16 bytes (objects are 16-byte aligned), in 1 MiB pages
/// found through a small map. Far faster than a hash set of a million pointers: the page map stays
/// in cache and a test is one bit.
#[derive(Default)]
struct AddrSet {
    pages: FxHashMap<usize, Box<[u64; 1024]>>,
    /// The page of the last address asked about: neighbours in memory are often walked in a row.
    last: Option<(usize, *mut [u64; 1024])>,
    /// Addresses that are not 16-byte aligned (never objects of CPython's allocators, but an id
    /// to exclude can be anything).
    odd: rustc_hash::FxHashSet<usize>,
}

impl AddrSet {
    #[inline]
    fn split(addr: usize) -> (usize, usize, u64) {
        let bit = (addr >> 4) & 0xFFFF;
        (addr >> 20, bit >> 6, 1u64 << (bit & 63))
    }
    /// The bitmap of page `p`, made when `make` (else None when there is none).
    #[inline]
    fn page(&mut self, p: usize, make: bool) -> Option<&mut [u64; 1024]> {
        if let Some((lp, ptr)) = self.last {
            if lp == p {
                // SAFETY: `ptr` points into a Box owned by `pages`, which never frees a page.
                return Some(unsafe { &mut *ptr });
            }
        }
        let page = if make { self.pages.entry(p).or_insert_with(|| Box::new([0u64; 1024])) } else { self.pages.get_mut(&p)? };
        let ptr: *mut [u64; 1024] = &mut **page;
        self.last = Some((p, ptr));
        // SAFETY: as above; the Box's contents do not move when the map grows.
        Some(unsafe { &mut *ptr })
    }
    /// Adds `addr`; false when it was there already.
    #[inline]
    fn insert(&mut self, addr: usize) -> bool {
        if addr & 15 != 0 {
            return self.odd.insert(addr);
        }
        let (p, w, m) = Self::split(addr);
        let page = self.page(p, true).expect("made");
        let was = page[w] & m != 0;
        page[w] |= m;
        !was
    }
    #[inline]
    fn contains(&mut self, addr: usize) -> bool {
        if addr & 15 != 0 {
            return self.odd.contains(&addr);
        }
        let (p, w, m) = Self::split(addr);
        self.page(p, false).is_some_and(|page| page[w] & m != 0)
    }
}

struct Walker {
    b: GraphBuilder,
    seen: AddrSet,
    stack: Vec<Obj>,
    /// Every object taken off the stack, kept alive until the walk ends.
    alive: Vec<Obj>,
    /// Objects the agent's `_ml_record` obtained from a library getter, kept alive likewise.
    alive_extra: Vec<Obj>,
    tinfo: FxHashMap<usize, TInfo>,
    insts: Vec<Inst>,
    /// (offset, label) of the object members of C types, by `TInfo::inst` of `Kind::CMembers`.
    cmembers: Vec<Vec<(isize, LabelIndex)>>,
    /// The agent's `_async_fields`: (type address, its getters with their labels), for asyncio's
    /// C `Future` and `Task` when the program imported `_asyncio`.
    cgetsets: Vec<(usize, Vec<(Getter, LabelIndex)>)>,
    key_labels: FxHashMap<usize, LabelIndex>,
    root_frames: FxHashMap<usize, (Vec<Obj>, Vec<LabelIndex>)>,
    t: Types,
    del_str: Obj,
    module_str: Obj,
    name_str: Obj,
    ellipsis: Obj,
    edges: u64,
    l: Labels,
    /// The agent's context and functions, when the program imported numpy, pandas, torch or mmap.
    ml: Option<MlHooks>,
    /// Reused to build labels.
    label_buf: String,
    /// `sys.getsizeof` computed for the types whose `__sizeof__` is known.
    sizes: Sizes,
    /// The CPython layout the agent verified (`layout_offsets()`, docs/LAYOUT.md).
    lay: Layout,
    /// CPython 3.x.
    minor: u8,
    /// The file being written (`heapdiff.dump`): records go to it every [`CHUNK`] objects instead
    /// of piling up in `b`.
    stream: Option<SnapshotStream>,
}

/// Objects per chunk handed to the writer thread: big enough that handing over costs nothing,
/// small enough that the writer starts early and a chunk stays in cache-sized buffers.
const CHUNK: usize = 1 << 15;

/// Borrowed pointers to the agent's objects (alive for the whole walk in `walk_graph`).
struct MlHooks {
    ctx: Obj,
    record: Obj,
    classify: Obj,
    tinfo: Obj,
    labels: Obj,
}

struct Labels {
    key: LabelIndex,
    cell: LabelIndex,
    mfunc: LabelIndex,
    mself: LabelIndex,
    dict: LabelIndex,
    mro: LabelIndex,
    bases: LabelIndex,
    base: LabelIndex,
    tname: LabelIndex,
    tqual: LabelIndex,
    subcl: LabelIndex,
    fback: LabelIndex,
    fcode: LabelIndex,
    fglob: LabelIndex,
    ftrace: LabelIndex,
    /// (offset, label) of the verified code and function fields (the agent's `_lay_fields`).
    code: Vec<(isize, LabelIndex)>,
    code_cached: Vec<(isize, LabelIndex)>,
    func: Vec<(isize, LabelIndex)>,
}

impl Walker {
    fn lab(&mut self, s: &str) -> LabelIndex {
        self.b.intern_label(s)
    }

    unsafe fn push(&mut self, o: Obj) {
        ffi::Py_INCREF(o);
        self.stack.push(o);
    }

    unsafe fn in_mro(&self, t: *mut ffi::PyTypeObject, target: usize) -> bool {
        let mro = (*t).tp_mro;
        if mro.is_null() || ffi::PyTuple_Check(mro) == 0 {
            return false;
        }
        let n = ffi::PyTuple_GET_SIZE(mro);
        (0..n).any(|i| ffi::PyTuple_GET_ITEM(mro, i) as usize == target)
    }

    /// The agent's `_type_name`: `module.qualname` read with type's own getters' logic.
    unsafe fn type_name(&self, t: *mut ffi::PyTypeObject) -> String {
        let s = self.t.str_;
        let static_name = || {
            let full = std::ffi::CStr::from_ptr((*t).tp_name).to_string_lossy().into_owned();
            match full.rfind('.') {
                Some(i) => (Some(full[..i].to_string()), full[i + 1..].to_string()),
                None => (Some("builtins".to_string()), full),
            }
        };
        if flags(t) & TPFLAGS_HEAPTYPE != 0 {
            let ht = t as *mut ffi::PyHeapTypeObject;
            let q = text_of((*ht).ht_qualname, s).or_else(|| text_of((*ht).ht_name, s)).unwrap_or_else(|| "?".into());
            let d = (*t).tp_dict;
            let m = if d.is_null() {
                None
            } else {
                let v = ffi::PyDict_GetItemWithError(d, self.module_str);
                if v.is_null() {
                    ffi::PyErr_Clear();
                    None
                } else {
                    text_of(v, s)
                }
            };
            match m {
                Some(m) if !m.is_empty() => format!("{m}.{q}"),
                _ => q,
            }
        } else {
            let (m, q) = static_name();
            match m {
                Some(m) if !m.is_empty() => format!("{m}.{q}"),
                _ => q,
            }
        }
    }

    /// The agent's kind for `t` when it is one of the ML kinds (12..=16), asked only when the
    /// program imported one of those libraries.
    unsafe fn ml_kind(&self, t: *mut ffi::PyTypeObject) -> Option<u8> {
        let ml = self.ml.as_ref()?;
        let py = Python::assume_attached();
        let known = Bound::from_borrowed_ptr(py, ml.tinfo).get_item((t as usize).into_pyobject(py).ok()?).ok();
        let info = match known {
            Some(i) => i,
            None => Bound::from_borrowed_ptr(py, ml.classify).call1((Bound::from_borrowed_ptr(py, t as Obj),)).ok()?,
        };
        let k: u8 = info.get_item(0).ok()?.extract().ok()?;
        (12..=K_PD).contains(&k).then_some(k)
    }

    /// Runs the agent's `_ml_record` for `o`: appends its edges to `objs`/`labels`, its fields to
    /// `extra`; returns the size to record.
    unsafe fn ml_record(&mut self, o: Obj, kind: u8, sz: u64, objs: &mut Vec<Obj>, labels: &mut Vec<LabelIndex>, f: &mut Fields) -> u64 {
        let Some(ml) = self.ml.as_ref() else { return sz };
        let py = Python::assume_attached();
        // (size, objects added with their label's index in the agent's table, extra fields)
        type Recorded = (u64, Vec<(Obj, usize)>, String);
        let mut run = || -> PyResult<Recorded> {
            let gr = PyList::empty(py);
            let ids = PyList::empty(py);
            let labs = PyList::empty(py);
            for &x in objs.iter() {
                gr.append(Bound::from_borrowed_ptr(py, x))?;
                ids.append(x as usize)?;
                labs.append(0)?;
            }
            let x = PyList::empty(py);
            let n0 = objs.len();
            let size = Bound::from_borrowed_ptr(py, ml.record)
                .call1((Bound::from_borrowed_ptr(py, ml.ctx), kind, Bound::from_borrowed_ptr(py, o), sz, &gr, &ids, &labs, &x))?
                .extract::<u64>()?;
            let mut added = Vec::new();
            for i in n0..gr.len() {
                let item = gr.get_item(i)?;
                ffi::Py_INCREF(item.as_ptr());
                self.alive_extra.push(item.as_ptr());
                added.push((item.as_ptr(), labs.get_item(i)?.extract::<usize>()?));
            }
            let parts: Vec<String> = x.extract()?;
            Ok((size, added, format!("{{{}}}", parts.join(","))))
        };
        let (size, added, x) = match run() {
            Ok(r) => r,
            Err(_) => return sz,
        };
        let names = Bound::from_borrowed_ptr(py, ml.labels);
        for (obj, li) in added {
            let text: String = names.get_item(li).and_then(|t| t.extract()).unwrap_or_default();
            objs.push(obj);
            labels.push(self.b.intern_label(&text));
        }
        if let Ok(fields) = serde_json::from_str::<Extra>(&x) {
            if fields.l.is_some() {
                f.l = fields.l;
            }
            let extra = f.rich();
            extra.e = extra.e.take().or(fields.e);
            extra.nb = fields.nb;
            extra.dev = fields.dev;
            extra.dt = fields.dt;
            extra.sh = fields.sh;
            extra.own = fields.own;
        }
        // autograd node types are classified by `_ml_record` itself (ctx.tinfo): take them over
        if kind == 13 {
            if let Ok(items) = Bound::from_borrowed_ptr(py, ml.tinfo).cast::<pyo3::types::PyDict>().map(|d| d.items()) {
                for item in items.iter() {
                    if let Ok((tid, info)) = item.extract::<(usize, Bound<'_, PyAny>)>() {
                        if let Ok(k) = info.get_item(0).and_then(|k| k.extract::<u8>()) {
                            if (12..=K_PD).contains(&k) {
                                if let Some(ti) = self.tinfo.get_mut(&tid) {
                                    ti.kind = Kind::Ml(k);
                                }
                            }
                        }
                    }
                }
            }
        }
        size
    }

    unsafe fn classify(&mut self, t: *mut ffi::PyTypeObject) -> TInfo {
        let f = flags(t);
        let tu = t as usize;
        let tt = &self.t;
        let mut kind = if tu == tt.str_ {
            Kind::Str
        } else if self.in_mro(t, tt.dict) {
            Kind::Dict
        } else if self.in_mro(t, tt.type_) {
            Kind::Type
        } else if self.in_mro(t, tt.module) {
            Kind::Module
        } else if tu == tt.function {
            Kind::Func
        } else if tu == tt.code {
            Kind::Code
        } else if tu == tt.frame {
            Kind::Frame
        } else if tu == tt.cell {
            Kind::Cell
        } else if tu == tt.generator || tu == tt.coroutine || tu == tt.async_generator {
            Kind::Generator
        } else if tu == tt.method {
            Kind::Method
        } else if tu == tt.bytes || tu == tt.bytearray {
            Kind::Leaf // the agent's K_BYTES always ends up as a leaf with a length (below)
        } else if f & TPFLAGS_HAVE_GC != 0 {
            Kind::Gen
        } else {
            Kind::Leaf
        };
        let mut len = Len::No;
        if tu != tt.str_ {
            if self.in_mro(t, tt.str_) {
                len = Len::Str;
            } else if self.in_mro(t, tt.bytes) {
                len = Len::Bytes;
            } else if self.in_mro(t, tt.bytearray) {
                len = Len::ByteArray;
            }
        }
        let mut inst = None;
        if f & TPFLAGS_HEAPTYPE != 0 && kind != Kind::Type && kind != Kind::Module {
            inst = self.inst_info(t, f);
            if inst.is_some() && kind != Kind::Dict {
                kind = Kind::Gen;
            }
        }
        if matches!(kind, Kind::Leaf | Kind::Str) && (len != Len::No || inst.is_some()) && tu != self.t.str_ {
            kind = if f & TPFLAGS_HAVE_GC != 0 { Kind::Gen } else { Kind::Leaf };
        }
        if let Some(k) = self.ml_kind(t) {
            kind = Kind::Ml(k);
        }
        // asyncio's Future and Task: their own getters, also where they are heap types (3.12+)
        let getsets = if kind == Kind::Gen { self.cgetsets.iter().position(|(a, _)| *a == tu) } else { None };
        if let Some(i) = getsets {
            kind = Kind::CGetsets;
            inst = Some(i);
        } else if kind == Kind::Gen && inst.is_none() && f & TPFLAGS_HEAPTYPE == 0 {
            // a C type's object members: labelled like slots (the agent's K_CMEMBERS)
            let mut mem = Vec::new();
            self.members_of(t, &mut mem);
            if !mem.is_empty() {
                self.cmembers.push(mem);
                kind = Kind::CMembers;
                inst = Some(self.cmembers.len() - 1);
            }
        }
        let info = TInfo { kind, inst, len, size: self.sizes.rule(t) };
        self.tinfo.insert(tu, info);
        info
    }

    /// The agent's `members_of`: appends the object members (T_OBJECT, T_OBJECT_EX) type `b`
    /// itself defines, read from its member descriptors: a slot of a class, a field of a C type.
    /// Returns whether `b` has member descriptors at all.
    unsafe fn members_of(&mut self, b: *mut ffi::PyTypeObject, out: &mut Vec<(isize, LabelIndex)>) -> bool {
        let mut any = false;
        let d = type_dict(b);
        if d.is_null() {
            return false;
        }
        let mut pos: ffi::Py_ssize_t = 0;
        let (mut k, mut v): (Obj, Obj) = (std::ptr::null_mut(), std::ptr::null_mut());
        while ffi::PyDict_Next(d, &mut pos, &mut k, &mut v) != 0 {
            if ty(v) as usize == self.t.member && ty(k) as usize == self.t.str_ {
                any = true;
                let Some(m) = self.lay.member else { continue };
                let di = v as usize;
                let dm = word(off(di, m.md_member)) as *const ffi::PyMemberDef;
                if word(off(di, m.md_type)) == b as usize && !dm.is_null() && matches!((*dm).type_code, T_OBJECT | T_OBJECT_EX) {
                    if let Some(name) = text_of(k, self.t.str_) {
                        let l = self.lab(&format!(".{name}"));
                        out.push(((*dm).offset, l));
                    }
                }
            }
        }
        any
    }

    unsafe fn inst_info(&mut self, t: *mut ffi::PyTypeObject, f: u64) -> Option<usize> {
        let mut slots = Vec::new();
        let mut has_slots = false;
        let mut b = t;
        while !b.is_null() && flags(b) & TPFLAGS_HEAPTYPE != 0 {
            has_slots |= self.members_of(b, &mut slots);
            b = (*b).tp_base;
        }
        let base = if b.is_null() { self.t.object as *mut ffi::PyTypeObject } else { b };
        let managed = f & TPFLAGS_MANAGED_DICT != 0;
        let doff = if !managed && (*t).tp_dictoffset != 0 && (*t).tp_dictoffset != (*base).tp_dictoffset { (*t).tp_dictoffset } else { 0 };
        if !(has_slots || managed || doff != 0) {
            return None;
        }
        let mut keys = 0;
        if let (true, Some(at)) = (managed, self.lay.attrs) {
            // the heap type's own name where the table says: the self-check of this type's layout
            if word(off(t as usize, at.ht_name)) == (*(t as *mut ffi::PyHeapTypeObject)).ht_name as usize {
                keys = word(off(t as usize, at.ht_cached_keys));
            }
        }
        self.insts.push(Inst {
            slots,
            has_slots,
            managed,
            doff,
            keys,
            nent: -1,
            key_labels: Vec::new(),
            basicsize: (*t).tp_basicsize,
            itemsize: (*t).tp_itemsize,
            flags: f,
        });
        Some(self.insts.len() - 1)
    }

    unsafe fn refresh_keys(&mut self, ii: usize, at: Attrs) {
        let keys = self.insts[ii].keys;
        let nent = word(off(keys, at.dk_nentries));
        let ent = off(keys, at.dk_indices) + (1usize << byte(off(keys, at.dk_log2_index_bytes)));
        for i in self.insts[ii].key_labels.len()..nent {
            let k = word(ent + at.dk_entry_size as usize * i) as Obj;
            let l = match text_of(k, self.t.str_) {
                Some(name) => self.lab(&format!(".{name}")),
                None => 0,
            };
            self.insts[ii].key_labels.push(l);
        }
        self.insts[ii].nent = nent as i64;
    }

    /// The agent's `inst_labels`: labels for the instance part of `ids` (into `out`), attribute
    /// storage, inline bytes, and a managed dict that `gc.get_referents` leaves out (3.13+: a dict
    /// made while the inline values stay valid), which the caller appends with `.__dict__`.
    unsafe fn inst_labels(&mut self, oid: usize, ids: &[usize], ii: usize, sc: &mut Scratch, out: &mut Vec<LabelIndex>) -> (Option<AttrStorage>, u64, Option<Obj>) {
        let (exp_ids, exp_labs) = (&mut sc.exp_ids, &mut sc.exp_labs);
        exp_ids.clear();
        exp_labs.clear();
        for &(o, l) in &self.insts[ii].slots {
            let p = word(off(oid, o));
            if p != 0 {
                exp_ids.push(p);
                exp_labs.push(l);
            }
        }
        // (has slots, dict, inline) -> how the attributes are stored
        let slots = self.insts[ii].has_slots;
        let (mut dict, mut inline) = (false, false);
        let mut extra_i = 0u64;
        let mut missing_dict = None;
        if let (true, Some(at)) = (self.insts[ii].managed, self.lay.attrs) {
            let inst = &self.insts[ii];
            let (dp, vp) = attr_store(oid, inst.flags, inst.basicsize, &at);
            let keys = inst.keys;
            let mut nent = 0;
            if vp != 0 && keys != 0 {
                nent = word(off(keys, at.dk_nentries));
                if nent as i64 != self.insts[ii].nent {
                    self.refresh_keys(ii, at);
                }
                for i in 0..nent {
                    let v = word(vp + 8 * i);
                    if v != 0 {
                        if let Some(&l) = self.insts[ii].key_labels.get(i) {
                            exp_ids.push(v);
                            exp_labs.push(l);
                        }
                    }
                }
            }
            if dp != 0 {
                if vp != 0 && !ids.contains(&dp) {
                    missing_dict = Some(dp as Obj);
                }
                exp_ids.push(dp);
                exp_labs.push(self.l.dict);
                dict = true;
            } else if vp != 0 {
                inline = true;
            }
            let inst = &self.insts[ii];
            if at.scheme == AttrScheme::Inline313 {
                extra_i = inline_values_extra(oid, inst.flags, inst.basicsize, keys, &at);
            } else if vp != 0 && keys != 0 && dp == 0 {
                // the values array: see the agent's _values_extra
                let prefix = byte(off(vp, at.values_prefix_byte)) as i64;
                let mut cap = (nent as i64 + word(off(keys, at.dk_usable)) as i64).max(prefix - 9);
                if cap > prefix - 2 {
                    cap = prefix - 2;
                }
                extra_i = (prefix + 8 * cap).max(0) as u64;
            }
        } else if let (true, Some(at)) = (self.insts[ii].doff != 0, self.lay.attrs) {
            let mut doff = self.insts[ii].doff;
            if doff < 0 {
                let n = (word(off(oid, at.ob_size)) as isize).abs();
                let size = self.insts[ii].basicsize + n * self.insts[ii].itemsize;
                doff += (size + 7) & !7;
            }
            let dp = word(off(oid, doff));
            if dp != 0 {
                exp_ids.push(dp);
                exp_labs.push(self.l.dict);
                dict = true;
            }
        }
        match_labels(ids, exp_ids, exp_labs, out);
        let a = match (slots, dict, inline) {
            (true, true, _) => Some(AttrStorage::SlotsDict),
            (true, false, true) => Some(AttrStorage::SlotsInline),
            (true, false, false) => Some(AttrStorage::Slots),
            (false, true, _) => Some(AttrStorage::Dict),
            (false, false, true) => Some(AttrStorage::Inline),
            (false, false, false) => None,
        };
        (a, extra_i, missing_dict)
    }

    /// The agent's `_local_labels`: appends the locals of interpreter frame `fr` running `code`
    /// (addresses) with their labels (`local 'name'`, `cell 'name'`).
    /// Callers checked that the layout has `code` and `frame` parts.
    unsafe fn local_labels(&mut self, fr: usize, code: usize, ei: &mut Vec<usize>, el: &mut Vec<LabelIndex>) {
        let (Some(c), Some(fl)) = (self.lay.code, self.lay.frame) else { return };
        let s = self.t.str_;
        let nlp = *(off(code, c.nlocalsplus) as *const i32) as usize;
        let names = word(off(code, c.localsplusnames)) as Obj;
        let kinds = word(off(code, c.localspluskinds)) as Obj;
        for i in 0..nlp {
            let p = unref(word(off(fr, fl.if_localsplus) + 8 * i), fl.ref_tag_bits);
            if p == 0 {
                continue;
            }
            let name = if !names.is_null() && ffi::PyTuple_Check(names) != 0 && (i as isize) < ffi::PyTuple_GET_SIZE(names) {
                text_of(ffi::PyTuple_GET_ITEM(names, i as isize), s).unwrap_or_default()
            } else {
                String::new()
            };
            let kind = if !kinds.is_null() && (i as isize) < ffi::PyBytes_Size(kinds) {
                *(ffi::PyBytes_AsString(kinds) as *const u8).add(i)
            } else {
                0
            };
            let l = self.lab(&format!("{}{name}'", if kind & c.kind_cell_mask != 0 { "cell '" } else { "local '" }));
            ei.push(p);
            el.push(l);
        }
    }

    /// 3.12's `_asyncio` (the agent's `_UNTRAVERSED_MODULES`): its traverse visits a free list of
    /// dead objects, so the walk writes its `__dict__` as its only referent, as the agent does.
    unsafe fn untraversed_module(&self, o: Obj) -> bool {
        if self.minor != 12 {
            return false;
        }
        let md = word(o as usize + 16) as Obj;
        if md.is_null() || ty(md) as usize != self.t.dict {
            return false;
        }
        let nm = ffi::PyDict_GetItemWithError(md, self.name_str);
        if nm.is_null() {
            ffi::PyErr_Clear();
            return false;
        }
        text_of(nm, self.t.str_).as_deref() == Some("_asyncio")
    }

    /// `co_qualname` of a code object: read where the verified table says, else through the code
    /// type's own getter (code objects run no user code).
    unsafe fn code_qualname(&self, code: Obj) -> Option<String> {
        if let Some(c) = self.lay.code {
            return text_of(word(off(code as usize, c.qualname)) as Obj, self.t.str_);
        }
        let q = ffi::PyObject_GetAttrString(code, c"co_qualname".as_ptr());
        if q.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let text = text_of(q, self.t.str_);
        ffi::Py_DECREF(q);
        text
    }

    /// The agent's `_gen_labels` checks: (interpreter frame, code) of a generator, coroutine or
    /// async generator whose frame is alive, when the code the frame runs is the one the type's own
    /// C getter (`gi_code`, `cr_code`, `ag_code`) returns.
    unsafe fn gen_frame(&self, o: Obj) -> Option<(usize, usize)> {
        let (g, fl) = (self.lay.gen?, self.lay.frame?);
        let oid = o as usize;
        let state = *(off(oid, g.state) as *const i8);
        if !(g.live_min..=g.live_max).contains(&state) {
            return None; // cleared: the slots are stale
        }
        let fr = off(oid, g.iframe);
        let code = unref(word(off(fr, fl.if_code)), fl.ref_tag_bits);
        if code == 0 || g.code.is_some_and(|c| word(off(oid, c)) != code) {
            return None;
        }
        let t = ty(o) as usize;
        let name = if t == self.t.generator {
            c"gi_code"
        } else if t == self.t.coroutine {
            c"cr_code"
        } else {
            c"ag_code"
        };
        let c = ffi::PyObject_GetAttrString(o, name.as_ptr());
        if c.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        ffi::Py_DECREF(c);
        (c as usize == code).then_some((fr, code))
    }

    /// The label of a dict key's value edge (the agent's `key_label`).
    unsafe fn key_label(&mut self, k: Obj) -> LabelIndex {
        let t = ty(k) as usize;
        if t == self.t.str_ {
            if let Some(&l) = self.key_labels.get(&(k as usize)) {
                return l;
            }
            // A short printable-ASCII key without a quote or backslash: its repr is itself in
            // single quotes, built here without a repr, a Python string and three Rust strings.
            if let Some(text) = ascii_of(k).filter(|t| t.len() <= 60 && t.bytes().all(|c| (b' '..=b'~').contains(&c) && c != b'\'' && c != b'\\')) {
                let mut buf = std::mem::take(&mut self.label_buf);
                buf.clear();
                buf.push_str("['");
                buf.push_str(text);
                buf.push_str("']");
                let l = self.lab(&buf);
                self.label_buf = buf;
                self.key_labels.insert(k as usize, l);
                return l;
            }
            let n = ffi::PyUnicode_GetLength(k);
            let (shown, owned) = if n <= 60 {
                (k, false)
            } else {
                let head = ffi::PyUnicode_Substring(k, 0, 60);
                let s = if head.is_null() { std::ptr::null_mut() } else { ffi::PyUnicode_Concat(head, self.ellipsis) };
                if !head.is_null() {
                    ffi::Py_DECREF(head);
                }
                (s, true)
            };
            let text = if shown.is_null() {
                ffi::PyErr_Clear();
                None
            } else {
                let r = ffi::PyObject_Repr(shown);
                if owned {
                    ffi::Py_DECREF(shown);
                }
                if r.is_null() {
                    ffi::PyErr_Clear();
                    None
                } else {
                    let s = text_of(r, self.t.str_);
                    ffi::Py_DECREF(r);
                    s
                }
            };
            let l = self.lab(&format!("[{}]", text.unwrap_or_else(|| "<str>".into())));
            self.key_labels.insert(k as usize, l);
            return l;
        }
        let s = if t == self.t.int || t == self.t.float {
            let r = ffi::PyObject_Repr(k);
            if r.is_null() {
                ffi::PyErr_Clear();
                "[<int>]".to_string()
            } else {
                let s = text_of(r, self.t.str_).unwrap_or_default();
                ffi::Py_DECREF(r);
                format!("[{s}]")
            }
        } else if t == self.t.bool_ || k == ffi::Py_None() {
            if k == ffi::Py_True() {
                "[True]".into()
            } else if k == ffi::Py_False() {
                "[False]".into()
            } else {
                "[None]".into()
            }
        } else {
            let name = self.type_name(ty(k));
            format!("[<{}>]", name.rsplit('.').next().unwrap_or(&name))
        };
        self.lab(&s)
    }

    unsafe fn length(&self, o: Obj, len: Len) -> Option<u64> {
        let n = match len {
            Len::No => return None,
            Len::Str => ffi::PyUnicode_GetLength(o),
            Len::Bytes => ffi::PyBytes_Size(o),
            Len::ByteArray => ffi::PyByteArray_Size(o),
        };
        if n < 0 {
            ffi::PyErr_Clear();
            return None;
        }
        Some(n as u64)
    }

    /// Walks everything on the stack, then, from the last to the first, each of `later` (the
    /// objects `gc.get_objects()` returned, borrowed from its list) not reached yet: the order of
    /// the agent, whose stack starts with all of them below the roots, without pushing (and
    /// touching) the many that the roots reach first. Returns an error only for a BaseException
    /// raised by a `__sizeof__`.
    unsafe fn run(&mut self, later: &[Obj]) -> Result<(), ()> {
        let mut sc = Scratch::default();
        let mut next = later.len();
        loop {
            let o = match self.stack.pop() {
                Some(o) => o,
                None => {
                    while next > 0 && self.seen.contains(later[next - 1] as usize) {
                        next -= 1;
                    }
                    if next == 0 {
                        return Ok(());
                    }
                    next -= 1;
                    ffi::Py_INCREF(later[next]);
                    later[next]
                }
            };
            let oid = o as usize;
            if !self.seen.insert(oid) {
                ffi::Py_DECREF(o);
                continue;
            }
            self.alive.push(o);
            let t = ty(o);
            let tid = t as usize;
            if !self.seen.contains(tid) {
                self.push(t as Obj);
            }
            let info = match self.tinfo.get(&tid) {
                Some(&i) => i,
                None => self.classify(t),
            };
            let (mut sz, mut err) = (0, false);
            // pandas' __sizeof__ runs memory_usage(deep=True), O(cells): the agent's `_ml_record`
            // writes the object's own size without it
            if let Some(n) = self.sizes.size(o, t, info.size) {
                sz = n;
            } else if info.kind != Kind::Ml(K_PD) {
                sz = _PySys_GetSizeOf(o) as u64;
                if !ffi::PyErr_Occurred().is_null() {
                    if ffi::PyErr_ExceptionMatches(ffi::PyExc_Exception) == 0 {
                        return Err(());
                    }
                    ffi::PyErr_Clear();
                    err = true;
                } else if sz > SIZE_LIMIT {
                    err = true;
                }
                if err {
                    sz = 0;
                }
            }
            let node = self.b.add_object(oid as u64, tid as u64, sz);
            let mut f = Fields::default();
            if err {
                f.rich().e = Some("sizeof".into());
            }
            match info.kind {
                Kind::Leaf => {
                    if !err {
                        f.l = self.length(o, info.len);
                    }
                }
                Kind::Str => {
                    let h = ffi::PyObject_Hash(o);
                    if h == -1 && !ffi::PyErr_Occurred().is_null() {
                        ffi::PyErr_Clear();
                    }
                    f.h = Some(h as i64);
                    f.l = Some(ffi::PyUnicode_GetLength(o).max(0) as u64);
                }
                Kind::Gen if info.inst.is_none() => {
                    if tid == self.t.list || tid == self.t.tuple {
                        items_in_order(o, tid == self.t.list, &mut sc.refs);
                    } else {
                        referents(o, &mut sc.refs);
                    }
                    for &r in &sc.refs {
                        self.b.add_ref_index(r as u64, 0);
                    }
                    self.edges += sc.refs.len() as u64;
                    for &r in &sc.refs {
                        self.push(r);
                    }
                    f.l = self.length(o, info.len);
                }
                Kind::Dict => self.dict(o, t, info, &mut f, &mut sc),
                _ => self.other(o, info, &mut f, &mut sc),
            }
            self.b.set_fields(node, f.h, f.l, f.a, f.i, f.rich.map(|r| *r));
            if self.b.ids.len() >= CHUNK {
                if let Some(stream) = &mut self.stream {
                    let spare = stream.spare();
                    stream.send(self.b.take_records(spare));
                }
            }
        }
    }

    /// Adds the refs `objs` with `labels` (missing labels are 0) to the current record and puts
    /// them on the stack.
    unsafe fn emit(&mut self, objs: &[Obj], labels: &[LabelIndex]) {
        for (k, &x) in objs.iter().enumerate() {
            self.b.add_ref_index(x as u64, labels.get(k).copied().unwrap_or(0));
        }
        self.edges += objs.len() as u64;
        for &x in objs {
            self.push(x);
        }
    }

    unsafe fn dict(&mut self, o: Obj, t: *mut ffi::PyTypeObject, info: TInfo, f: &mut Fields, sc: &mut Scratch) {
        let oid = o as usize;
        let items = &mut sc.items;
        items.clear();
        let mut pos: ffi::Py_ssize_t = 0;
        let (mut k, mut v): (Obj, Obj) = (std::ptr::null_mut(), std::ptr::null_mut());
        while ffi::PyDict_Next(o, &mut pos, &mut k, &mut v) != 0 {
            items.push(k);
            items.push(v);
        }
        let items = std::mem::take(items);
        if t as usize != self.t.dict {
            // A dict subclass: its referents that are not items first (instance attributes, ...).
            referents(o, &mut sc.refs);
            let mut cnt: FxHashMap<usize, usize> = FxHashMap::default();
            for &x in &items {
                *cnt.entry(x as usize).or_default() += 1;
            }
            let mut pre: Vec<Obj> = Vec::new();
            for &x in sc.refs.iter() {
                match cnt.get_mut(&(x as usize)) {
                    Some(c) if *c > 0 => *c -= 1,
                    _ => pre.push(x),
                }
            }
            let mut labels = std::mem::take(&mut sc.labels);
            labels.clear();
            if let Some(ii) = info.inst {
                let (a, xi, missing) = self.inst_labels(oid, addrs(&pre), ii, sc, &mut labels);
                f.a = a;
                f.i = xi;
                if let Some(d) = missing {
                    labels.resize(pre.len(), 0);
                    pre.push(d);
                    labels.push(self.l.dict);
                }
            }
            self.emit(&pre, &labels);
            sc.labels = labels;
        }
        for pair in items.chunks(2) {
            let l = self.key_label(pair[0]);
            self.b.add_ref_index(pair[0] as u64, self.l.key);
            self.b.add_ref_index(pair[1] as u64, l);
        }
        self.edges += items.len() as u64;
        for &x in &items {
            self.push(x);
        }
        sc.items = items;
    }

    unsafe fn other(&mut self, o: Obj, info: TInfo, f: &mut Fields, sc: &mut Scratch) {
        let oid = o as usize;
        let s = self.t.str_;
        let mut gr = std::mem::take(&mut sc.refs);
        referents(o, &mut gr);
        if info.kind == Kind::Module && self.untraversed_module(o) {
            // the agent's _UNTRAVERSED_MODULES: the module's __dict__ only
            gr.clear();
            gr.push(word(oid + 16) as Obj);
        }
        // Objects added to the referents: (object, label); they are pushed too.
        let mut added: Vec<(Obj, LabelIndex)> = Vec::new();
        let ids = addrs(&gr);
        // The labels of `gr` (missing ones are 0), filled by the kind's branch.
        let mut labs = std::mem::take(&mut sc.labels);
        labs.clear();
        let mut replaced: Option<(Vec<Obj>, Vec<LabelIndex>)> = None;
        match info.kind {
            Kind::Gen => {
                let (a, xi, missing) = self.inst_labels(oid, ids, info.inst.expect("instance info"), sc, &mut labs);
                f.a = a;
                f.i = xi;
                if let Some(d) = missing {
                    added.push((d, self.l.dict));
                }
                f.l = self.length(o, info.len);
            }
            Kind::Type => {
                let to = o as *mut ffi::PyTypeObject;
                f.rich().n = Some(self.type_name(to));
                if !type_dict(to).is_null() {
                    let mro = (*to).tp_mro;
                    if !mro.is_null() && ffi::PyTuple_Check(mro) != 0 {
                        for i in 0..ffi::PyTuple_GET_SIZE(mro) {
                            let b = ffi::PyTuple_GET_ITEM(mro, i);
                            if ffi::PyType_Check(b) == 0 {
                                break;
                            }
                            let d = type_dict(b as *mut ffi::PyTypeObject);
                            if d.is_null() {
                                break;
                            }
                            let c = ffi::PyDict_Contains(d, self.del_str);
                            if c < 0 {
                                ffi::PyErr_Clear();
                                break;
                            }
                            if c == 1 {
                                f.rich().d = Some(true);
                                break;
                            }
                        }
                    }
                    let none = ffi::Py_None() as usize;
                    let nz = |p: Obj| if p.is_null() { none } else { p as usize };
                    let mut ei = vec![nz(mro), nz((*to).tp_bases)];
                    let mut el = vec![self.l.mro, self.l.bases];
                    if !(*to).tp_base.is_null() {
                        ei.push((*to).tp_base as usize);
                        el.push(self.l.base);
                    }
                    let tf = self.lay.type_;
                    if let Some(tf) = tf {
                        ei.push(word(off(oid, tf.tp_dict)));
                        el.push(self.l.dict);
                    }
                    match_labels(ids, &ei, &el, &mut labs);
                    if flags(to) & TPFLAGS_HEAPTYPE != 0 {
                        let ht = to as *mut ffi::PyHeapTypeObject;
                        for (v, l) in [((*ht).ht_name, self.l.tname), ((*ht).ht_qualname, self.l.tqual)] {
                            if !v.is_null() && ty(v) as usize == s {
                                added.push((v, l));
                            }
                        }
                    }
                    // a static builtin type's tp_subclasses is an index (3.12+), not an object
                    if let Some(tf) = tf {
                        let sub = word(off(oid, tf.tp_subclasses));
                        if sub != 0 && flags(to) & tf.tpflags_static_builtin == 0 {
                            added.push((sub as Obj, self.l.subcl));
                        }
                    }
                }
            }
            Kind::Module => {
                let md = word(oid + 16) as Obj;
                if !md.is_null() && ty(md) as usize == self.t.dict {
                    let nm = ffi::PyDict_GetItemWithError(md, self.name_str);
                    if nm.is_null() {
                        ffi::PyErr_Clear();
                    } else {
                        f.rich().n = text_of(nm, s);
                    }
                }
                let mdid = if md.is_null() { ffi::Py_None() as usize } else { md as usize };
                match_labels(ids, &[mdid], &[self.l.dict], &mut labs);
            }
            Kind::Func => {
                f.rich().n = text_of((*(o as *mut ffi::PyFunctionObject)).func_qualname, s);
                if !self.l.func.is_empty() {
                    field_labels(oid, &self.l.func, ids, &mut labs);
                }
            }
            Kind::Code => {
                f.rich().n = self.code_qualname(o);
                if gr.is_empty() && self.lay.code.is_some() {
                    labs.clear();
                    let fields_at = |base: usize, fields: &[(isize, LabelIndex)], added: &mut Vec<(Obj, LabelIndex)>| {
                        added.extend(fields.iter().map(|&(o, l)| (word(off(base, o)) as Obj, l)).filter(|(p, _)| !p.is_null()));
                    };
                    fields_at(oid, &self.l.code, &mut added);
                    // 3.12+: the cached co_code, co_varnames, ... the code object owns
                    let cached = self.lay.code.map_or(0, |c| c.cached);
                    let cc = if cached != 0 { word(off(oid, cached)) } else { 0 };
                    if cc != 0 {
                        fields_at(cc, &self.l.code_cached, &mut added);
                    }
                }
            }
            Kind::Frame => {
                let code = ffi::PyFrame_GetCode(o as *mut ffi::PyFrameObject) as Obj;
                if !code.is_null() {
                    if let Some(q) = self.code_qualname(code) {
                        f.rich().n = Some(format!("{q}()"));
                    }
                }
                if let Some((objs, ls)) = self.root_frames.get(&oid) {
                    replaced = Some((objs.clone(), ls.clone()));
                } else if let Some(fl) = self.lay.frame {
                    let mut ei = vec![word(off(oid, fl.f_back)), word(off(oid, fl.f_trace))];
                    let mut el = vec![self.l.fback, self.l.ftrace];
                    let fr = word(off(oid, fl.f_frame));
                    if fr != 0 && !code.is_null() && unref(word(off(fr, fl.if_code)), fl.ref_tag_bits) == code as usize {
                        ei.push(code as usize);
                        ei.push(word(off(fr, fl.if_globals)));
                        el.push(self.l.fcode);
                        el.push(self.l.fglob);
                        self.local_labels(fr, code as usize, &mut ei, &mut el);
                    }
                    match_labels(ids, &ei, &el, &mut labs);
                }
                if !code.is_null() {
                    ffi::Py_DECREF(code);
                }
            }
            Kind::CMembers => field_labels(oid, &self.cmembers[info.inst.expect("members")], ids, &mut labs),
            Kind::CGetsets => {
                // the agent's K_CGETSETS: each field through the type's own C getter (a new
                // reference to the field as it is, or None when empty)
                let (mut ei, mut el, mut got) = (Vec::new(), Vec::new(), Vec::new());
                for &((get, closure), l) in &self.cgetsets[info.inst.expect("getters")].1 {
                    let v = get(o, closure);
                    if v.is_null() {
                        ffi::PyErr_Clear();
                        continue;
                    }
                    got.push(v);
                    if v != ffi::Py_None() {
                        ei.push(v as usize);
                        el.push(l);
                    }
                }
                match_labels(ids, &ei, &el, &mut labs);
                for v in got {
                    ffi::Py_DECREF(v);
                }
            }
            Kind::Generator => {
                if let Some(fr) = self.gen_frame(o) {
                    let (mut ei, mut el) = (Vec::new(), Vec::new());
                    self.local_labels(fr.0, fr.1, &mut ei, &mut el);
                    match_labels(ids, &ei, &el, &mut labs);
                }
            }
            Kind::Cell => labs.resize(ids.len(), self.l.cell),
            Kind::Method => {
                let (func, slf) = (word(oid + 16), word(oid + 24));
                match_labels(ids, &[func, slf], &[self.l.mfunc, self.l.mself], &mut labs);
                if func != 0 && ty(func as Obj) as usize == self.t.function {
                    f.rich().n = text_of(word(func + 40) as Obj, s);
                }
            }
            Kind::Ml(_) => {
                if let Some(ii) = info.inst {
                    let (a, xi, missing) = self.inst_labels(oid, ids, ii, sc, &mut labs);
                    if let Some(d) = missing {
                        added.push((d, self.l.dict));
                    }
                    f.a = a;
                    f.i = xi;
                    f.l = self.length(o, info.len);
                }
            }
            Kind::Leaf | Kind::Str | Kind::Dict => {}
        }
        if let Some((objs, labels)) = replaced {
            // a root frame: its referents as the agent listed them
            self.emit(&objs, &labels);
        } else if let Kind::Ml(k) = info.kind {
            let mut objs = gr.clone();
            labs.resize(objs.len(), 0);
            for &(x, l) in &added {
                objs.push(x);
                labs.push(l);
            }
            let sz = *self.b.getsizeof.last().unwrap_or(&0);
            let new = self.ml_record(o, k, sz, &mut objs, &mut labs, f);
            if let Some(last) = self.b.getsizeof.last_mut() {
                *last = new;
            }
            self.emit(&objs, &labs);
        } else {
            self.emit(&gr, &labs);
            for &(x, l) in &added {
                self.emit(&[x], &[l]);
            }
        }
        sc.refs = gr;
        sc.labels = labs;
    }
}

/// The layout the agent verified in this process: `layout_offsets()` and `layout_status()`.
fn layout_of(agent: &Bound<'_, PyModule>) -> PyResult<Layout> {
    let table = agent.getattr("layout_offsets")?.call0()?.cast_into::<pyo3::types::PyDict>()?;
    let mut ints = std::collections::HashMap::new();
    let mut scheme = None;
    for (k, v) in table.iter() {
        let k: String = k.extract()?;
        if let Ok(i) = v.extract::<i64>() {
            ints.insert(k, i);
        } else if k == "attr_scheme" {
            scheme = v.extract::<String>().ok();
        }
    }
    let status = agent.getattr("layout_status")?.call0()?.cast_into::<pyo3::types::PyDict>()?;
    let mut parts = Vec::new();
    for (k, v) in status.iter() {
        if v.is_truthy()? {
            parts.push(k.extract::<String>()?);
        }
    }
    parts.sort();
    Ok(Layout::new(&ints, scheme.as_deref(), parts))
}

fn type_addr(py: Python<'_>, module: &str, name: &str) -> PyResult<usize> {
    Ok(py.import(module)?.getattr(name)?.as_ptr() as usize)
}

/// What a walk made: a graph in memory, or a snapshot file.
enum Walked {
    Graph(Box<Graph>),
    /// Objects, edges and bytes of the file.
    File(u64, u64, u64),
}

/// Walks the heap of this process (`exclude`: ids whose records to leave out) into a graph, or,
/// given `file` (path, gzip), into that snapshot file while it walks.
fn walk_heap(py: Python<'_>, exclude: &[u64], file: Option<(&Path, bool)>) -> PyResult<Walked> {
    if let Some(why) = unsupported(py)? {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(why));
    }
    if WALKING.swap(true, Ordering::SeqCst) {
        return Err(pyo3::exceptions::PyRuntimeError::new_err("another dump is in progress"));
    }
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            WALKING.store(false, Ordering::SeqCst);
        }
    }
    let _release = Release;
    let t0 = Instant::now();
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let gc_was = unsafe { ffi::PyGC_Disable() } != 0;
    struct Gc(bool);
    impl Drop for Gc {
        fn drop(&mut self) {
            if self.0 {
                unsafe { ffi::PyGC_Enable() };
            }
        }
    }
    let _gc = Gc(gc_was);

    let agent = py.import("heapdiff.agent")?;
    // 1. everything the collector tracks, first (as the agent does)
    let objs = py.import("gc")?.getattr("get_objects")?.call0()?.cast_into::<PyList>()?;
    let ctx = agent.getattr("_Ctx")?.call1((false,))?;
    let ex = PySet::new(py, exclude)?;
    ex.add(objs.as_ptr() as usize)?;
    ex.add(ctx.as_ptr() as usize)?;
    let roots = agent.getattr("_frame_roots")?.call1((&ctx, &ex))?.cast_into::<PyList>()?;
    // the interpreter's interned strings (3.14+): a root named as the agent names it
    let interned: Option<u64> = agent.getattr("_interned_strings")?.call0()?.extract()?;
    let internals = pyo3::types::PyDict::new(py);
    if let Some(i) = interned {
        internals.set_item("interned_strings", i)?;
    }
    let header: String = agent.getattr("_header")?.call1((false, wall, gc_was, internals))?.extract()?;
    let mut header: serde_json::Value = serde_json::from_str(&header).unwrap_or_default();
    header["walker"] = "native".into();
    let header: Header = serde_json::from_value(header).unwrap_or_default();
    let ctx_labels: Vec<String> = ctx.getattr("labels")?.extract()?;

    let t = Types {
        str_: type_addr(py, "builtins", "str")?,
        list: type_addr(py, "builtins", "list")?,
        tuple: type_addr(py, "builtins", "tuple")?,
        bytes: type_addr(py, "builtins", "bytes")?,
        bytearray: type_addr(py, "builtins", "bytearray")?,
        dict: type_addr(py, "builtins", "dict")?,
        type_: type_addr(py, "builtins", "type")?,
        module: type_addr(py, "types", "ModuleType")?,
        function: type_addr(py, "types", "FunctionType")?,
        code: type_addr(py, "types", "CodeType")?,
        frame: type_addr(py, "types", "FrameType")?,
        cell: type_addr(py, "types", "CellType")?,
        method: type_addr(py, "types", "MethodType")?,
        generator: type_addr(py, "types", "GeneratorType")?,
        coroutine: type_addr(py, "types", "CoroutineType")?,
        async_generator: type_addr(py, "types", "AsyncGeneratorType")?,
        member: type_addr(py, "types", "MemberDescriptorType")?,
        int: type_addr(py, "builtins", "int")?,
        bool_: type_addr(py, "builtins", "bool")?,
        float: type_addr(py, "builtins", "float")?,
        object: type_addr(py, "builtins", "object")?,
    };
    let del_str = pyo3::types::PyString::intern(py, "__del__");
    let module_str = pyo3::types::PyString::intern(py, "__module__");
    let name_str = pyo3::types::PyString::intern(py, "__name__");
    let ellipsis = pyo3::types::PyString::new(py, "\u{2026}");
    let sizeof_str = pyo3::types::PyString::intern(py, "__sizeof__");
    // objects of every kind the fast sizes cover, for their self-check
    let probes = py.eval(
        c"[0, 1, -5, 2**40, -(2**70), 10**100, True, [], [1, 2, 3], [0] * 7 + [1], list(range(1000)), '', 'abc', 'x' * 100, \
          'caf\\u00e9', 1.5, (), (1, 2), (1,) * 50, object(), \
          len, range(3), None, b'xyz', bytearray(3), {1: 2}, {1}, frozenset()]",
        None,
        None,
    )?;
    // (no class is made here: a class is a reference cycle, garbage after the walk; the agent's
    // context stands for instances of Python classes)
    let mut probe_ptrs: Vec<Obj> = probes.cast::<PyList>()?.iter().map(|p| p.as_ptr()).collect();
    probe_ptrs.push(ctx.as_ptr());

    let lay = layout_of(&agent)?;
    // (offset, label) of the object fields of code objects and functions, from the agent's lists
    // and the verified table (a field a version lacks is left out), when that part is verified
    let fields = |names: &str, part: &str| -> PyResult<Vec<(isize, String)>> {
        if !lay.has(part) {
            return Ok(Vec::new());
        }
        agent.getattr("_lay_fields")?.call1((agent.getattr(names)?,))?.extract()
    };
    let mut b = GraphBuilder::new();
    let intern = |b: &mut GraphBuilder, s: &str| b.intern_label(s);
    let l = Labels {
        key: intern(&mut b, "<key>"),
        cell: intern(&mut b, ".cell_contents"),
        mfunc: intern(&mut b, ".__func__"),
        mself: intern(&mut b, ".__self__"),
        dict: intern(&mut b, ".__dict__"),
        mro: intern(&mut b, ".__mro__"),
        bases: intern(&mut b, ".__bases__"),
        base: intern(&mut b, ".__base__"),
        tname: intern(&mut b, ".__name__"),
        tqual: intern(&mut b, ".__qualname__"),
        subcl: intern(&mut b, ".__subclasses__"),
        fback: intern(&mut b, ".f_back"),
        fcode: intern(&mut b, ".f_code"),
        fglob: intern(&mut b, ".f_globals"),
        ftrace: intern(&mut b, ".f_trace"),
        code: fields("_CODE_FIELDS", "code")?.iter().map(|(o, n)| (*o, intern(&mut b, n))).collect(),
        code_cached: fields("_CODE_CACHED", "code")?.iter().map(|(o, n)| (*o, intern(&mut b, n))).collect(),
        func: fields("_FUNC_FIELDS", "func")?.iter().map(|(o, n)| (*o, intern(&mut b, n))).collect(),
    };
    let mut w = Walker {
        b,
        seen: AddrSet::default(),
        stack: Vec::new(),
        alive: Vec::with_capacity(objs.len() + objs.len() / 4),
        alive_extra: Vec::new(),
        tinfo: FxHashMap::default(),
        insts: Vec::new(),
        cmembers: Vec::new(),
        cgetsets: Vec::new(),
        key_labels: FxHashMap::default(),
        root_frames: FxHashMap::default(),
        t,
        del_str: del_str.as_ptr(),
        module_str: module_str.as_ptr(),
        name_str: name_str.as_ptr(),
        ellipsis: ellipsis.as_ptr(),
        edges: 0,
        l,
        ml: None,
        label_buf: String::new(),
        sizes: unsafe { Sizes::new(sizeof_str.as_ptr(), &probe_ptrs, py.version_info().minor, ascii_layout(py)) },
        lay,
        minor: py.version_info().minor,
        stream: None,
    };
    let ml_on = ctx.getattr("ml")?.is_truthy()?;
    let (ml_record, ml_classify, ml_tinfo, ml_labels) =
        (agent.getattr("_ml_record")?, ctx.getattr("classify")?, ctx.getattr("tinfo")?, ctx.getattr("labels")?);
    let getset_type = type_addr(py, "types", "GetSetDescriptorType")?;
    for (t, fields) in unsafe { async_getters(py, getset_type, w.lay.member) } {
        let fields = fields.into_iter().map(|(g, name)| (g, w.b.intern_label(&name))).collect();
        w.cgetsets.push((t, fields));
    }
    if ml_on {
        w.ml = Some(MlHooks {
            ctx: ctx.as_ptr(),
            record: ml_record.as_ptr(),
            classify: ml_classify.as_ptr(),
            tinfo: ml_tinfo.as_ptr(),
            labels: ml_labels.as_ptr(),
        });
    }
    for id in ex.iter() {
        w.seen.insert(id.extract::<usize>()?);
    }
    let modules = unsafe { ffi::PySys_GetObject(c"modules".as_ptr()) };
    let mut frame_roots: Vec<(usize, String)> = Vec::new();
    let result = unsafe {
        let mut frames = Vec::new();
        for r in roots.iter() {
            let r = r.cast_into::<PyTuple>()?;
            let f = r.get_item(0)?;
            let name: String = r.get_item(1)?.extract()?;
            let fobjs = r.get_item(2)?.cast_into::<PyList>()?;
            let flabs: Vec<usize> = r.get_item(3)?.extract()?;
            let mut os = Vec::with_capacity(fobjs.len());
            for x in fobjs.iter() {
                ffi::Py_INCREF(x.as_ptr());
                w.alive.push(x.as_ptr());
                os.push(x.as_ptr());
            }
            let ls: Vec<LabelIndex> = flabs.iter().map(|&i| w.b.intern_label(ctx_labels.get(i).map_or("", |s| s.as_str()))).collect();
            w.root_frames.insert(f.as_ptr() as usize, (os, ls));
            frame_roots.push((f.as_ptr() as usize, name));
            frames.push(f.as_ptr());
        }
        for &f in frames.iter().rev() {
            w.push(f);
        }
        if !modules.is_null() {
            w.push(modules);
        }
        if let Some((path, gzip)) = file {
            let mut roots: Vec<(u64, RootKind, &str)> = Vec::new();
            if !modules.is_null() {
                roots.push((modules as u64, RootKind::Modules, "sys.modules"));
            }
            roots.extend(frame_roots.iter().map(|(f, name)| (*f as u64, RootKind::Frame, name.as_str())));
            if let Some(i) = interned {
                roots.push((i, RootKind::Unreferenced, INTERNED));
            }
            match SnapshotStream::create(path, gzip, &header, &roots) {
                Ok(stream) => w.stream = Some(stream),
                Err(e) => {
                    for o in w.stack.drain(..).chain(w.alive.drain(..)) {
                        ffi::Py_DECREF(o);
                    }
                    return Err(to_py_err(e));
                }
            }
        }
        let timing = std::env::var_os("HEAPDIFF_TIMING").is_some();
        if timing {
            eprintln!("walker: setup {:?} (sizes computed: {})", t0.elapsed(), w.sizes.checked());
        }
        let list = objs.as_ptr() as *mut ffi::PyListObject;
        let later: &[Obj] = if (*list).ob_item.is_null() { &[] } else { std::slice::from_raw_parts((*list).ob_item, objs.len()) };
        let r = w.run(later);
        if timing {
            eprintln!("walker: walk {:?} (waited for the writer {:?})", t0.elapsed(), w.stream.as_ref().map(|s| s.blocked).unwrap_or_default());
        }
        // Drop what the walk held; deallocations (and any finalizer) happen after the walk.
        for o in w.stack.drain(..).chain(w.alive.drain(..)).chain(w.alive_extra.drain(..)) {
            ffi::Py_DECREF(o);
        }
        r
    };
    drop(objs);
    if result.is_err() {
        return Err(PyErr::fetch(py));
    }
    let mut b = w.b;
    if let Some(mut stream) = w.stream.take() {
        stream.send(b.take_records(None));
        let seconds = t0.elapsed().as_secs_f64();
        let (objects, edges, size) = py.detach(|| stream.finish(&b.labels, seconds)).map_err(to_py_err)?;
        if std::env::var_os("HEAPDIFF_TIMING").is_some() {
            eprintln!("walker: written {:?}", t0.elapsed());
        }
        return Ok(Walked::File(objects, edges, size));
    }
    if !modules.is_null() {
        b.add_root(modules as u64, RootKind::Modules, "sys.modules");
    }
    for (f, name) in frame_roots {
        b.add_root(f as u64, RootKind::Frame, &name);
    }
    if let Some(i) = interned {
        b.add_root(i, RootKind::Unreferenced, INTERNED);
    }
    b.header = header;
    b.path = PathBuf::from("<memory>");
    let objects = b.ids.len() as u64;
    b.trailer = Trailer { objects, edges: w.edges, seconds: t0.elapsed().as_secs_f64(), bytes: 0 };
    let g = b.build().map_err(to_py_err)?;
    if std::env::var_os("HEAPDIFF_TIMING").is_some() {
        eprintln!("walker: built {:?}", t0.elapsed());
    }
    Ok(Walked::Graph(Box::new(g)))
}

/// Takes a snapshot of this process in memory with the native walker.
#[pyfunction]
#[pyo3(signature = (exclude_ids = Vec::new()))]
fn walk(py: Python<'_>, exclude_ids: Vec<u64>) -> PyResult<NativeSnapshot> {
    match walk_heap(py, &exclude_ids, None)? {
        Walked::Graph(g) => Ok(NativeSnapshot::new(*g)),
        Walked::File(..) => unreachable!("no file was given"),
    }
}

/// Writes a snapshot of this process to `path` with the native walker; returns the agent's
/// `DumpStats`. Never raises an `Exception`: a failure is in `.error` and leaves no file.
#[pyfunction]
#[pyo3(signature = (path, compress = None, exclude_ids = Vec::new()))]
fn dump<'py>(py: Python<'py>, path: PathBuf, compress: Option<bool>, exclude_ids: Vec<u64>) -> PyResult<Bound<'py, PyAny>> {
    let t0 = Instant::now();
    let stats = py.import("heapdiff.agent")?.getattr("DumpStats")?;
    let none = py.None();
    let gz = compress.unwrap_or_else(|| path.to_string_lossy().ends_with(".gz"));
    let failed = |msg: String| stats.call1((&none, 0, 0, 0, t0.elapsed().as_secs_f64(), msg));
    match walk_heap(py, &exclude_ids, Some((&path, gz))) {
        Ok(Walked::File(objects, edges, size)) => {
            stats.call1((path.display().to_string(), objects, edges, size, t0.elapsed().as_secs_f64(), &none))
        }
        Ok(Walked::Graph(_)) => unreachable!("a file was given"),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyException>(py) => failed(e.to_string()),
        Err(e) => Err(e),
    }
}

/// The root name of the interpreter's interned strings (the agent's).
const INTERNED: &str = "<interned strings>";

/// Versions whose layout the walker knows (the agent verifies each part in the process).
const MINORS: std::ops::RangeInclusive<u8> = 11..=15;

/// Why the native walker cannot run in this interpreter, if it cannot.
fn unsupported(py: Python<'_>) -> PyResult<Option<String>> {
    let v = py.version_info();
    let sys = py.import("sys")?;
    if sys.getattr("implementation")?.getattr("name")?.extract::<String>()? != "cpython" || std::mem::size_of::<usize>() != 8 {
        return Ok(Some("the native walker needs 64-bit CPython".into()));
    }
    if v.major != 3 || !MINORS.contains(&v.minor) {
        return Ok(Some(format!(
            "the native walker knows CPython 3.11 to 3.15, not {}.{}; heapdiff.agent.dump works on any version",
            v.major, v.minor
        )));
    }
    // a free-threaded build (3.13t, 3.14t): objects change under a walk without a stop-the-world,
    // and their headers differ; none could be tested yet (docs/LAYOUT.md)
    if py.import("heapdiff.agent")?.getattr("_FREE_THREADED")?.is_truthy()? {
        return Ok(Some("free-threaded CPython is not supported yet (docs/LAYOUT.md)".into()));
    }
    Ok(None)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(walk, m)?)?;
    m.add_function(wrap_pyfunction!(dump, m)?)?;
    m.add_function(wrap_pyfunction!(native_walker_unsupported, m)?)?;
    Ok(())
}

/// None when the native walker can run here, else why not (one line).
#[pyfunction]
fn native_walker_unsupported(py: Python<'_>) -> PyResult<Option<String>> {
    unsupported(py)
}
