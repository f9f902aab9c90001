"""heapdiff agent: write a heap snapshot of this Python process (docs/FORMAT.md, version 1).

Standard library only, one file: copy it into any process and call::

    import agent                      # or: from heapdiff import agent
    stats = agent.dump("heap.json.gz")

or run a script under it and dump when the script ends (also on an exception or ``sys.exit``)::

    python -m heapdiff.agent OUT.json[.gz] [--redact] SCRIPT [ARGS...]

What it promises (the why of every odd line below):

* It calls no user code: no ``repr``, no ``getattr`` on instances, no ``__eq__``/``__hash__`` of user
  objects (everything is keyed by ``id()``), ``type(o)`` instead of ``o.__class__``, type names read
  with ``type.__dict__[...]`` descriptors.  The single exception is ``sys.getsizeof``, which calls a
  class's own ``__sizeof__``: the format requires its exact value (when it raises or returns garbage
  the size is 0 and ``extra.e`` says why).
* It changes no object's storage: it never touches ``obj.__dict__``/``vars(obj)``/``frame.f_locals``
  (each would create a dict).  On CPython 3.11 to 3.15 (64-bit, with the GIL) it reads instance
  attribute names from the type's shared keys and the locals of frames, generators and coroutines
  from their interpreter frames with ``ctypes``, from one layout table per version (docs/LAYOUT.md),
  each part after a self-check on objects it builds itself; on other versions, and for a part that
  fails its check (the header lists it), those edges are written unlabelled/left out.  Free-threaded
  builds are refused.
  Walking the stack creates frame objects for the frames of each thread (as ``sys._current_frames``
  and ``inspect.stack`` do); nothing else persists.
* No exception escapes ``dump``: an error returns stats whose ``error`` is set and leaves no file.
  ``KeyboardInterrupt``/``SystemExit`` (and any other ``BaseException`` that is not an
  ``Exception``) are re-raised after the temporary file is removed.
* A snapshot file is whole or absent: it is written to ``.NAME.tmp-PID`` beside the target and
  renamed after the trailer.
"""

import gc
import os
import sys
import time
import types
from collections import namedtuple
from itertools import chain, compress

try:  # the stdlib json's C helper; json itself is stdlib too
    from json.encoder import encode_basestring_ascii as _enc
except Exception:  # pragma: no cover
    import json as _json

    def _enc(s):
        return _json.dumps(s)

try:
    import _thread

    _get_ident = _thread.get_ident
    _lock = _thread.allocate_lock()
except Exception:  # pragma: no cover
    _get_ident = lambda: 0  # noqa: E731
    _lock = None

__all__ = ["dump", "DumpStats", "main"]

VERSION = "0.1.0"
AGENT = "heapdiff-agent " + VERSION

DumpStats = namedtuple("DumpStats", "path objects edges bytes_written seconds error")
DumpStats.__doc__ = """Result of dump(): path written (None on error), object records, edges (refs written),
bytes_written (size of the file on disk, compressed if .gz), seconds, error (None, or one line)."""

# ---------------------------------------------------------------------------------------------
# C-level accessors: calling these runs no Python code of the program, whatever its classes do.
_TD = type.__dict__
_t_name = _TD["__name__"].__get__
_t_qualname = _TD["__qualname__"].__get__
_t_module = _TD["__module__"].__get__
_t_mro = _TD["__mro__"].__get__
_t_flags = _TD["__flags__"].__get__
_t_base = _TD["__base__"].__get__
_t_bases = _TD["__bases__"].__get__
_t_dict = _TD["__dict__"].__get__  # mappingproxy of the type's own dict
_t_dictoffset = _TD["__dictoffset__"].__get__
_t_basicsize = _TD["__basicsize__"].__get__
_t_itemsize = _TD["__itemsize__"].__get__
_mod_dict = types.ModuleType.__dict__["__dict__"].__get__
_fn_qualname = types.FunctionType.__dict__["__qualname__"].__get__
_fn_code = types.FunctionType.__dict__["__code__"].__get__
_code_qualname = types.CodeType.__dict__["co_qualname"].__get__ if "co_qualname" in types.CodeType.__dict__ \
    else types.CodeType.__dict__["co_name"].__get__
_meth_func = types.MethodType.__dict__["__func__"].__get__
_meth_self = types.MethodType.__dict__["__self__"].__get__
_f_code = types.FrameType.__dict__["f_code"].__get__
_f_back = types.FrameType.__dict__["f_back"].__get__
_f_globals = types.FrameType.__dict__["f_globals"].__get__
_bfunc_name = types.BuiltinFunctionType.__dict__["__name__"].__get__
_dict_items = dict.items
_dict_get = dict.get
_getsizeof = sys.getsizeof
_get_referents = gc.get_referents
_MemberDescr = types.MemberDescriptorType

_TPFLAGS_MANAGED_DICT = 1 << 4
_TPFLAGS_HEAPTYPE = 1 << 9
_TPFLAGS_IMMUTABLETYPE = 1 << 8  # 3.10+: no attribute of the type can be set (C extension types)
_TPFLAGS_HAVE_GC = 1 << 14
_SIZE_LIMIT = 1 << 48  # the loader refuses sizes above this

_G = globals()  # frames running with these globals are the agent's own

# ---------------------------------------------------------------------------------------------
# CPython memory layouts (64-bit, GIL builds): one table per version family, every number taken from
# that version's headers (docs/LAYOUT.md names the struct and field).  _init_layout checks each part
# on objects built here and only then sets _L[part] and copies the part's entries into _LAY, the
# verified table the walk reads (and layout_offsets() exports).  An unknown version gets no table.
_PART_NAMES = {
    # instance attributes: names from the type's shared keys, values by scheme (docs/LAYOUT.md)
    "keys": ("attr_scheme", "tpflags_managed_dict", "tpflags_inline_values", "ht_name", "ht_qualname",
             "ht_cached_keys", "dk_log2_index_bytes", "dk_usable", "dk_nentries", "dk_indices", "dk_entry_size",
             "values_ptr", "dict_ptr", "values_prefix_byte", "iv_capacity", "iv_valid", "iv_values",
             "iv_in_sizeof", "ob_size"),
    "member": ("md_type", "md_name", "md_member", "mdef_type", "mdef_offset"),
    "type": ("tp_base", "tp_dict", "tp_bases", "tp_mro", "tp_subclasses", "tpflags_static_builtin"),
    "func": ("func_globals", "func_builtins", "func_name", "func_qualname", "func_code", "func_defaults",
             "func_kwdefaults", "func_closure", "func_doc", "func_dict", "func_module", "func_annotations",
             "func_annotate", "func_typeparams"),
    "code": ("co_consts", "co_names", "co_exceptiontable", "co_nlocalsplus", "co_localsplusnames",
             "co_localspluskinds", "co_filename", "co_name", "co_qualname", "co_linetable", "co_code",
             "co_cached", "cached_code", "cached_varnames", "cached_cellvars", "cached_freevars", "kind_cell_mask"),
    "frame": ("f_back", "f_frame", "f_trace", "if_code", "if_globals", "if_locals", "if_frame_obj", "if_owner",
              "if_localsplus", "ref_tag_bits", "owner_thread", "owner_generator", "owner_frame_object"),
    "gen": ("gen_code", "gen_state", "gen_iframe", "gen_state_created", "gen_state_suspended",
            "gen_state_live_min", "gen_state_live_max", "if_code", "if_localsplus", "ref_tag_bits"),
}

_LAYOUT_311 = {
    # keys: PyHeapTypeObject.ht_name = sizeof(PyTypeObject) 408 + 55 method slots; values array
    # pointer and dict pointer before the GC header (pycore_object.h _PyObject_ManagedDictPointer)
    "attr_scheme": "keys311", "tpflags_managed_dict": 1 << 4,
    "ht_name": 848, "ht_qualname": 864, "ht_cached_keys": 872,
    "dk_log2_index_bytes": 9, "dk_usable": 16, "dk_nentries": 24, "dk_indices": 32, "dk_entry_size": 16,
    "values_ptr": -32, "dict_ptr": -24, "values_prefix_byte": -1, "ob_size": 16,
    # member: PyMemberDescrObject (descrobject.h), PyMemberDef (descrobject.h / structmember.h)
    "md_type": 16, "md_name": 24, "md_member": 40, "mdef_type": 8, "mdef_offset": 16,
    # type: PyTypeObject (cpython/object.h)
    "tp_base": 256, "tp_dict": 264, "tp_bases": 336, "tp_mro": 344, "tp_subclasses": 360,
    "tpflags_static_builtin": 0,
    # func: PyFunctionObject (cpython/funcobject.h)
    "func_globals": 16, "func_builtins": 24, "func_name": 32, "func_qualname": 40, "func_code": 48,
    "func_defaults": 56, "func_kwdefaults": 64, "func_closure": 72, "func_doc": 80, "func_dict": 88,
    "func_module": 104, "func_annotations": 112,
    # code: PyCodeObject (cpython/code.h); co_nlocalsplus is an int
    "co_consts": 24, "co_names": 32, "co_exceptiontable": 40, "co_nlocalsplus": 76, "co_localsplusnames": 96,
    "co_localspluskinds": 104, "co_filename": 112, "co_name": 120, "co_qualname": 128, "co_linetable": 136,
    "co_code": 152, "kind_cell_mask": 0xC0,
    # frame: PyFrameObject (pycore_frame.h struct _frame), _PyInterpreterFrame (pycore_frame.h)
    "f_back": 16, "f_frame": 24, "f_trace": 32,
    "if_code": 32, "if_globals": 8, "if_locals": 24, "if_frame_obj": 40, "if_owner": 69, "if_localsplus": 72,
    "ref_tag_bits": 0, "owner_thread": 0, "owner_generator": 1, "owner_frame_object": 2,
    # gen: PyGenObject (cpython/genobject.h _PyGenObject_HEAD), frame states (pycore_frame.h)
    "gen_code": 16, "gen_state": 75, "gen_iframe": 80, "gen_state_created": -2, "gen_state_suspended": -1,
    "gen_state_live_min": -2, "gen_state_live_max": 3,
}


def _derive(base, drop=(), **kw):
    d = {k: v for k, v in base.items() if k not in drop}
    d.update(kw)
    return d


# 3.12: PyTypeObject gains tp_watched (sizeof 416); the word before the GC header is a tagged
# dict-or-values union (pycore_object.h PyDictOrValues); code caches co_code & co in _co_cached;
# _PyInterpreterFrame starts with f_code, owner at 70; generators lose gi_code, the frame at 72.
_LAYOUT_312 = _derive(
    _LAYOUT_311, drop=("values_ptr", "co_code", "gen_code"),
    attr_scheme="dorv312", ht_name=856, ht_qualname=872, ht_cached_keys=880,
    tpflags_static_builtin=1 << 1, func_typeparams=120,
    co_nlocalsplus=72, co_cached=152, cached_code=0, cached_varnames=8, cached_cellvars=16, cached_freevars=24,
    if_code=0, if_globals=24, if_locals=40, if_frame_obj=48, if_owner=70, if_localsplus=72,
    gen_state=67, gen_iframe=72, gen_state_live_max=0)
# 3.13: values inline after the object (Py_TPFLAGS_INLINE_VALUES, pycore_object.h
# _PyObject_InlineValues, pycore_dict.h struct _dictvalues), the dict pointer alone at -3 words;
# co_executors before _co_cached; f_executable in place of f_code; FRAME_CREATED is -3.
_LAYOUT_313 = _derive(
    _LAYOUT_312, drop=("values_prefix_byte",),
    attr_scheme="inline313", tpflags_inline_values=1 << 2, iv_capacity=0, iv_valid=3, iv_values=8,
    co_cached=160, gen_state_created=-3, gen_state_suspended=-2, gen_state_live_min=-3)
# 3.14: _PyStackRef (tagged: low 2 bits) in localsplus and f_executable, stackpointer before owner
# (owner at 74, localsplus at 80); func_annotate before func_typeparams.
_LAYOUT_314 = _derive(_LAYOUT_313, ref_tag_bits=3, if_owner=74, if_localsplus=80, func_annotate=120,
                      func_typeparams=128)
# 3.15: PyTypeObject gains _tp_iteritem (sizeof 424); frame states renumbered from 0 (CREATED) to
# 4 (EXECUTING), 5 CLEARED.
_LAYOUT_315 = _derive(_LAYOUT_314, ht_name=864, ht_qualname=880, ht_cached_keys=888, gen_state_created=0,
                      gen_state_suspended=1, gen_state_live_min=0, gen_state_live_max=4)
