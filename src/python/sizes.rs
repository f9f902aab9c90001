//! `sys.getsizeof` without calling `__sizeof__` for the types whose `__sizeof__` is one of a few
//! known C implementations of CPython 3.11-3.15: `object.__sizeof__` (user classes, tuples, floats,
//! functions, ...), and for the exact `int`, `list` and compact-ASCII `str`. Calling it costs a
//! bound method, a call and an int object per object; computing it costs a few loads. Which
//! `__sizeof__` a type has is looked up once through its MRO (`_PyType_Lookup`, no code runs),
//! and each rule is used only after a self-check: on objects built here it must give exactly what
//! `_PySys_GetSizeOf` gives, else that rule stays off and the walk calls `__sizeof__`.

use pyo3::ffi;

use super::text::AsciiLayout;

type Obj = *mut ffi::PyObject;

extern "C" {
    /// `sys.getsizeof(o)`: `(size_t)-1` with an exception set when `__sizeof__` failed.
    pub(crate) fn _PySys_GetSizeOf(o: Obj) -> usize;
    /// The attribute `name` found through the MRO of `t`, borrowed, without running any code.
    fn _PyType_Lookup(t: *mut ffi::PyTypeObject, name: Obj) -> Obj;
}

const TPFLAGS_MANAGED_WEAKREF: u64 = 1 << 3;
const TPFLAGS_MANAGED_DICT: u64 = 1 << 4;
const TPFLAGS_HAVE_GC: u64 = 1 << 14;

/// How the size of a type's instances is found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SizeRule {
    /// Call `__sizeof__` (`_PySys_GetSizeOf`).
    Call,
    /// `object.__sizeof__`: basic size plus items, plus the pre-header.
    Object,
    /// exact `int`: `ob_digit` offset plus 4 bytes per digit (at least one).
    Int,
    /// exact `list`: basic size plus the allocated item pointers, plus the GC header.
    List,
    /// exact `str`: compact ASCII strings computed, others called.
    Str,
}

/// The known `__sizeof__` implementations and which rules passed their self-check.
pub(crate) struct Sizes {
    name: Obj,
    object: Obj,
    int: (usize, Obj, bool),
    list: (usize, Obj, bool),
    str_: (usize, Obj, bool),
    object_ok: bool,
    /// CPython 3.x: the int layout changed in 3.12 (`lv_tag`), the pre-header too.
    minor: u8,
    ascii: AsciiLayout,
}

#[inline]
unsafe fn word(addr: usize) -> usize {
    *(addr as *const usize)
}

/// The bytes CPython keeps before an object of type `t` (GC header, managed dict and weakref
/// pointers): `_PyType_PreHeaderSize` (3.12+ counts `Py_TPFLAGS_MANAGED_WEAKREF` too).
#[inline]
unsafe fn pre_header(t: *mut ffi::PyTypeObject, minor: u8) -> u64 {
    let f = ffi::PyType_GetFlags(t) as u64;
    let managed = if minor >= 12 { TPFLAGS_MANAGED_DICT | TPFLAGS_MANAGED_WEAKREF } else { TPFLAGS_MANAGED_DICT };
    (if f & TPFLAGS_HAVE_GC != 0 { 16 } else { 0 }) + (if f & managed != 0 { 16 } else { 0 })
}