_LAYOUTS = {(3, 11): _LAYOUT_311, (3, 12): _LAYOUT_312, (3, 13): _LAYOUT_313, (3, 14): _LAYOUT_314,
            (3, 15): _LAYOUT_315}

_L = {}  # part -> True when that layout part was verified on this interpreter
_LFAIL = {}  # part -> why its self-check failed (a known version whose layout did not match)
_LAY = {}  # name -> value: the entries of the verified parts only (layout_offsets())
_LAY_FAMILY = None  # "3.13", ... when this interpreter's version has a table
_M = _B = _pyo_from = None
_getv = None
_NULLS = None  # a ctypes buffer for materializing immortal tagged references (3.14+)
_NULLS_ADDR = 0


def _free_threaded():
    """True on a free-threaded build (3.13t, 3.14t): other object headers, no GIL to walk under.

    Imports nothing (sysconfig would add its modules to the program's heap): the ABI flag "t", the
    GIL switched off, or an object header larger than refcount + type."""
    try:
        sd = sys.__dict__
        if "t" in sd.get("abiflags", ""):
            return True
        f = sd.get("_is_gil_enabled")
        if type(f) is types.BuiltinFunctionType and f() is False:
            return True
        return object.__basicsize__ > 2 * (8 if sys.maxsize > 2 ** 32 else 4)
    except Exception:
        return False


_FREE_THREADED = _free_threaded()


def _unref(bits, tag):
    """The object address a (possibly tagged) reference holds; 0 for NULL, a tagged int or an invalid
    tag (3.14+ _PyStackRef: low bits 0 = strong, 1 = immortal/deferred, 2 = invalid, 3 = int)."""
    if not tag:
        return bits
    return 0 if bits & 2 else bits & ~tag


def _attr_store(oid, flags, basicsize, lay):
    """(dict address, values address) of an instance of a managed-dict type, 0 where absent.

    lay: the verified table.  The values address is that of value 0 (values[i] at +8*i, i the
    shared keys' entry index)."""
    M = _M
    s = lay["attr_scheme"]
    if s == "inline313":
        dp = M[(oid + lay["dict_ptr"]) >> 3]
        vp = 0
        if flags & lay["tpflags_inline_values"]:
            hdr = oid + basicsize
            if _B[hdr + lay["iv_valid"]]:
                vp = hdr + lay["iv_values"]
        return dp, vp
    if s == "dorv312":
        w = M[(oid + lay["dict_ptr"]) >> 3]
        return (0, w + 1) if w & 1 else (w, 0)  # tagged: the values pointer minus 1
    return M[(oid + lay["dict_ptr"]) >> 3], M[(oid + lay["values_ptr"]) >> 3]


def _values_extra(oid, flags, basicsize, vp, keys, lay):
    """Bytes of an instance's attribute values that sys.getsizeof leaves out (extra.i)."""
    B = _B
    if lay["attr_scheme"] == "inline313":
        if not flags & lay["tpflags_inline_values"] or lay["iv_in_sizeof"]:
            return 0
        # allocated for the keys' usable size before _PyObject_InitInlineValues took one off
        # dk_usable (while it was > 1) and stored the rest as capacity: one more slot then
        cap = B[oid + basicsize + lay["iv_capacity"]]
        if keys is not None:
            M = _M
            usable = M[(keys + lay["dk_usable"]) >> 3]
            if usable > 1 or cap > M[(keys + lay["dk_nentries"]) >> 3] + usable:
                cap += 1
        return ((cap + 7) & ~7) + 8 * (cap + 1)
    if not vp or keys is None:
        return 0
    # a separate array: a prefix of `prefix` bytes (its last byte) and `cap` pointers; cap is not
    # stored: it is at least the keys' nentries+usable now (it only shrinks), and
    # prefix = round_up(cap + 2, 8) gives cap >= prefix - 9.
    M = _M
    prefix = B[vp + lay["values_prefix_byte"]]
    cap = max(M[(keys + lay["dk_nentries"]) >> 3] + M[(keys + lay["dk_usable"]) >> 3], prefix - 9)
    if cap > prefix - 2:
        cap = prefix - 2
    return prefix + 8 * cap


def _keys_names(keys, lay, start=0):
    """Keys (objects) of the shared keys at address `keys`, entries start.. dk_nentries."""
    M = _M
    nent = M[(keys + lay["dk_nentries"]) >> 3]
    ent = keys + lay["dk_indices"] + (1 << _B[keys + lay["dk_log2_index_bytes"]])
    es = lay["dk_entry_size"]
    out = []
    for i in range(start, nent):
        out.append(_pyo_from(ent + es * i).value if M[(ent + es * i) >> 3] else None)
    return out


def _init_layout():
    global _M, _B, _pyo_from, _getv, _LAY_FAMILY, _NULLS, _NULLS_ADDR
    if sys.implementation.name != "cpython" or _FREE_THREADED:
        return
    T = _LAYOUTS.get(sys.version_info[:2])
    if T is None:
        return
    try:
        import ctypes
        import struct
        from operator import attrgetter

        if struct.calcsize("P") != 8:
            return
        # one view over the address space: M[a >> 3] is the pointer-sized word at address a
        B = memoryview((ctypes.c_uint8 * (1 << 48)).from_address(0)).cast("B")
        M = B.cast("Q")
        pyo_from = ctypes.py_object.from_address  # .value: the object a slot points to (incref'd, in C)
        getv = attrgetter("value")
        _NULLS = (ctypes.c_size_t * 256)()
        _NULLS_ADDR = ctypes.addressof(_NULLS)
    except Exception:
        return
    _M, _B, _pyo_from, _getv = M, B, pyo_from, getv
    _LAY_FAMILY = "%d.%d" % sys.version_info[:2]
    tag = T["ref_tag_bits"]

    def w(a):
        return M[a >> 3]

    def i32(a):
        return int.from_bytes(B[a:a + 4], "little", signed=True)

    def i8(a):
        v = B[a]
        return v - 256 if v >= 128 else v

    def verified(part, ok):
        if ok:
            _L[part] = True
            for k in _PART_NAMES[part]:
                if k in T:
                    _LAY[k] = T[k]
        else:
            _L.pop(part, None)
            _LFAIL[part] = "self-check failed"

    class _Probe:
        __slots__ = ("s1", "__dict__")

        def __init__(self):
            self.s1 = "slot"
            self.a = "alpha"
            self.b = 12345.5

    class _Plain:
        def __init__(self):
            self.a = "alpha"
            self.b = 12345.5

    def check_keys():
        lay = T
        ok = True
        for cls in (_Probe, _Plain):
            p, q = cls(), cls()
            qd = q.__dict__  # the other instance gets a real dict: the dict pointer must show it
            ht = id(cls) + T["ht_name"]
            flags = _t_flags(cls)
            if not (flags & T["tpflags_managed_dict"] and w(ht) == id(_t_name(cls))
                    and w(id(cls) + T["ht_qualname"]) == id(_t_qualname(cls))):
                return False
            keys = w(id(cls) + T["ht_cached_keys"])
            bs = _t_basicsize(cls)
            dp, vp = _attr_store(id(p), flags, bs, lay)
            dq, _vq = _attr_store(id(q), flags, bs, lay)
            if dq != id(qd):
                return False
            inline = T["attr_scheme"] == "inline313" and flags & T["tpflags_inline_values"]
            if T["attr_scheme"] == "inline313" and not inline:
                if cls is _Plain:
                    return False  # a plain class must have its values inline on 3.13+
                # slots and __dict__ (3.13): no inline values, the attributes live in a real dict
                d = _pyo_from(id(p) + T["dict_ptr"]).value if dp else None
                if type(d) is not dict or _dict_get(d, "a") is not p.a:
                    return False
                del d
                continue
            if dp != 0:
                return False
            if keys and _keys_names(keys, lay) == ["a", "b"]:
                if not vp or M[vp >> 3:(vp >> 3) + 2].tolist() != [id(p.a), id(p.b)]:
                    return False
                if T["attr_scheme"] != "inline313" and (B[vp - 1] % 8 or B[keys + 10] != 2):
                    return False
            elif cls is _Plain:
                return False
            if inline:
                cap = B[id(p) + bs + T["iv_capacity"]]
                size = ((cap + 7) & ~7) + 8 * (cap + 1)
                base = bs + 2 * 16  # the object, its GC header and the managed dict/weakref pre-header
                if cap < 2:
                    return False
                if _getsizeof(p) == base:
                    T["iv_in_sizeof"] = 0
                elif _getsizeof(p) == base + size:
                    T["iv_in_sizeof"] = 1
                else:
                    return False
            del qd
        return ok

    def check_member():
        p = _Probe()
        d = _Probe.__dict__["s1"]
        dm = w(id(d) + T["md_member"])
        return (w(id(d) + T["md_name"]) == id(d.__name__) and w(id(d) + T["md_type"]) == id(_Probe)
                and i32(dm + T["mdef_type"]) == 16 and w(id(p) + w(dm + T["mdef_offset"])) == id(p.s1))

    def check_type():
        t = _Probe

        class _Sub(_Probe):
            __slots__ = ()

        ti = id(t)
        subs = pyo_from(ti + T["tp_subclasses"]).value if w(ti + T["tp_subclasses"]) else None
        ok = (w(ti + T["tp_base"]) == id(object) and w(ti + T["tp_mro"]) == id(_t_mro(t))
              and w(ti + T["tp_bases"]) == id(_t_bases(t))
              and w(ti + T["tp_dict"]) == id(gc.get_referents(_t_dict(t))[0])
              and type(subs) is dict and len(subs) == 1)
        sb = T["tpflags_static_builtin"]
        if sb:
            ok = ok and _t_flags(object) & sb and not _t_flags(t) & sb
        elif ok:
            ok = type(pyo_from(id(object) + T["tp_subclasses"]).value) is dict
        del subs, _Sub
        return ok

    def _fn(x, y=(1, 2)):
        z = [x]

        def inner():
            return z

        return sys._getframe(), inner

    def check_func():
        f = _fn
        fi = id(f)
        ok = (w(fi + T["func_globals"]) == id(f.__globals__) and w(fi + T["func_code"]) == id(f.__code__)
              and w(fi + T["func_defaults"]) == id(f.__defaults__) and w(fi + T["func_qualname"]) == id(f.__qualname__)
              and w(fi + T["func_module"]) == id(f.__module__) and w(fi + T["func_name"]) == id(f.__name__)
              and w(fi + T["func_builtins"]) == id(f.__builtins__))
        if ok and "func_typeparams" in T:
            ns = {}
            exec("def _tp[T](x: int): pass", ns)  # 3.12 syntax: only parsed where the table has the field
            g = ns["_tp"]
            ok = w(id(g) + T["func_typeparams"]) == id(g.__type_params__) and w(fi + T["func_typeparams"]) == 0
            if ok and "func_annotate" in T:
                ok = w(id(g) + T["func_annotate"]) == id(g.__annotate__) and w(fi + T["func_annotate"]) == 0
        return ok

    def check_code():
        c = _fn.__code__
        ci = id(c)
        lpn = c.co_varnames + tuple(n for n in c.co_cellvars if n not in c.co_varnames) + c.co_freevars
        ok = (w(ci + T["co_consts"]) == id(c.co_consts) and w(ci + T["co_names"]) == id(c.co_names)
              and w(ci + T["co_filename"]) == id(c.co_filename) and w(ci + T["co_qualname"]) == id(c.co_qualname)
              and w(ci + T["co_name"]) == id(c.co_name) and w(ci + T["co_linetable"]) == id(c.co_linetable)
              and w(ci + T["co_exceptiontable"]) == id(c.co_exceptiontable)
              and pyo_from(ci + T["co_localsplusnames"]).value == lpn
              and i32(ci + T["co_nlocalsplus"]) == len(lpn)
              and type(pyo_from(ci + T["co_localspluskinds"]).value) is bytes)
        if ok and "co_cached" in T:
            code = c.co_code  # fills the cache (of the agent's own code object)
            cc = w(ci + T["co_cached"])
            ok = bool(cc) and w(cc + T["cached_code"]) == id(code)
        return ok

    def check_frame():
        fo, inner = _fn(7)
        fr = w(id(fo) + T["f_frame"])
        lp = fr + T["if_localsplus"]
        ok = (_unref(w(fr + T["if_code"]), tag) == id(fo.f_code) and w(fr + T["if_globals"]) == id(fo.f_globals)
              and B[fr + T["if_owner"]] == T["owner_frame_object"]
              and _unref(w(lp), tag) == id(7) and _unref(w(lp + 8), tag) == id(_fn.__defaults__[0]))
        del fo, inner

        def _running(a1):  # a running frame: owned by the thread, locals readable
            b1 = [a1]
            fo = sys._getframe()
            fr = w(id(fo) + T["f_frame"])
            lp = fr + T["if_localsplus"]
            return (B[fr + T["if_owner"]] == T["owner_thread"] and w(fr + T["if_frame_obj"]) == id(fo)
                    and _unref(w(lp), tag) == id(a1) and _unref(w(lp + 8), tag) == id(b1)
                    and _unref(w(lp + 16), tag) == id(fo) and (w(lp + 8) & 3) == 0)

        return ok and _running("x" * 3)

    def check_gen():
        def _g(a1):
            b1 = [a1]
            yield b1

        async def _c(a1):
            return a1

        async def _ag(a1):
            yield a1

        ok = True
        fo = T["gen_iframe"]
        for fn in (_g, _c, _ag):
            arg = ["probe"]
            g = fn(arg)  # created, not started: the arguments are in place
            gi = id(g)
            ok = ok and _unref(w(gi + fo + T["if_code"]), tag) == id(fn.__code__) \
                and i8(gi + T["gen_state"]) == T["gen_state_created"] \
                and _unref(w(gi + fo + T["if_localsplus"]), tag) == id(arg)
            if "gen_code" in T:
                ok = ok and w(gi + T["gen_code"]) == id(fn.__code__)
            if fn is _g:
                y = next(g)  # suspended, with the local b1
                ok = ok and i8(gi + T["gen_state"]) == T["gen_state_suspended"] \
                    and _unref(w(gi + fo + T["if_localsplus"] + 8), tag) == id(y)
                del y
            elif fn is _c:
                g.close()
            del g
        return ok

    for part, check in (("keys", check_keys), ("member", check_member), ("type", check_type),
                        ("func", check_func), ("code", check_code), ("frame", check_frame), ("gen", check_gen)):
        try:
            ok = bool(check())
        except Exception:
            ok = False
        if part in ("frame", "gen") and not _L.get("code"):
            ok = False  # their locals are named by the code object's localsplusnames
        verified(part, ok)
    if not _L:
        _M = _B = _pyo_from = _getv = None


_init_layout()


def layout_status():
    """Which CPython layout parts this agent verified and uses (for tests and bug reports)."""
    return dict(_L)


def layout_failed():
    """Parts of this version's layout table whose self-check failed: {part: why}."""
    return dict(_LFAIL)


def layout_offsets():
    """The verified layout table: {name: int or str}, only the entries of parts that passed their
    self-check on this interpreter (docs/LAYOUT.md: names, meaning, where each comes from).  A native
    walker reads these instead of offsets of its own; empty on an unknown or free-threaded build."""
    out = dict(_LAY)
    return out


# ---------------------------------------------------------------------------------------------
# kinds of objects, decided once per type in a dump
K_LEAF, K_GEN, K_STR, K_BYTES, K_DICT, K_TYPE, K_MODULE, K_FUNC, K_CODE, K_FRAME, K_CELL, K_METHOD = range(12)
# numpy arrays, torch tensors, mmap objects, torch autograd nodes (see _ml_types); always the largest kinds
K_ND, K_TENSOR, K_MMAP, K_GFN, K_PD = range(12, 17)
K_GENERATOR = 17  # generator, coroutine, async generator: their frame's locals are labelled
K_CMEMBERS = 18  # a C type's object members (functools.partial .func, property .fget, re.Match .string)
K_CGETSETS = 19  # asyncio's C Future and Task: fields read with their own C getters (._coro, ._result)
_ASYNC_FIELDS = ("_loop", "_result", "_exception", "_source_traceback", "_cancel_message", "_coro", "_fut_waiter")
_GEN_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)

# (layout name, label) of the object fields of code objects and functions (functions in func_traverse
# order); the offsets come from the verified table, a field a version lacks is left out
_CODE_FIELDS = (("co_consts", ".co_consts"), ("co_names", ".co_names"), ("co_exceptiontable", ".co_exceptiontable"),
                ("co_localsplusnames", ".co_localsplusnames"), ("co_localspluskinds", ".co_localspluskinds"),
                ("co_filename", ".co_filename"), ("co_name", ".co_name"), ("co_qualname", ".co_qualname"),
                ("co_linetable", ".co_linetable"), ("co_code", "._co_code"))
# 3.12+: co_code and the co_varnames/co_cellvars/co_freevars tuples, built on demand, cached in a
# struct the code object owns (_PyCoCached)
_CODE_CACHED = (("cached_code", "._co_code"), ("cached_varnames", "._co_varnames"),
                ("cached_cellvars", "._co_cellvars"), ("cached_freevars", "._co_freevars"))
_FUNC_FIELDS = (("func_code", ".__code__"), ("func_globals", ".__globals__"), ("func_builtins", ".__builtins__"),
                ("func_module", ".__module__"), ("func_defaults", ".__defaults__"),
                ("func_kwdefaults", ".__kwdefaults__"), ("func_doc", ".__doc__"), ("func_name", ".__name__"),
                ("func_dict", ".__dict__"), ("func_closure", ".__closure__"),
                ("func_annotations", ".__annotations__"), ("func_annotate", ".__annotate__"),
                ("func_typeparams", ".__type_params__"), ("func_qualname", ".__qualname__"))
_GEN_CODE = tuple(t.__dict__[a].__get__ for t, a in zip(_GEN_TYPES, ("gi_code", "cr_code", "ag_code")))


def _lay_fields(names):
    """(offset, label) of the fields `names` ((layout name, label)) that the verified table has."""
    return [(_LAY[n], lb) for n, lb in names if n in _LAY]


def _seq_reversed():
    """Ids of `list` and `tuple` when `gc.get_referents` lists their items last first (their
    `tp_traverse` walks backwards on 3.11-3.15): the walk reverses those to write index order."""
    out = set()
    a, b = object(), object()
    for t, probe in ((list, [a, b]), (tuple, (a, b))):
        if list(map(id, _get_referents(probe))) == [id(b), id(a)]:
            out.add(id(t))
    return frozenset(out)


_SEQ_REVERSED = _seq_reversed()


def _type_name(t):
    """'module.qualname' of a type, read with type's own descriptors (no metaclass code runs)."""
    try:
        q = _t_qualname(t)
    except Exception:
        q = None
    if type(q) is not str:
        try:
            q = _t_name(t)
        except Exception:
            q = None
        if type(q) is not str:
            q = "?"
    try:
        m = _t_module(t)
    except Exception:
        m = None
    if type(m) is str and m:
        return m + "." + q
    return q


def _match_labels(ids, exp_ids, exp_labs):
    """Labels for refs `ids`, given expected (id, label) pairs; each expected pair labels one edge."""
    k = len(exp_ids)
    if ids[:k] == exp_ids:
        return exp_labs + [0] * (len(ids) - k)
    want = {}
    for i, lab in zip(exp_ids, exp_labs):
        l = want.get(i)
        if l is None:
            want[i] = [lab]
        else:
            l.append(lab)
    out = []
    for i in ids:
        l = want.get(i)
        out.append(l.pop(0) if l else 0)
    return out