impl Sizes {
    /// Looks up the known implementations and checks each rule on objects built here. `name` is
    /// the interned string `"__sizeof__"` (alive for the walk).
    pub unsafe fn new(name: Obj, probes: &[Obj], minor: u8, ascii: AsciiLayout) -> Sizes {
        let lookup = |t: *mut ffi::PyTypeObject| _PyType_Lookup(t, name);
        let int_t = std::ptr::addr_of_mut!(ffi::PyLong_Type);
        let list_t = std::ptr::addr_of_mut!(ffi::PyList_Type);
        let str_t = std::ptr::addr_of_mut!(ffi::PyUnicode_Type);
        let mut s = Sizes {
            name,
            object: lookup(std::ptr::addr_of_mut!(ffi::PyBaseObject_Type)),
            int: (int_t as usize, lookup(int_t), true),
            list: (list_t as usize, lookup(list_t), true),
            str_: (str_t as usize, lookup(str_t), ascii.verified()),
            object_ok: true,
            minor,
            ascii,
        };
        // Self-check: every probe whose rule is not `Call` must give what __sizeof__ gives.
        for &p in probes {
            let t = ffi::Py_TYPE(p);
            let rule = s.rule(t);
            let fast = s.size(p, t, rule);
            let slow = _PySys_GetSizeOf(p);
            if !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
                continue;
            }
            if fast.is_some_and(|f| f != slow as u64) {
                match rule {
                    SizeRule::Object => s.object_ok = false,
                    SizeRule::Int => s.int.2 = false,
                    SizeRule::List => s.list.2 = false,
                    SizeRule::Str => s.str_.2 = false,
                    SizeRule::Call => {}
                }
            }
        }
        s
    }

    /// Which rules passed their self-check (for HEAPDIFF_TIMING).
    pub fn checked(&self) -> String {
        format!("object {}, int {}, list {}, str {}", self.object_ok, self.int.2, self.list.2, self.str_.2)
    }

    /// The rule for instances of `t` (looked up once per type).
    pub unsafe fn rule(&self, t: *mut ffi::PyTypeObject) -> SizeRule {
        let d = _PyType_Lookup(t, self.name);
        if d.is_null() {
            return SizeRule::Call;
        }
        let tu = t as usize;
        if d == self.object && self.object_ok {
            SizeRule::Object
        } else if tu == self.int.0 && d == self.int.1 && self.int.2 {
            SizeRule::Int
        } else if tu == self.list.0 && d == self.list.1 && self.list.2 {
            SizeRule::List
        } else if tu == self.str_.0 && d == self.str_.1 && self.str_.2 {
            SizeRule::Str
        } else {
            SizeRule::Call
        }
    }

    /// `sys.getsizeof(o)` by `rule`, or None where the rule does not apply (call `__sizeof__`).
    #[inline]
    pub unsafe fn size(&self, o: Obj, t: *mut ffi::PyTypeObject, rule: SizeRule) -> Option<u64> {
        let oid = o as usize;
        let n = match rule {
            SizeRule::Call => return None,
            SizeRule::Object => {
                // object___sizeof___impl: Py_SIZE * tp_itemsize when items, plus tp_basicsize
                let isize = (*t).tp_itemsize;
                let items = if isize > 0 { (word(oid + 16) as isize) * isize } else { 0 };
                let res = items + (*t).tp_basicsize;
                if res < 0 {
                    return None;
                }
                res as u64 + pre_header(t, self.minor)
            }
            // int___sizeof___impl: offsetof(PyLongObject, ob_digit) + max(|Py_SIZE|, 1) * sizeof(digit)
            // (0 has one digit's room too: sys.getsizeof(0) == 28)
            // (3.12+: the digit count is `lv_tag >> 3`, in the word that was `ob_size`)
            SizeRule::Int => {
                let w = word(oid + 16);
                let digits = if self.minor >= 12 { (w >> 3) as u64 } else { (w as isize).unsigned_abs() as u64 };
                24 + 4 * digits.max(1)
            }
            // list___sizeof___impl: basic size + allocated * sizeof(void *), plus the GC header
            SizeRule::List => (*t).tp_basicsize as u64 + 8 * word(oid + 32) as u64 + 16,
            // unicode___sizeof__ of a compact ASCII string: sizeof(PyASCIIObject) + length + 1
            SizeRule::Str => self.ascii.data as u64 + self.ascii.ascii(o)?.len() as u64 + 1,
        };
        Some(n)
    }
}