class _Ctx:
    """Per-dump state (all of it agent temporaries, dropped when the dump ends)."""

    def __init__(self, redact):
        self.redact = redact
        self.labels = [""]
        self.lab_index = {"": 0}
        self.tinfo = {}  # id(type) -> (kind, inst-info or None, lenfunc or None)
        self.key_labels = {}  # exact str key -> label index of its value edge
        self.hasher = None
        self.ml = _ml_types()  # accessors of numpy/torch/mmap, for the libraries the program imported
        self.async_fields = _async_fields()  # getters of asyncio's C Future and Task, when imported
        self.keep = []  # objects the agent obtained from a library getter (torch): alive until the dump ends
        self.storages = set()  # (device, data_ptr) of torch storages already counted
        lay = _LAY
        # attribute scheme (0 keys311, 1 dorv312, 2 inline313) and the offsets read per instance
        self.attr = ({"keys311": 0, "dorv312": 1}.get(lay["attr_scheme"], 2), lay["dict_ptr"],
                     lay.get("values_ptr", 0), lay["dk_nentries"], lay["dk_usable"], lay.get("values_prefix_byte", 0)) \
            if _L.get("keys") else None

    def lab(self, s):
        i = self.lab_index.get(s)
        if i is None:
            i = len(self.labels)
            self.labels.append(s)
            self.lab_index[s] = i
        return i

    def str_key_label(self, k):
        if self.redact:
            h = self.hasher
            if h is None:
                import hashlib

                h = self.hasher = hashlib.blake2b
            s = "['#" + h(k.encode("utf-8", "surrogatepass")).hexdigest()[:8] + "']"
        else:
            s = "[" + (k if len(k) <= 60 else k[:60] + "\u2026").__repr__() + "]"
        i = self.key_labels[k] = self.lab(s)
        return i

    def key_label(self, k):
        """Label index for the value edge of dict key `k` (any type; runs no user code)."""
        t = type(k)
        if t is str:
            i = self.key_labels.get(k)
            return i if i is not None else self.str_key_label(k)
        if t is int:
            try:
                s = "[" + int.__repr__(k) + "]"
            except Exception:  # more digits than str(int) allows
                s = "[<int>]"
        elif t is bool or k is None:
            s = "[True]" if k is True else "[False]" if k is False else "[None]"
        elif t is float:
            s = "[" + float.__repr__(k) + "]"
        else:
            s = "[<" + _type_name(t).rpartition(".")[2] + ">]"
        return self.lab(s)

    # -- per type ------------------------------------------------------------------------------
    def classify(self, t):
        try:
            mro = _t_mro(t)
            flags = _t_flags(t)
        except Exception:
            mro, flags = (t,), 0
        mids = set(map(id, mro or ()))
        lenf = None
        if t is str:
            kind = K_STR
        elif id(dict) in mids:
            kind = K_DICT
        elif id(type) in mids:
            kind = K_TYPE
        elif id(types.ModuleType) in mids:
            kind = K_MODULE
        elif t is types.FunctionType:
            kind = K_FUNC
        elif t is types.CodeType:
            kind = K_CODE
        elif t is types.FrameType:
            kind = K_FRAME
        elif t is types.CellType:
            kind = K_CELL
        elif t is types.MethodType:
            kind = K_METHOD
        elif t is _GEN_TYPES[0] or t is _GEN_TYPES[1] or t is _GEN_TYPES[2]:  # `in` would call __eq__
            kind = K_GENERATOR
        elif t is bytes or t is bytearray:
            kind = K_BYTES
        elif flags & _TPFLAGS_HAVE_GC:
            kind = K_GEN
        else:
            kind = K_LEAF
        if t is not str:
            for base in (str, bytes, bytearray):
                if id(base) in mids:
                    lenf = base.__len__
                    break
        inst = None
        if flags & _TPFLAGS_HEAPTYPE and kind not in (K_TYPE, K_MODULE):
            try:
                inst = self.inst_info(t, flags)
            except Exception:
                inst = None
            if inst is not None and kind != K_DICT:
                kind = K_GEN
        if kind in (K_LEAF, K_STR, K_BYTES) and (lenf is not None or inst is not None) and t is not str:
            kind = K_GEN if flags & _TPFLAGS_HAVE_GC else K_LEAF
        ml = self.ml
        if ml:
            if "nd" in ml and id(ml["nd"]) in mids:
                kind = K_ND
            elif "tb" in ml and id(ml["tb"]) in mids:
                kind = K_TENSOR
            elif t is ml.get("mmap"):
                kind = K_MMAP
            elif "pd_sizeof" in ml and kind in (K_GEN, K_LEAF):
                for b in mro or ():  # the __sizeof__ sys.getsizeof calls: pandas' adds the data it holds
                    f = _t_dict(b).get("__sizeof__") if issubclass(type(b), type) else None
                    if f is not None:
                        if f is ml["pd_sizeof"]:
                            kind = K_PD
                        break
        # asyncio's Future and Task: their own getters, also where they are heap types (3.12+)
        fields = self.async_fields.get(id(t)) if kind == K_GEN else None
        if fields:
            kind, inst = K_CGETSETS, [(g, self.lab(name)) for g, name in fields]
        elif kind == K_GEN and inst is None and not flags & _TPFLAGS_HEAPTYPE and _L.get("member"):
            try:
                mem = self.members_of(t)
            except Exception:
                mem = []
            if mem:
                kind, inst = K_CMEMBERS, mem
        r = (kind, inst, lenf)
        self.tinfo[id(t)] = r
        return r

    def members_of(self, b):
        """(offset, label) of the object members (T_OBJECT, T_OBJECT_EX) type `b` itself defines,
        read from its member descriptors (PyMemberDef): a slot of a class, a field of a C type."""
        M, B, lay = _M, _B, _LAY
        md_type, md_member, mdef_type, mdef_offset = lay["md_type"], lay["md_member"], lay["mdef_type"], \
            lay["mdef_offset"]
        out = []
        for name, d in _t_dict(b).items():
            if type(d) is _MemberDescr and type(name) is str:
                di = id(d)
                dm = M[(di + md_member) >> 3]
                if M[(di + md_type) >> 3] == id(b) and \
                        int.from_bytes(B[dm + mdef_type:dm + mdef_type + 4], "little") in (6, 16):
                    out.append((M[(dm + mdef_offset) >> 3], self.lab("." + name)))
        return out

    def inst_info(self, t, flags):
        """How instances of heap type t store attributes; None when they have none of their own."""
        lab = self.lab
        slots = []  # (offset, label) in subtype_traverse order
        has_slots = False
        b = t
        M, B = _M, _B
        while b is not None and _t_flags(b) & _TPFLAGS_HEAPTYPE:
            if any(type(d) is _MemberDescr and type(n) is str for n, d in _t_dict(b).items()):
                has_slots = True
                if _L.get("member"):
                    slots += self.members_of(b)
            b = _t_base(b)
        base = b if b is not None else object
        managed = bool(flags & _TPFLAGS_MANAGED_DICT)
        doff = 0
        try:
            if not managed and _t_dictoffset(t) != 0 and _t_dictoffset(t) != _t_dictoffset(base):
                doff = _t_dictoffset(t)
        except Exception:
            doff = 0
        if not (has_slots or managed or doff):
            return None
        keys = None
        if managed and _L.get("keys"):
            if M[(id(t) + _LAY["ht_name"]) >> 3] == id(_t_name(t)):
                keys = M[(id(t) + _LAY["ht_cached_keys"]) >> 3] or None
        return [slots, "slots" if has_slots else "", managed, doff, keys, -1, [], 0,
                _t_basicsize(t), _t_itemsize(t), flags]

    def refresh_keys(self, ii):
        """(Re)read the shared keys of a managed-dict type: names of entries and their labels."""
        keys = ii[4]
        labs = ii[6]
        for k in _keys_names(keys, _LAY, len(labs)):
            labs.append(self.lab("." + k) if type(k) is str else 0)
        ii[5] = len(labs)

    def inst_labels(self, o, oid, ids, ii, tid, gr=None):
        """Label the instance part of refs `ids`; returns (labels, extra_a, extra_i, prefix_len).

        A managed dict that gc.get_referents leaves out (3.13+: a dict made by `obj.__dict__` while the
        inline values stay valid is not visited) is appended to `gr` and `ids` with its label."""
        M = _M
        exp_ids = []
        exp_labs = []
        for off, lab in ii[0]:
            p = M[(oid + off) >> 3]
            if p:
                exp_ids.append(p)
                exp_labs.append(lab)
        a = ii[1]
        extra_i = 0
        dictlab = 0
        attr = self.attr
        if ii[2] and attr is not None:  # managed dict: a dict, or values without one (docs/LAYOUT.md)
            scheme, d_off, v_off, dk_nent, dk_usable, pre_off = attr
            if scheme == 0:  # 3.11: dict pointer, values pointer
                dp = M[(oid + d_off) >> 3]
                vp = M[(oid + v_off) >> 3]
            elif scheme == 1:  # 3.12: dict, or values - 1 (bit 0 set)
                dp = M[(oid + d_off) >> 3]
                vp = 0
                if dp & 1:
                    dp, vp = 0, dp + 1
            else:
                dp, vp = _attr_store(oid, ii[10], ii[8], _LAY)
            keys = ii[4]
            if vp and keys is not None:
                nent = M[(keys + dk_nent) >> 3]
                if nent != ii[5]:
                    self.refresh_keys(ii)
                vals = M[vp >> 3:(vp >> 3) + nent].tolist()
                for v, lab in zip(vals, ii[6]):
                    if v:
                        exp_ids.append(v)
                        exp_labs.append(lab)
            if dp:
                if gr is not None and vp and dp not in ids:
                    try:
                        d = _pyo_from(oid + d_off).value
                        if id(d) == dp:
                            gr.append(d)
                            ids.append(dp)
                    except ValueError:
                        pass
                exp_ids.append(dp)
                exp_labs.append(self.lab(".__dict__"))
                a = a + "+dict" if a else "dict"
            elif vp:
                a = a + "+inline" if a else "inline"
            if scheme == 2:
                extra_i = _values_extra(oid, ii[10], ii[8], vp, keys, _LAY)
            elif vp and keys is not None and not dp:
                # the values array: see _values_extra
                prefix = _B[vp + pre_off]
                cap = max(nent + M[(keys + dk_usable) >> 3], prefix - 9)
                if cap > prefix - 2:
                    cap = prefix - 2
                extra_i = prefix + 8 * cap
        elif ii[3] and _L.get("keys"):  # a __dict__ slot at tp_dictoffset
            doff = ii[3]
            if doff < 0:
                n = M[(oid + _LAY["ob_size"]) >> 3]
                if n >= 1 << 63:
                    n = (1 << 64) - n
                size = ii[8] + n * ii[9]
                size = (size + 7) & ~7
                doff += size
            dp = M[(oid + doff) >> 3]
            if dp:
                exp_ids.append(dp)
                exp_labs.append(self.lab(".__dict__"))
                a = a + "+dict" if a else "dict"
        k = len(exp_ids)
        labels = _match_labels(ids, exp_ids, exp_labs)
        # refs of the instance part: the labelled ones, then the type (heap type visited by subtype_traverse)
        plen = k + 1 if len(ids) > k and ids[:k] == exp_ids and ids[k] == tid else -1
        return labels, a, extra_i, plen


def _read_attr(o, name):
    """Value of instance attribute `name` read from inline values or the instance dict; None if unknown.

    Used for threading.Thread._name only (no descriptors, no __getattribute__)."""
    if not _L.get("keys"):
        return None
    t = type(o)
    try:
        flags = _t_flags(t)
        lay = _LAY
        if not flags & lay["tpflags_managed_dict"]:
            return None
        M = _M
        oid = id(o)
        dp, vp = _attr_store(oid, flags, _t_basicsize(t), lay)
        if vp:
            if M[(id(t) + lay["ht_name"]) >> 3] != id(_t_name(t)):
                return None
            keys = M[(id(t) + lay["ht_cached_keys"]) >> 3]
            if not keys:
                return None
            for i, k in enumerate(_keys_names(keys, lay)):
                if type(k) is str and k == name:
                    return _pyo_from(vp + 8 * i).value if M[(vp >> 3) + i] else None
        if dp:
            d = _pyo_from(oid + lay["dict_ptr"]).value
            return _dict_get(d, name) if type(d) is dict else None
    except Exception:
        return None
    return None


# ---------------------------------------------------------------------------------------------
# numpy, torch, mmap: native buffers the collector does not see (docs/FORMAT.md, extra nb/dev/dt/sh/own).
# Only libraries the program imported (sys.modules) and only their C types' own descriptors and methods.
_ND_ITEMS = 1 << 20  # item edges written per object array at most (extra.it says how many when cut)
_DT_KIND = {"b": "bool", "i": "int", "u": "uint", "f": "float", "c": "complex", "O": "object", "S": "bytes",
            "U": "str", "V": "void", "M": "datetime64", "m": "timedelta64"}
_GetSet = types.GetSetDescriptorType


def _mod_attr(name, attr):
    m = sys.modules.get(name)
    if type(m) is not types.ModuleType:
        return None
    return _dict_get(_mod_dict(m), attr)


def _async_fields():
    """{id(type): [(getter, label)]} for asyncio's C `Future` and `Task` when the program imported
    `_asyncio`: their fields are getsets, read on exact instances with the types' own C getters,
    which return a field as it is (no code of the program runs, nothing is created)."""
    out = {}
    try:
        for name in ("Future", "Task"):
            t = _c_type(_mod_attr("_asyncio", name))
            if t is not None:
                td = _t_dict(t)
                fields = [(td[k].__get__, "." + k) for k in _ASYNC_FIELDS if type(td.get(k)) is _GetSet]
                if fields:
                    out[id(t)] = fields
    except Exception:
        return {}
    return out


def _c_type(t):
    """t if it is a type defined in C: a static type, or (3.12+, where extension modules make their
    types on the heap: _asyncio's Future and Task) an immutable heap type. Either way no Python code
    can override its descriptors."""
    try:
        if issubclass(type(t), type) and (not _t_flags(t) & _TPFLAGS_HEAPTYPE or _t_flags(t) & _TPFLAGS_IMMUTABLETYPE):
            return t
    except Exception:
        pass
    return None


def _pre_sizes():
    """Bytes CPython keeps before an object (gc header, managed-dict pointers): measured once at
    import, since the probe class it needs would otherwise be garbage left by every dump."""
    try:
        class _P:
            pass

        p = _P()
        return _getsizeof(p) - object.__sizeof__(p), _getsizeof([]) - list.__sizeof__([])
    except Exception:
        return None


_PRE_SIZES = _pre_sizes()


def _ml_types():
    """Accessors for the libraries this process has imported; {} when none."""
    ml = {}
    try:
        nd = _c_type(_mod_attr("numpy", "ndarray"))
        dt = _c_type(_mod_attr("numpy", "dtype"))
        if nd is not None and dt is not None:
            td = _t_dict(nd)
            g = {k: td[k] for k in ("base", "dtype", "shape", "nbytes", "flags", "flat")}
            dd = _t_dict(dt)
            if all(type(v) is _GetSet for v in g.values()):
                for k, v in g.items():
                    ml["nd_" + k] = v.__get__
                ml["dt_kind"] = dd["kind"].__get__
                ml["dt_size"] = dd["itemsize"].__get__
                ml["nd"] = nd
    except Exception:
        for k in [k for k in ml if k.startswith("nd")]:
            del ml[k]
    try:
        mm = _mod_attr("mmap", "mmap")  # a heap type on 3.10+, but immutable and its __len__ is C
        if issubclass(type(mm), type) and type(_t_dict(mm)["__len__"]) is types.WrapperDescriptorType:
            ml["mmap_len"] = _t_dict(mm)["__len__"]
            ml["mmap"] = mm
    except Exception:
        ml.pop("mmap", None)
    try:
        po = _mod_attr("pandas.core.base", "PandasObject")
        f = _t_dict(po).get("__sizeof__") if issubclass(type(po), type) else None
        if type(f) is types.FunctionType:
            ml["pd_sizeof"] = f

        if _PRE_SIZES is None:
            raise ValueError("pre-header sizes unknown")
        ml["pre_managed"], ml["pre_gc"] = _PRE_SIZES
    except Exception:
        ml.pop("pd_sizeof", None)
    try:
        c = _mod_attr("torch", "_C")
        if type(c) is types.ModuleType:
            cd = _mod_dict(c)
            tb = _c_type(_dict_get(cd, "TensorBase") or _dict_get(cd, "_TensorBase"))
            sb = _c_type(_dict_get(cd, "StorageBase") or _dict_get(cd, "_StorageBase"))
            exact = [_mod_attr("torch", "Tensor"), _mod_attr("torch.nn", "Parameter"),
                     _mod_attr("torch.nn.parameter", "Parameter")]
            if tb is not None and sb is not None:
                td = _t_dict(tb)
                sd = _t_dict(sb)
                ml.update(t_storage=td["untyped_storage"], t_base=td["_base"].__get__, t_dev=td["device"].__get__,
                          t_dtype=td["dtype"].__get__, t_shape=td["shape"].__get__, t_grad=td["grad"].__get__,
                          t_gfn=td["grad_fn"].__get__, s_ptr=sd["data_ptr"], s_nbytes=sd["nbytes"],
                          t_exact=set(id(e) for e in exact if issubclass(type(e), type)) | {id(tb)})
                ml["tb"] = tb
    except Exception:
        ml.pop("tb", None)
    return ml


def _nd_dtype(ml, d):
    k = ml["dt_kind"](d)
    n = _DT_KIND.get(k, k)
    if k in ("b", "O", "M", "m"):
        return n
    return n + str(8 * ml["dt_size"](d))


def _ml_edge(gr, ids, labs, o, lab):
    gr.append(o)
    ids.append(id(o))
    labs.append(lab)


def _ml_record(ctx, kind, o, sz, gr, ids, labs, x):
    """Fields and edges of a numpy array, torch tensor, mmap or autograd node; returns the size to write.

    Appends to gr/ids/labs (edges) and x (extra fields); on any error, what was gathered so far stays."""
    ml = ctx.ml
    try:
        if kind == K_ND:
            base = ml["nd_base"](o)
            own = ml["nd_flags"](o).owndata  # flagsobj: a numpy C type
            nbytes = ml["nd_nbytes"](o)
            x.append('"dt":' + _enc(_nd_dtype(ml, ml["nd_dtype"](o))))
            x.append('"sh":[' + ",".join(str(int.__index__(i)) for i in ml["nd_shape"](o)) + "]")
            x.append('"own":' + ("true" if own is True else "false"))
            if own is True and type(nbytes) is int and nbytes > 0:
                # numpy's __sizeof__ includes the buffer of an array that owns it: size + nb == getsizeof
                if sz >= nbytes:
                    sz -= nbytes
                x.append(f'"nb":{nbytes}')
            base_nd = False
            if base is not None:
                _ml_edge(gr, ids, labs, base, ctx.lab(".base"))
                b = base
                for _ in range(64):  # where the data lives: the end of the .base chain
                    ti = ctx.tinfo.get(id(type(b)))
                    if (ti if ti is not None else ctx.classify(type(b)))[0] != K_ND:
                        break
                    b = ml["nd_base"](b)
                    if b is None:
                        break
                if b is not None and type(b) is ml.get("mmap"):
                    x.append('"dev":"file"')
                base_nd = _ml_is_nd(ctx, base)
            if not base_nd and ml["dt_kind"](ml["nd_dtype"](o)) == "O":
                n = 0
                lab = ctx.lab
                for v in ml["nd_flat"](o):  # object arrays: the items themselves, in C order
                    if n >= _ND_ITEMS:
                        x.append(f'"it":{n}')
                        break
                    _ml_edge(gr, ids, labs, v, lab("[%d]" % n))
                    n += 1
        elif kind == K_PD:
            # pandas' __sizeof__ is memory_usage(deep=True): the arrays and items it holds, which the
            # snapshot has as objects of their own. Write the object's own size instead (the walk
            # does not call it: sz is 0 here).
            fl = _t_flags(type(o))
            n = object.__sizeof__(o)
            if fl & _TPFLAGS_MANAGED_DICT:
                n += ml["pre_managed"]
            elif fl & _TPFLAGS_HAVE_GC:
                n += ml["pre_gc"]
            if n >= 0:
                sz = n
        elif kind == K_MMAP:
            n = ml["mmap_len"](o)
            if type(n) is int and n > 0:
                x.append(f'"nb":{n}')
                x.append('"dev":"file"')
        elif kind == K_TENSOR:
            if id(type(o)) not in ml["t_exact"]:
                return sz  # a user's subclass: its methods could run user code
            keep = ctx.keep.append
            fl = _t_flags(type(o))
            sz = object.__sizeof__(o) + (ml["pre_managed"] if fl & _TPFLAGS_MANAGED_DICT else
                                         ml["pre_gc"] if fl & _TPFLAGS_HAVE_GC else 0)
            dev = ml["t_dev"](o)
            keep(dev)
            ds = type(dev).__str__(dev)
            dt = ml["t_dtype"](o)
            x.append('"dt":' + _enc(type(dt).__repr__(dt).replace("torch.", "")))
            x.append('"sh":[' + ",".join(str(int.__index__(i)) for i in tuple.__iter__(ml["t_shape"](o))) + "]")
            if ds != "cpu":
                x.append('"dev":' + _enc(ds))
            base = ml["t_base"](o)
            if base is not None:
                keep(base)
                _ml_edge(gr, ids, labs, base, ctx.lab("._base"))
            else:
                try:
                    st = ml["t_storage"](o)
                    keep(st)
                    key = (ds, ml["s_ptr"](st))
                    if key[1] and key not in ctx.storages:
                        ctx.storages.add(key)
                        nb = ml["s_nbytes"](st)
                        if type(nb) is int and nb > 0:
                            x.append(f'"nb":{nb}')
                except Exception:
                    pass
            for getter, name in ((ml["t_gfn"], ".grad_fn"), (ml["t_grad"], ".grad")):
                v = getter(o)
                if v is not None:
                    keep(v)
                    if name == ".grad_fn":
                        _ml_node_type(ctx, v)
                    _ml_edge(gr, ids, labs, v, ctx.lab(name))
        elif kind == K_GFN:
            keep = ctx.keep.append
            td = _t_dict(type(o))
            for name in list(td):
                d = td[name]
                if type(d) is not _GetSet or not (name == "next_functions" or name == "variable"
                                                 or name.startswith("_saved_")):
                    continue
                try:
                    v = d.__get__(o)
                except Exception:
                    continue
                if v is None:
                    continue
                keep(v)
                if name == "next_functions" and type(v) is tuple:
                    for p in v:
                        if type(p) is tuple and p and p[0] is not None:
                            _ml_node_type(ctx, p[0])
                _ml_edge(gr, ids, labs, v, ctx.lab("." + name))
    except Exception:
        pass
    return sz


def _field_labels(oid, fields, ids):
    """Labels for the referents `ids` of the object at `oid`, given (offset, label) of the object
    pointers it holds in its struct (read in place: a NULL field is no referent)."""
    M = _M
    ei, el = [], []
    for off, lb in fields:
        p = M[(oid + off) >> 3]
        if p:
            ei.append(p)
            el.append(lb)
    return _match_labels(ids, ei, el)


# 3.12's _asyncio visits, from its module state, a free list of future iterators that are dead
# (refcount 0): gc.get_referents(module) would hand them out with a reference, and dropping it frees
# them a second time (the free list then loops and the interpreter hangs in its next collection).
# Those modules are written with their __dict__ as their only referent.
_UNTRAVERSED_MODULES = ("_asyncio",) if sys.version_info[:2] == (3, 12) else ()


def _module_referents(o):
    """gc.get_referents of a module, except for the modules above (their __dict__ only)."""
    if _UNTRAVERSED_MODULES:
        md = _mod_dict(o)
        nm = _dict_get(md, "__name__") if type(md) is dict else None
        if type(nm) is str and nm in _UNTRAVERSED_MODULES:
            return [md]
    return _get_referents(o)


def _add_fields(base, fields, gr, ids, labs):
    """Appends the objects of the non-NULL fields (offset, label) of the struct at `base`."""
    M = _M
    for off, lb in fields:
        if M[(base + off) >> 3]:
            try:
                v = _pyo_from(base + off).value
            except ValueError:
                continue
            gr.append(v)
            ids.append(id(v))
            labs.append(lb)


def _local_slots(fr, ci, lay):
    """Object addresses (0 for an empty slot) of the co_nlocalsplus locals of interpreter frame `fr`
    running code `ci` (addresses); 3.14+ tagged references are untagged."""
    nlp = int.from_bytes(_B[ci + lay["co_nlocalsplus"]:ci + lay["co_nlocalsplus"] + 4], "little")
    base = (fr + lay["if_localsplus"]) >> 3
    ptrs = _M[base:base + nlp].tolist()
    tag = lay["ref_tag_bits"]
    if tag:
        ptrs = [0 if p & 2 else p & ~tag for p in ptrs]
    return ptrs


def _local_labels(fr, ci, ei, el, lab):
    """Appends the local variables of interpreter frame `fr` running code `ci` (addresses) to
    ei/el: (object address, "local 'name'" or "cell 'name'")."""
    lay = _LAY
    ptrs = _local_slots(fr, ci, lay)
    names = _pyo_from(ci + lay["co_localsplusnames"]).value
    kinds = _pyo_from(ci + lay["co_localspluskinds"]).value
    cell = lay["kind_cell_mask"]
    for i, p in enumerate(ptrs):
        if p:
            ei.append(p)
            el.append(lab(("cell '" if kinds[i] & cell else "local '") + names[i] + "'"))


def _gen_labels(o, oid, ids, lab):
    """Labels for the referents of a generator, coroutine or async generator: the locals of its
    frame (inline in the object) while the frame is alive, as for a frame object."""
    lay = _LAY
    state = _B[oid + lay["gen_state"]]
    if state >= 0x80:
        state -= 0x100
    if not lay["gen_state_live_min"] <= state <= lay["gen_state_live_max"]:  # cleared: the slots are stale
        return None
    fr = oid + lay["gen_iframe"]
    ci = _unref(_M[(fr + lay["if_code"]) >> 3], lay["ref_tag_bits"])
    if "gen_code" in lay and _M[(oid + lay["gen_code"]) >> 3] != ci:
        return None
    t = type(o)
    for tt, getter in zip(_GEN_TYPES, _GEN_CODE):
        if t is tt and id(getter(o)) != ci:  # the code object the frame runs, read by C
            return None
    ei, el = [], []
    _local_labels(fr, ci, ei, el, lab)
    return _match_labels(ids, ei, el)


def _ml_is_nd(ctx, o):
    ti = ctx.tinfo.get(id(type(o)))
    return (ti if ti is not None else ctx.classify(type(o)))[0] == K_ND


def _ml_node_type(ctx, fn):
    """Mark the type of an autograd node (a grad_fn, a C type) so the walk reads its next_functions and
    saved tensors."""
    t = type(fn)
    if _c_type(t) is not None:
        ctx.tinfo[id(t)] = (K_GFN, None, None)  # noqa: the walk reads kind, inst-info, lenfunc


def _thread_names():
    names = {}
    th = sys.modules.get("threading")
    if th is None or type(th) is not types.ModuleType:
        return names
    try:
        active = _dict_get(_mod_dict(th), "_active")
        if type(active) is not dict:
            return names
        for ident, t in list(_dict_items(active)):
            n = _read_attr(t, "_name")
            if type(n) is str and type(ident) is int:
                names[ident] = n
    except Exception:
        pass
    return names


def _frame_roots(ctx, exclude):
    """Frames of every thread (innermost first) except the agent's, with their edges.

    Returns [(frame, name, refs_objects, labels)].  Locals are read from the interpreter frame's
    localsplus: every slot below co_nlocalsplus is NULL or a strong reference owned by the frame.
    A slot is read and its object incref'd in one C call (py_object.from_address(..).value, inside
    one list() of maps that runs no bytecode, hence cannot switch threads); the frame is checked
    just before (f_frame, owner, f_code).  For the calling thread the frames are suspended below us;
    other threads hold no GIL while we run, so their frames cannot change in between."""
    out = []
    tnames = _thread_names()
    me = _get_ident()
    try:
        frames = sys._current_frames()
    except Exception:
        return out
    try:
        return _frame_roots_of(ctx, exclude, frames, tnames, me, out)
    finally:
        # `frames` holds this very frame (the calling thread's current one): left alone, the cycle
        # frame -> locals -> frames -> frame would keep every root list alive as cyclic garbage
        # after each dump, until the program's next collection.
        frames.clear()


def _frame_roots_of(ctx, exclude, frames, tnames, me, out):
    lab = ctx.lab
    L_back, L_code, L_glob, L_loc, L_trace = (lab(".f_back"), lab(".f_code"), lab(".f_globals"),
                                              lab(".f_locals"), lab(".f_trace"))
    use_frame = _L.get("frame")
    M, B, pyo_from, getv, lay = _M, _B, _pyo_from, _getv, _LAY
    if use_frame:
        f_back, f_frame, f_trace = lay["f_back"], lay["f_frame"], lay["f_trace"]
        if_code, if_owner, if_locals, if_lp = lay["if_code"], lay["if_owner"], lay["if_locals"], lay["if_localsplus"]
        tag = lay["ref_tag_bits"]
        live_owners = (lay["owner_thread"], lay["owner_generator"])
        names_off, kinds_off, cell = lay["co_localsplusnames"], lay["co_localspluskinds"], lay["kind_cell_mask"]
        nlp_off = lay["co_nlocalsplus"]
    order = sorted(frames, key=lambda i: (i != me, i))
    for ident in order:
        f = frames[ident]
        tname = tnames.get(ident)
        prefix = "<thread %s> frame " % (tname if tname is not None else ident)
        while f is not None:
            fid = id(f)
            try:
                g = _f_globals(f)
            except Exception:
                g = None
            if g is _G or fid in exclude:
                exclude.add(fid)
                f = _f_back(f)
                continue
            code = _f_code(f)
            qn = _code_qualname(code)
            gr = _get_referents(f)
            objs = list(gr)
            labs = [0] * len(gr)
            if use_frame:
                ff = M[(fid + f_back) >> 3]
                for j, r in enumerate(gr):
                    if id(r) == ff:
                        labs[j] = L_back
                    elif labs[j] == 0 and id(r) == M[(fid + f_trace) >> 3]:
                        labs[j] = L_trace
            back = _f_back(f)
            if back is not None and id(back) not in set(map(id, gr)):
                objs.append(back)
                labs.append(L_back)
            objs.append(code)
            labs.append(L_code)
            objs.append(g)
            labs.append(L_glob)
            if use_frame:
                try:
                    fr = M[(fid + f_frame) >> 3]
                    ci = id(code)
                    if fr and _unref(M[(fr + if_code) >> 3], tag) == ci and B[fr + if_owner] in live_owners:
                        loc = M[(fr + if_locals) >> 3]
                        base = fr + if_lp
                        nlp = int.from_bytes(B[ci + nlp_off:ci + nlp_off + 4], "little")
                        raw = M[base >> 3:(base >> 3) + nlp].tolist()
                        addrs = range(base, base + 8 * len(raw), 8)
                        if tag:
                            # a strong reference (tag 0) is read in place, in the same C call that
                            # increfs it; an immortal one (tag 1) from a copy of its untagged address
                            # (immortal: it cannot go away meanwhile); ints and invalid tags are skipped
                            ptrs = [0 if p & 2 else p & ~tag for p in raw]
                            imm = [p & ~tag for p in raw if p & 3 == 1 and p > 1][:len(_NULLS)]
                            _NULLS[:len(imm)] = imm
                            nb = _NULLS_ADDR
                            k = 0
                            addrs = list(addrs)
                            for i, p in enumerate(raw):
                                if p & 3 == 1 and p > 1:
                                    if k >= len(imm):
                                        ptrs[i] = 0
                                    else:
                                        addrs[i] = nb + 8 * k
                                        k += 1
                        else:
                            ptrs = raw
                        vals = list(map(getv, map(pyo_from, compress(addrs, ptrs))))
                        if tag:
                            _NULLS[:len(imm)] = [0] * len(imm)
                        if list(map(id, vals)) == [p for p in ptrs if p]:
                            if loc and loc != id(g):
                                objs.append(pyo_from(fr + if_locals).value)
                                labs.append(L_loc)
                            names = pyo_from(ci + names_off).value
                            kinds = pyo_from(ci + kinds_off).value
                            j = 0
                            for i, p in enumerate(ptrs):
                                if p:
                                    nm = names[i]
                                    kd = "cell '" if kinds[i] & cell else "local '"
                                    objs.append(vals[j])
                                    labs.append(lab(kd + nm + "'"))
                                    j += 1
                except Exception:
                    pass
            out.append((f, prefix + qn + "()", objs, labs))
            f = back
    return out


# The interpreter's dict of interned strings (PyInterpreterState.cached_objects.interned_strings):
# on 3.14+ the collector tracks it, so gc.get_objects() returns it although no Python object refers
# to it.  It is found once per process as the dict that maps a string the agent interned to itself
# (gc.get_referrers, C traverse functions only), and remembered by id: it lives as long as the
# interpreter.  The agent keeps its probe string alive (a mortal interned string leaves the dict
# when it dies), never the dict (which would then hang under this module in every snapshot).
_INTERNED_PROBE = sys.intern("heapdiff-agent interned-strings probe " + VERSION)
_INTERNED_ID = []


def _interned_strings():
    """id of the interpreter's interned-strings dict when the collector tracks it (3.14+), else None."""
    if _INTERNED_ID:
        return _INTERNED_ID[0]
    found = None
    try:
        if sys.version_info >= (3, 14):
            probe = _INTERNED_PROBE
            pid = id(probe)
            for d in gc.get_referrers(probe):
                # by identity only: no lookup (a colliding key of the program's could run its __eq__)
                if type(d) is dict and d is not _G and pid in set(map(id, d)) and pid in set(map(id, d.values())):
                    found = id(d)
                    break
            d = None
    except Exception:
        found = None
    _INTERNED_ID.append(found)
    return found


def _header(redact, t0, gc_enabled, internals=None):
    import platform

    hdr = {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "pid": os.getpid(),
        "argv": [a[:200] if type(a) is str else "?" for a in list(sys.argv or ())],
        "time": t0,
        "time_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0)),
    }
    rss = None
    try:
        with open("/proc/self/statm", "rb") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except Exception:
        pass
    peak = None
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak if sys.platform == "darwin" else peak * 1024
    except Exception:
        pass
    hdr["rss"] = rss
    hdr["peak_rss"] = peak
    try:  # one entry per generation, as many as this version has (3.14.0-3.14.4: two); 3.15 adds floats
        st = [{k: v for k, v in s.items() if type(v) is int or type(v) is float} for s in gc.get_stats()]
    except Exception:
        st = []
    try:
        frozen = gc.get_freeze_count()
    except Exception:
        frozen = 0
    hdr["gc"] = {"enabled": gc_enabled, "count": list(gc.get_count()), "threshold": list(gc.get_threshold()),
                 "stats": st, "garbage": len(gc.garbage), "frozen": frozen, "generations": len(st)}
    hdr["agent"] = AGENT
    hdr["item_order"] = "index"
    hdr["walker"] = "python"
    hdr["pointer_size"] = 8 if sys.maxsize > 2 ** 32 else 4
    hdr["redact"] = bool(redact)
    libs = {}
    for name in ("numpy", "pandas", "scipy", "torch"):
        m = sys.modules.get(name)
        if type(m) is types.ModuleType:
            v = _dict_get(_mod_dict(m), "__version__")
            if type(v) is str:
                libs[name] = v
    hdr["libraries"] = libs
    hdr["layout"] = {
        "object": _getsizeof(object()), "gc_header": _getsizeof([]) - list.__basicsize__, "ptr": hdr["pointer_size"],
        "list_empty": _getsizeof([]), "tuple_empty": _getsizeof(()), "dict_empty": _getsizeof({}),
        "float": _getsizeof(1.5), "int_small": _getsizeof(1),
    }
    hdr["ctypes_layout"] = sorted(_L)
    if _LFAIL:  # parts of this version's table whose self-check failed: those edges are unlabelled
        hdr["ctypes_layout_failed"] = sorted(_LFAIL)
    if _LAY_FAMILY != "3.11":  # 3.11 headers stay as they were; elsewhere say which table (null: none)
        hdr["ctypes_layout_family"] = _LAY_FAMILY
    if internals:
        hdr["internals"] = internals
    import json

    return json.dumps(hdr, separators=(",", ":"))


class _Out:
    """Writes chunks to the temporary file (gzip when asked), counting uncompressed bytes."""

    def __init__(self, tmp, compress, name):
        self.raw = open(tmp, "wb")
        self.f = self.raw
        if compress:
            import gzip

            self.f = gzip.GzipFile(filename=name, mode="wb", fileobj=self.raw, compresslevel=1, mtime=0)
        self.n = 0

    def write(self, s):
        b = s.encode("ascii")
        self.n += len(b)
        self.f.write(b)

    def close(self):
        if self.f is not self.raw:
            self.f.close()
        self.raw.flush()
        try:
            os.fsync(self.raw.fileno())
        except OSError:
            pass
        self.raw.close()

    def abort(self):
        try:
            if self.f is not self.raw:
                self.f.close()
        except BaseException:
            pass
        try:
            self.raw.close()
        except BaseException:
            pass


_BATCH = 1 << 16


class _NotReady(Exception):
    pass


def _walk(objs, out, ctx, roots, exclude, t0):
    """The walk: objs (gc.get_objects()) doubles as the explicit stack.  Writes the objects array."""
    seen = set(exclude)
    seen_add = seen.add
    push = objs.append
    extend = objs.extend
    pop = objs.pop
    tinfo = ctx.tinfo
    classify = ctx.classify
    lab = ctx.lab
    key_labels_get = ctx.key_labels.get
    key_label = ctx.key_label
    str_key_label = ctx.str_key_label
    inst_labels = ctx.inst_labels
    redact = ctx.redact
    getsizeof = _getsizeof
    get_referents = _get_referents
    dict_items = _dict_items
    chain_fi = chain.from_iterable
    enc = _enc
    STR_TID = id(str)
    seq_rev = _SEQ_REVERSED
    LIMIT = _SIZE_LIMIT
    M = _M
    L_key = lab("<key>")
    L_cell = lab(".cell_contents")
    L_mfunc = lab(".__func__")
    L_mself = lab(".__self__")
    L_tdict = lab(".__dict__")
    L_mro = lab(".__mro__")
    L_bases = lab(".__bases__")
    L_base = lab(".__base__")
    L_tname = lab(".__name__")
    L_tqual = lab(".__qualname__")
    L_subcl = lab(".__subclasses__")
    L_mdict = L_tdict
    L_fback, L_fcode, L_fglob, L_ftrace = lab(".f_back"), lab(".f_code"), lab(".f_globals"), lab(".f_trace")
    use_type = _L.get("type")
    use_func = _L.get("func")
    use_code = _L.get("code")
    use_frame = _L.get("frame")
    use_gen = _L.get("gen")
    lay = _LAY
    code_fields = [(off, lab(name)) for off, name in _lay_fields(_CODE_FIELDS)] if use_code else []
    cached_fields = [(off, lab(name)) for off, name in _lay_fields(_CODE_CACHED)] if use_code else []
    co_cached = lay.get("co_cached", 0) if use_code else 0
    func_fields = [(off, lab(name)) for off, name in _lay_fields(_FUNC_FIELDS)] if use_func else []
    tp_dict, tp_subclasses, tp_static = (lay["tp_dict"], lay["tp_subclasses"], lay["tpflags_static_builtin"]) \
        if use_type else (0, 0, 0)
    f_back, f_trace, f_frame, if_code, if_globals, ref_tag = (
        lay["f_back"], lay["f_trace"], lay["f_frame"], lay["if_code"], lay["if_globals"], lay["ref_tag_bits"]) \
        if use_frame else (0, 0, 0, 0, 0, 0)
    pyo_from = _pyo_from
    root_frames = {id(f): (objs_, labs_) for f, _n, objs_, labs_ in roots}

    buf = []
    app = buf.append
    nobj = 0
    nedge = 0
    first = True
    left = _BATCH

    # roots last on the stack: walked first
    for f, _n, _o, _l in reversed(roots):
        push(f)
    push(sys.modules)

    while objs:
        o = pop()
        oid = id(o)
        if oid in seen:
            continue
        seen_add(oid)
        t = type(o)
        tid = id(t)
        if tid not in seen:
            push(t)
        info = tinfo.get(tid)
        if info is None:
            info = classify(t)
        kind = info[0]
        if kind == K_PD:
            # pandas' __sizeof__ runs memory_usage(deep=True), O(cells): _ml_record writes the
            # object's own size without it
            sz, err = 0, False
        else:
            try:
                sz = getsizeof(o)
                err = sz > LIMIT
            except Exception:
                err = True
            if err:
                sz = 0
        if kind == K_LEAF:
            if err:
                app(f'[{oid},{tid},0,[],[],{{"e":"sizeof"}}]')
            elif info[2] is None:
                app(f"[{oid},{tid},{sz},[]]")
            else:
                app(f'[{oid},{tid},{sz},[],[],{{"l":{info[2](o)}}}]')
        elif kind == K_STR:
            if redact:
                app(f'[{oid},{tid},{sz},[],[],{{"l":{len(o)}}}]')
            else:
                app(f'[{oid},{tid},{sz},[],[],{{"h":{hash(o)},"l":{len(o)}}}]')
        elif kind == K_GEN and info[1] is None:
            gr = get_referents(o)
            if tid in seq_rev:  # an exact list or tuple: items in index order (docs/FORMAT.md)
                gr.reverse()
            if gr:
                extend(gr)
                nedge += len(gr)
                refs = ",".join(map(str, map(id, gr)))
            else:
                refs = ""
            if err or info[2] is not None:
                x = ['"e":"sizeof"'] if err else []
                if info[2] is not None:
                    x.append(f'"l":{info[2](o)}')
                app(f'[{oid},{tid},{sz},[{refs}],[],{{{",".join(x)}}}]')
            else:
                app(f"[{oid},{tid},{sz},[{refs}]]")
        elif kind == K_DICT:
            flat = None
            try:
                flat = list(chain_fi(dict_items(o)))
            except RuntimeError:  # changed size during iteration (another thread): plain referents
                flat = None
            x = ['"e":"sizeof"'] if err else []
            ii = info[1]
            pre_ids = []
            pre_labs = []
            if flat is None or t is not dict:
                gr = get_referents(o)
                if flat is not None:
                    # a dict subclass: keep the referents that are not its items (instance attributes,
                    # the type, defaultdict's default_factory, ...); the items follow as pairs
                    cnt = {}
                    for v in flat:
                        cnt[id(v)] = cnt.get(id(v), 0) + 1
                    keep = []
                    for v in gr:
                        c = cnt.get(id(v))
                        if c:
                            cnt[id(v)] = c - 1
                        else:
                            keep.append(v)
                    gr = keep
                gids = list(map(id, gr))
                if ii is not None:
                    try:
                        gl, a, xi, _p = inst_labels(o, oid, gids, ii, tid, gr)
                    except Exception:
                        gl, a, xi = [0] * len(gids), "", 0
                    if a:
                        x.append(f'"a":"{a}"')
                    if xi:
                        x.append(f'"i":{xi}')
                else:
                    gl = [0] * len(gids)
                extend(gr)
                pre_ids = gids
                pre_labs = gl
            if flat:
                ks = flat[0::2]
                n = len(ks)
                if list(map(id, map(type, ks))).count(STR_TID) == n:
                    vl = list(map(key_labels_get, ks))
                    if None in vl:
                        for j in range(n):
                            if vl[j] is None:
                                vl[j] = key_labels_get(ks[j]) or str_key_label(ks[j])
                else:
                    vl = list(map(key_label, ks))
                labs = [L_key] * (2 * n)
                labs[1::2] = vl
                extend(flat)
                ids = pre_ids + list(map(id, flat))
                labs = pre_labs + labs
            else:
                ids = pre_ids
                labs = pre_labs
            nedge += len(ids)
            xs = "," + "{" + ",".join(x) + "}" if x else ""
            if any(labs):
                app(f'[{oid},{tid},{sz},[{",".join(map(str, ids))}],[{",".join(map(str, labs))}]{xs}]')
            else:
                app(f'[{oid},{tid},{sz},[{",".join(map(str, ids))}],[]{xs}]')
        else:
            # less frequent kinds: refs (objects) and labels, plus extra fields
            x = ['"e":"sizeof"'] if err else []
            try:
                gr = get_referents(o) if kind != K_MODULE else _module_referents(o)
                ids = list(map(id, gr))
                labs = None
                if kind == K_GEN or (K_ND <= kind <= K_PD and info[1] is not None):  # instance with attributes of its own
                    labs, a, xi, _p = inst_labels(o, oid, ids, info[1], tid, gr)
                    if a:
                        x.append(f'"a":"{a}"')
                    if xi:
                        x.append(f'"i":{xi}')
                    if info[2] is not None:
                        x.append(f'"l":{info[2](o)}')
                elif kind == K_TYPE:
                    x.append('"n":' + enc(_type_name(o)))
                    if _t_dict(o) is None:
                        # a static type never readied (tp_dict NULL): its __bases__ getter would crash
                        raise _NotReady
                    try:
                        for b in _t_mro(o):
                            if "__del__" in _t_dict(b):
                                x.append('"d":true')
                                break
                    except Exception:
                        pass
                    ei = [id(_t_mro(o)), id(_t_bases(o))]
                    el = [L_mro, L_bases]
                    b = _t_base(o)
                    if b is not None:
                        ei.append(id(b))
                        el.append(L_base)
                    if use_type:
                        ei.append(M[(oid + tp_dict) >> 3])
                        el.append(L_tdict)
                    labs = _match_labels(ids, ei, el)
                    if _t_flags(o) & _TPFLAGS_HEAPTYPE:
                        for getter, lb in ((_t_name, L_tname), (_t_qualname, L_tqual)):
                            v = getter(o)
                            if type(v) is str:
                                gr.append(v)
                                ids.append(id(v))
                                labs.append(lb)
                    # a static builtin type's tp_subclasses is an index (3.12+), not an object
                    if use_type and M[(oid + tp_subclasses) >> 3] and not _t_flags(o) & tp_static:
                        try:
                            v = pyo_from(oid + tp_subclasses).value
                            gr.append(v)
                            ids.append(id(v))
                            labs.append(L_subcl)
                        except ValueError:
                            pass
                elif kind == K_MODULE:
                    md = _mod_dict(o)
                    if type(md) is dict:
                        nm = _dict_get(md, "__name__")
                        if type(nm) is str:
                            x.append('"n":' + enc(nm))
                    labs = _match_labels(ids, [id(md)], [L_mdict])
                elif kind == K_FUNC:
                    q = _fn_qualname(o)
                    if type(q) is str:
                        x.append('"n":' + enc(q))
                    if use_func:
                        labs = _field_labels(oid, func_fields, ids)
                elif kind == K_CODE:
                    q = _code_qualname(o)
                    if type(q) is str:
                        x.append('"n":' + enc(q))
                    if use_code and not gr:
                        labs = []
                        _add_fields(oid, code_fields, gr, ids, labs)
                        cc = M[(oid + co_cached) >> 3] if co_cached else 0
                        if cc:  # 3.12+: the cached co_code, co_varnames, ... the code object owns
                            _add_fields(cc, cached_fields, gr, ids, labs)
                elif kind == K_FRAME:
                    try:
                        q = _code_qualname(_f_code(o))
                        if type(q) is str:
                            x.append('"n":' + enc(q + "()"))
                    except Exception:
                        pass
                    rf = root_frames.get(oid)
                    if rf is not None:
                        gr = rf[0]
                        ids = list(map(id, gr))
                        labs = rf[1]
                    elif use_frame:
                        ei = [M[(oid + f_back) >> 3], M[(oid + f_trace) >> 3]]
                        el = [L_fback, L_ftrace]
                        fr = M[(oid + f_frame) >> 3]
                        code = _f_code(o)
                        ci = id(code)
                        if fr and _unref(M[(fr + if_code) >> 3], ref_tag) == ci:
                            ei += [ci, M[(fr + if_globals) >> 3]]
                            el += [L_fcode, L_fglob]
                            _local_labels(fr, ci, ei, el, lab)
                        labs = _match_labels(ids, ei, el)
                elif kind == K_GENERATOR:
                    if use_gen:
                        labs = _gen_labels(o, oid, ids, lab)
                elif kind == K_CMEMBERS:
                    labs = _field_labels(oid, info[1], ids)
                elif kind == K_CGETSETS:
                    vals = [(g(o), lb) for g, lb in info[1]]  # kept until matched: ids stay theirs
                    labs = _match_labels(ids, [id(v) for v, _ in vals if v is not None],
                                         [lb for v, lb in vals if v is not None])
                    del vals
                elif kind == K_CELL:
                    labs = [L_cell] * len(ids)
                elif kind == K_METHOD:
                    labs = _match_labels(ids, [id(_meth_func(o)), id(_meth_self(o))], [L_mfunc, L_mself])
                    fn = _meth_func(o)
                    if type(fn) is types.FunctionType:
                        q = _fn_qualname(fn)
                        if type(q) is str:
                            x.append('"n":' + enc(q))
                if K_ND <= kind <= K_PD:
                    if labs is None:
                        labs = [0] * len(ids)
                    sz = _ml_record(ctx, kind, o, sz, gr, ids, labs, x)
                if kind in (K_STR, K_BYTES):  # exact bytes/bytearray (and str only via the fast path)
                    x.append(f'"l":{len(o)}')
            except _NotReady:
                labs = None
            except Exception:
                gr = get_referents(o) if kind != K_MODULE else _module_referents(o)
                ids = list(map(id, gr))
                labs = None
            if gr:
                extend(gr)
            nedge += len(ids)
            refs = ",".join(map(str, ids))
            xs = "," + "{" + ",".join(x) + "}" if x else ""
            if labs and any(labs):
                app(f'[{oid},{tid},{sz},[{refs}],[{",".join(map(str, labs))}]{xs}]')
            elif xs:
                app(f"[{oid},{tid},{sz},[{refs}],[]{xs}]")
            else:
                app(f"[{oid},{tid},{sz},[{refs}]]")
        left -= 1
        if not left:
            nobj += len(buf)
            out.write(("" if first else ",\n") + ",\n".join(buf))
            first = False
            buf.clear()
            left = _BATCH
    if buf:
        nobj += len(buf)
        out.write(("" if first else ",\n") + ",\n".join(buf))
        buf.clear()
    return nobj, nedge


def _dump(path, redact, compress, exclude_ids, t0, wall, gc_enabled):
    # 1. everything the collector tracks, first: objects the agent makes after this are not in it
    objs = gc.get_objects()
    ctx = _Ctx(redact)
    exclude = set(exclude_ids)
    exclude.add(id(objs))
    exclude.add(id(ctx))
    # Reading the stacks of other threads: no thread switch wanted in between (see _frame_roots).
    # Only here: raising the switch interval for the whole walk made dumps 4-6x slower when other
    # threads are busy (each write() hands them the GIL for a whole interval), so the walk keeps it.
    old_si = sys.getswitchinterval()
    try:
        sys.setswitchinterval(max(old_si, 1.0))
        roots = _frame_roots(ctx, exclude)
    finally:
        sys.setswitchinterval(old_si)
    internals = {}
    isd = _interned_strings()
    if isd is not None:
        internals["interned_strings"] = isd
    header = _header(redact, wall, gc_enabled, internals)
    d = os.path.dirname(path) or "."
    base = os.path.basename(path)
    tmp = os.path.join(d, "." + base + ".tmp-" + str(os.getpid()))
    out = None
    try:
        out = _Out(tmp, compress, base)
        w = out.write
        w('{"format":"heapdiff","version":1,\n')
        w('"header":' + header + ",\n")
        rl = [[id(sys.modules), "modules", "sys.modules"]] + [[id(f), "frame", n] for f, n, _o, _l in roots]
        if isd is not None:  # the interpreter's own table, held from C: named so reports can leave it out
            rl.append([isd, "unreferenced", "<interned strings>"])
        import json

        w('"roots":' + json.dumps(rl, separators=(",", ":")) + ",\n")
        w('"objects":[\n')
        nobj, nedge = _walk(objs, out, ctx, roots, exclude, t0)
        del objs, roots
        w('\n],\n"labels":[\n')
        w(",\n".join(map(_enc, ctx.labels)))
        w("\n],\n")
        nbytes = out.n
        secs = time.perf_counter() - t0
        w('"trailer":' + json.dumps({"objects": nobj, "edges": nedge, "seconds": round(secs, 6), "bytes": nbytes},
                                    separators=(",", ":")) + "}\n")
        out.close()
        out = None
        os.replace(tmp, path)
        tmp = None
        return nobj, nedge
    finally:
        if out is not None:
            out.abort()
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def dump(path, redact=False, compress=None, exclude_ids=()):
    """Write a snapshot of this process's heap to `path`; return DumpStats.

    redact: replace dict str keys with hashes (['#1a2b3c4d']) and leave out str hashes.
    compress: gzip; default True when the path ends in '.gz'.
    exclude_ids: ids of objects whose records to leave out (the caller's own temporaries).
    Never raises an Exception: on failure nothing is left at `path` (an older file there is kept)
    and the stats' `error` says why.  KeyboardInterrupt/SystemExit are re-raised after cleanup."""
    t0 = time.perf_counter()
    wall = time.time()
    try:
        path = os.fspath(path)
    except Exception as e:
        return DumpStats(None, 0, 0, 0, 0.0, "bad path: %s" % type(e).__name__)
    if type(path) is not str:  # bytes paths: the temp-file naming below works on str only
        return DumpStats(None, 0, 0, 0, 0.0, "bad path: use a str path, not %s" % type(path).__name__)
    if compress is None:
        compress = path.endswith(".gz")
    if _FREE_THREADED:
        return DumpStats(None, 0, 0, 0, 0.0, "free-threaded CPython is not supported yet")
    if _lock is not None and not _lock.acquire(False):
        return DumpStats(None, 0, 0, 0, 0.0, "another dump is in progress")
    gc_was = gc.isenabled()
    try:
        gc.disable()
        try:
            nobj, nedge = _dump(path, redact, compress, exclude_ids, t0, wall, gc_was)
        except Exception as e:
            try:
                msg = ("%s: %s" % (type(e).__name__, e)).splitlines()[0][:300]
            except Exception:
                msg = "error"
            return DumpStats(None, 0, 0, 0, time.perf_counter() - t0, msg or "error")
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        return DumpStats(path, nobj, nedge, size, time.perf_counter() - t0, None)
    finally:
        if gc_was:
            gc.enable()
        if _lock is not None:
            _lock.release()


_USAGE = "usage: python -m heapdiff.agent [--redact] OUT.json[.gz] SCRIPT [ARGS...]"


def main(argv=None):
    """Run SCRIPT as __main__ with ARGS in sys.argv; dump to OUT when it ends (return, exception, exit)."""
    args = list(sys.argv[1:] if argv is None else argv)
    redact = False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--redact":
            redact = True
        elif a == "--":
            break
        else:
            sys.stderr.write(_USAGE + "\n")
            return 2
    if len(args) < 2:
        sys.stderr.write(_USAGE + "\n")
        return 2
    out, script = args[0], args[1]
    import builtins
    import io
    import threading  # noqa: F401  (so that root frames get thread names: MainThread, ...)

    try:
        with io.open_code(script) as f:
            src = f.read()
        code = compile(src, script, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError) as e:
        sys.stderr.write("heapdiff.agent: cannot run %s: %s\n" % (script, e))
        return 2
    mod = types.ModuleType("__main__")
    md = mod.__dict__
    md.update(__file__=script, __builtins__=builtins, __cached__=None, __package__=None, __loader__=None,
              __spec__=None)
    sys.modules["__main__"] = mod  # the script is __main__ (its classes pickle, `if __name__` works)
    sys.argv[:] = [script] + args[2:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    del src, args

    def _report(st):
        if st.error:
            sys.stderr.write("heapdiff.agent: dump failed: %s\n" % st.error)
        return st

    try:
        exec(code, md)
    except SystemExit:
        _report(dump(out, redact=redact))
        raise
    except BaseException:
        _report(dump(out, redact=redact))
        raise
    st = _report(dump(out, redact=redact))
    return 1 if st.error else 0


# ---------------------------------------------------------------------------------------------
# Snapshots of a running process: on a signal (install) or on a timer (start_periodic).
#
# Where the dump runs.  A Python signal handler already runs on the main thread between two
# bytecodes, but running the dump *in* it means running a long walk (imports, file I/O, gzip, a
# lock) at an arbitrary point of the program: the program may be inside `logging`, an import, or a
# `with lock:` the dump would need; a second signal re-enters the handler; and a KeyboardInterrupt
# raised during the dump would surface at that arbitrary point.  So the handler only records the
# request: it writes one byte to a non-blocking pipe (async-signal-safe, takes no Python lock,
# re-entrant; no `threading.Event`, whose `set()` takes a lock a nested handler could deadlock on),
# and returns.  A daemon thread (`heapdiff-live`) blocks on the pipe's other end and runs `dump()`.
#
# Trade-offs of that choice:
# * The handler's frame is gone by the time the dump reads the stacks; the dumping thread's own
#   frames (threading's bootstrap, the agent's loop) are excluded by id, the agent's frames are
#   excluded anyway (their globals are the agent's).  The roots are the program's own frames.
# * The program keeps running during the dump (it shares the GIL with the walk): no pause, but the
#   snapshot is not one instant: an object changed during the walk is written as the walk found it.
#   Take snapshots when the load you care about is quiet, or accept that blur (the diff works on
#   totals; a few objects in flight do not change its answer).
# * The signal is only seen when the main thread runs bytecode (as for every Python handler): a
#   main thread blocked in a long C call delays the request; blocking syscalls are interrupted
#   (PEP 475), so `select`, `sleep`, `lock.acquire` and socket waits are fine.
# * Requests that arrive before the thread picks one up are merged (one file); requests that arrive
#   during a dump give one more file after it.
# * A fork copies the handler but not the thread: in a child the handler does nothing (call
#   install() again in the child, e.g. gunicorn's post_worker_init; docs/LIVE.md).
#
# Files.  Snapshot number k is written as DIRECTORY/PREFIX-NNNN.json.gz (k zero-padded to at least
# four digits, numbering continues after the highest already in the directory).  dump() writes it as
# `.PREFIX-NNNN.json.gz.tmp-PID` and renames it when the trailer is written: a file with the final
# name is always complete, a temporary file starts with '.' and never matches the pattern
# (snapshot_files() lists finished snapshots only).  After a new file is complete, the oldest
# snapshots beyond `keep` are deleted.  Nothing raises into the program: a failure is reported once
# per installation with `warnings.warn` (or on stderr when warnings itself fails).

import re as _re

__all__ += ["install", "start_periodic", "snapshot_files", "LiveDumper"]


def _snap_re(prefix):
    return _re.compile("^" + _re.escape(prefix) + r"-([0-9]{4,})\.json\.gz$")


def snapshot_files(directory, prefix="heap"):
    """Finished snapshots PREFIX-NNNN.json.gz in `directory`, oldest (lowest number) first.

    Temporary files (`.NAME.tmp-PID`) never match; a listed file is complete."""
    rx = _snap_re(prefix)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for n in names:
        m = rx.match(n)
        if m:
            found.append((int(m.group(1)), n))
    found.sort()
    return [os.path.join(directory, n) for _k, n in found]


def _live_warn(msg):
    try:
        import warnings

        warnings.warn("heapdiff.agent: " + msg, RuntimeWarning, stacklevel=3)
    except Exception:
        try:
            sys.stderr.write("heapdiff.agent: %s\n" % msg)
        except Exception:
            pass


class LiveDumper:
    """Numbered snapshots in one directory (what install() and start_periodic() return).

    .dump_now(): write the next snapshot from the calling thread; returns DumpStats.
    .stop(): stop dumping (restore the previous signal handler, end the thread); idempotent.
    .files(): the finished snapshots, oldest first.  .last: path of the newest one this handle wrote.
    .count: snapshots written by this handle.  .errors: dumps that failed."""

    def __init__(self, directory, prefix, keep, redact):
        self.directory = directory
        self.prefix = prefix
        self.keep = keep
        self.redact = redact
        self.pid = os.getpid()
        self.count = 0
        self.errors = 0
        self.last = None
        self._next = 0
        self._warned = False
        self._thread = None
        self._stopped = False

    def files(self):
        return snapshot_files(self.directory, self.prefix)

    def _warn_once(self, msg):
        if not self._warned:
            self._warned = True
            _live_warn(msg + " (further errors of this snapshotter are not reported)")

    def _own_frames(self):
        """ids of the calling thread's frames, left out of the dump's roots and records."""
        ids = []
        try:
            f = sys._getframe(1)  # not this call's own frame: it is freed on return, its id reused
            while f is not None:
                ids.append(id(f))
                f = f.f_back
        except Exception:
            pass
        return ids

    def dump_now(self):
        try:
            existing = self.files()
            top = 0
            if existing:
                top = int(_snap_re(self.prefix).match(os.path.basename(existing[-1])).group(1))
            self._next = max(self._next, top) + 1
            name = "%s-%04d.json.gz" % (self.prefix, self._next)
            path = os.path.join(self.directory, name)
            st = dump(path, redact=self.redact, exclude_ids=self._own_frames())
            if st.error:
                self.errors += 1
                self._warn_once("snapshot %s failed: %s" % (path, st.error))
                return st
            self.count += 1
            self.last = path
            if self.keep:
                # only now that the new file is complete
                for old in self.files()[:-self.keep]:
                    try:
                        os.unlink(old)
                    except OSError:
                        pass
            return st
        except Exception as e:
            self.errors += 1
            self._warn_once("snapshot failed: %s: %s" % (type(e).__name__, e))
            return DumpStats(None, 0, 0, 0, 0.0, type(e).__name__)

    def _start_thread(self, target):
        import threading

        t = threading.Thread(target=target, name="heapdiff-live", daemon=True)
        t.start()
        self._thread = t

    def _join(self, timeout):
        t = self._thread
        if t is not None and t.ident != _get_ident():
            t.join(timeout)

    def stop(self, timeout=30.0):
        self._stopped = True
        self._join(timeout)

    def __repr__(self):
        return "<heapdiff.agent.LiveDumper %s/%s-NNNN.json.gz: %d written>" % (self.directory, self.prefix, self.count)


class _SignalDumper(LiveDumper):
    def __init__(self, directory, prefix, keep, redact):
        LiveDumper.__init__(self, directory, prefix, keep, redact)
        self.signum = None
        self._prev = None
        self._rfd = self._wfd = -1

    def _handler(self, signum, frame):
        # runs on the main thread: record the request and return (no lock, no allocation to speak of)
        del frame
        if self._stopped or os.getpid() != self.pid:
            return
        try:
            os.write(self._wfd, b"!")
        except OSError:  # pipe full (a request is already pending) or closed
            pass

    def _loop(self):
        rfd = self._rfd
        while not self._stopped:
            try:
                data = os.read(rfd, 4096)  # merges requests that arrived meanwhile
            except InterruptedError:
                continue
            except OSError:
                break
            if not data or self._stopped:
                break
            self.dump_now()

    def request(self):
        """Ask for a snapshot as the signal does (returns at once; the thread writes it)."""
        self._handler(self.signum, None)

    def stop(self, timeout=30.0):
        if self._stopped:
            return
        self._stopped = True
        try:
            import signal as _signal

            if _get_ident() == _main_ident() and self._prev is not None \
                    and _signal.getsignal(self.signum) == self._handler:
                _signal.signal(self.signum, self._prev)
        except Exception:
            pass
        if os.getpid() != self.pid:  # a forked child: the thread and the pipe's reader are the parent's
            for fd in (self._rfd, self._wfd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            return
        try:
            os.write(self._wfd, b"!")  # wake the thread
        except OSError:
            pass
        self._join(timeout)
        t = self._thread
        if t is None or not t.is_alive():
            for fd in (self._rfd, self._wfd):
                try:
                    os.close(fd)
                except OSError:
                    pass


def _main_ident():
    import threading

    return threading.main_thread().ident


def _prepare_dir(directory):
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    return directory


_installed = {}  # signal number -> _SignalDumper of this process


def install(signal=None, directory=".", keep=10, prefix="heap", redact=False):
    """On each `signal` (default SIGUSR2), write DIRECTORY/PREFIX-NNNN.json.gz; keep the last `keep`.

    Call it from the main thread (Python installs signal handlers there only).  The handler only
    records the request; a daemon thread writes the snapshot (see the notes above this function).
    Installing again for the same signal replaces the earlier installation.  Returns a LiveDumper
    (`.stop()` restores the previous handler), or None when it could not be installed: then a
    warning says why; it never raises an Exception.  keep=0 or None keeps every file."""
    try:
        import signal as _signal

        signum = _signal.SIGUSR2 if signal is None else signal
        if _get_ident() != _main_ident():
            _live_warn("install() must be called from the main thread; no signal handler installed")
            return None
        directory = _prepare_dir(directory)
        old = _installed.pop(signum, None)
        if old is not None:
            old.stop()
        d = _SignalDumper(directory, str(prefix), keep, redact)
        d.signum = signum
        r, w = os.pipe()
        d._rfd, d._wfd = r, w
        try:
            os.set_blocking(w, False)
            # handler first: a signal that comes before the thread runs waits in the pipe
            prev = _signal.signal(signum, d._handler)
            d._prev = _signal.SIG_DFL if prev is None else prev  # None: set from C, cannot be put back
            try:
                d._start_thread(d._loop)
            except BaseException:
                _signal.signal(signum, d._prev)
                raise
        except BaseException:
            d._stopped = True
            os.close(r)
            os.close(w)
            raise
        _installed[signum] = d
        return d
    except Exception as e:
        _live_warn("install() failed: %s: %s" % (type(e).__name__, e))
        return None


class _PeriodicDumper(LiveDumper):
    def __init__(self, seconds, directory, prefix, keep, redact):
        LiveDumper.__init__(self, directory, prefix, keep, redact)
        import threading

        self.seconds = seconds
        self._event = threading.Event()

    def _loop(self):
        while not self._event.wait(self.seconds):
            if self._stopped or os.getpid() != self.pid:
                break
            self.dump_now()

    def stop(self, timeout=30.0):
        self._stopped = True
        self._event.set()
        self._join(timeout)


def start_periodic(seconds, directory=".", keep=10, prefix="heap", redact=False):
    """Every `seconds`, write DIRECTORY/PREFIX-NNNN.json.gz from a daemon thread; keep the last `keep`.

    The first snapshot comes after one interval.  Returns a LiveDumper (`.stop()` ends the thread,
    waiting for a dump in progress), or None with a warning when it could not start."""
    try:
        seconds = float(seconds)
        if not seconds > 0:
            raise ValueError("seconds must be > 0")
        d = _PeriodicDumper(seconds, _prepare_dir(directory), str(prefix), keep, redact)
        d._start_thread(d._loop)
        return d
    except Exception as e:
        _live_warn("start_periodic() failed: %s: %s" % (type(e).__name__, e))
        return None


if __name__ == "__main__":
    sys.exit(main())
