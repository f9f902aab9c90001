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
  (each would create a dict).  On CPython 3.11 (64-bit) it reads instance attribute names from the
  type's shared keys and the locals of frames, generators and coroutines from their interpreter
  frames with ``ctypes``, after self-checks
  on objects it builds itself; on other versions those edges are written unlabelled/left out.
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
_TPFLAGS_HAVE_GC = 1 << 14
_SIZE_LIMIT = 1 << 48  # the loader refuses sizes above this

_G = globals()  # frames running with these globals are the agent's own

# ---------------------------------------------------------------------------------------------
# CPython 3.11 x86-64/aarch64 layout, each part enabled only after a self-check on objects built here.
_L = {}  # name -> True when that layout part was verified
_M = _B = _pyo_from = None
_getv = None


def _init_layout():
    global _M, _B, _pyo_from, _getv
    if not (sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)):
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
    except Exception:
        return
    _M, _B, _pyo_from, _getv = M, B, pyo_from, getv

    class _Probe:
        __slots__ = ("s1", "__dict__")

        def __init__(self):
            self.s1 = "slot"
            self.a = "alpha"
            self.b = 12345.5

    p = _Probe()
    # heap type: ht_name at 408 + 55*8, ht_cached_keys 3 words later
    try:
        ht = id(_Probe) + 408 + 55 * 8
        if M[ht >> 3] == id(_t_name(_Probe)) and M[(ht + 16) >> 3] == id(_t_qualname(_Probe)):
            keys = M[(ht + 24) >> 3]
            nent = M[(keys + 24) >> 3]
            ent = keys + 32 + (1 << B[keys + 9])
            names = [pyo_from(ent + 16 * i).value for i in range(nent)]
            vp = M[(id(p) >> 3) - 4]
            vals = M[vp >> 3:(vp >> 3) + nent].tolist()
            if names == ["a", "b"] and B[keys + 10] == 2 and vals == [id(p.a), id(p.b)] \
                    and M[(id(p) >> 3) - 3] == 0 and B[vp - 1] % 8 == 0:
                _L["keys"] = True
    except Exception:
        pass
    try:  # member descriptors: d_member at +40, PyMemberDef.type at +8, .offset at +16
        d = _Probe.__dict__["s1"]
        dm = M[(id(d) + 40) >> 3]
        if M[(id(d) + 24) >> 3] == id(d.__name__) and int.from_bytes(B[dm + 8:dm + 12], "little") == 16 \
                and M[(id(p) + M[(dm + 16) >> 3]) >> 3] == id(p.s1):
            _L["member"] = True
    except Exception:
        pass
    try:  # PyTypeObject: tp_base 256, tp_dict 264, tp_bases 336, tp_mro 344, tp_subclasses 360
        t = _Probe
        if M[(id(t) + 256) >> 3] == id(object) and M[(id(t) + 344) >> 3] == id(_t_mro(t)) \
                and M[(id(t) + 336) >> 3] == id(_t_bases(t)) and M[(id(t) + 264) >> 3] == id(gc.get_referents(t)[0]) \
                and type(pyo_from(id(object) + 360).value) is dict:
            _L["type"] = True
    except Exception:
        pass

    def _fn(x, y=(1, 2)):
        z = [x]

        def inner():
            return z

        return sys._getframe(), inner

    try:  # PyFunctionObject: globals 16, builtins 24, name 32, qualname 40, code 48, defaults 56,
        # kwdefaults 64, closure 72, doc 80, dict 88, weakreflist 96, module 104, annotations 112
        f = _fn
        fi = id(f)
        if M[(fi + 16) >> 3] == id(f.__globals__) and M[(fi + 48) >> 3] == id(f.__code__) \
                and M[(fi + 56) >> 3] == id(f.__defaults__) and M[(fi + 40) >> 3] == id(f.__qualname__) \
                and M[(fi + 104) >> 3] == id(f.__module__):
            _L["func"] = True
    except Exception:
        pass
    try:  # PyCodeObject: consts 24, names 32, exceptiontable 40, nlocalsplus 76 (int), localsplusnames 96,
        # localspluskinds 104, filename 112, name 120, qualname 128, linetable 136, _co_code 152
        c = _fn.__code__
        ci = id(c)
        lpn = c.co_varnames + tuple(n for n in c.co_cellvars if n not in c.co_varnames) + c.co_freevars
        if M[(ci + 24) >> 3] == id(c.co_consts) and M[(ci + 32) >> 3] == id(c.co_names) \
                and M[(ci + 112) >> 3] == id(c.co_filename) and M[(ci + 128) >> 3] == id(c.co_qualname) \
                and M[(ci + 136) >> 3] == id(c.co_linetable) and pyo_from(ci + 96).value == lpn \
                and int.from_bytes(B[ci + 76:ci + 80], "little") == len(lpn) \
                and type(pyo_from(ci + 104).value) is bytes:
            _L["code"] = True
    except Exception:
        pass
    try:  # PyFrameObject.f_back 16, f_frame 24; _PyInterpreterFrame: f_func 0, f_globals 8, f_builtins 16,
        # f_locals 24, f_code 32, frame_obj 40, owner (char) 69, localsplus 72
        fo, inner = _fn(7)
        fr = M[(id(fo) + 24) >> 3]
        if _L.get("code") and M[(fr + 32) >> 3] == id(fo.f_code) and M[(fr + 8) >> 3] == id(fo.f_globals) \
                and B[fr + 69] == 2 and M[(fr + 72) >> 3] == id(7) and M[(fr + 80) >> 3] == id(_fn.__defaults__[0]):
            _L["frame"] = True
        del fo, inner
    except Exception:
        pass
    try:
        # a running frame: owner 0 (thread), locals readable
        def _running(a1):
            b1 = [a1]
            fo = sys._getframe()
            fr = M[(id(fo) + 24) >> 3]
            return (B[fr + 69] == 0 and M[(fr + 40) >> 3] == id(fo) and M[(fr + 72) >> 3] == id(a1)
                    and M[(fr + 80) >> 3] == id(b1) and M[(fr + 88) >> 3] == id(fo))

        if not _running("x" * 3):
            _L.pop("frame", None)
    except Exception:
        _L.pop("frame", None)
    try:  # generator, coroutine, async generator: gi_code 16, gi_frame_state (int8) 75, the
        # interpreter frame inline at 80 (f_code at +32, localsplus at +72)
        def _g(a1):
            b1 = [a1]
            yield b1

        async def _c(a1):
            return a1

        async def _ag(a1):
            yield a1

        ok = _L.get("code")
        for fn in (_g, _c, _ag):
            arg = ["probe"]
            g = fn(arg)  # created, not started: the arguments are in place, state FRAME_CREATED (-2)
            gi = id(g)
            ok = ok and M[(gi + 16) >> 3] == id(fn.__code__) and M[(gi + 112) >> 3] == id(fn.__code__) \
                and B[gi + 75] == 0xFE and M[(gi + 152) >> 3] == id(arg)
            if fn is _g:
                y = next(g)  # suspended (-1), with the local b1
                ok = ok and B[gi + 75] == 0xFF and M[(gi + 160) >> 3] == id(y)
                del y
            elif fn is _c:
                g.close()
            del g
        if ok:
            _L["gen"] = True
    except Exception:
        _L.pop("gen", None)


_init_layout()


def layout_status():
    """Which CPython layout parts this agent verified and uses (for tests and bug reports)."""
    return dict(_L)


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

_CODE_FIELDS = ((24, ".co_consts"), (32, ".co_names"), (40, ".co_exceptiontable"),
                (96, ".co_localsplusnames"), (104, ".co_localspluskinds"), (112, ".co_filename"),
                (120, ".co_name"), (128, ".co_qualname"), (136, ".co_linetable"), (152, "._co_code"))
# function fields in func_traverse order (offset, label)
_FUNC_FIELDS = ((48, ".__code__"), (16, ".__globals__"), (24, ".__builtins__"), (104, ".__module__"),
                (56, ".__defaults__"), (64, ".__kwdefaults__"), (80, ".__doc__"), (32, ".__name__"),
                (88, ".__dict__"), (72, ".__closure__"), (112, ".__annotations__"), (40, ".__qualname__"))


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
        fields = self.async_fields.get(id(t)) if kind == K_GEN and inst is None else None
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
        M, B = _M, _B
        out = []
        for name, d in _t_dict(b).items():
            if type(d) is _MemberDescr and type(name) is str:
                di = id(d)
                dm = M[(di + 40) >> 3]
                if M[(di + 16) >> 3] == id(b) and int.from_bytes(B[dm + 8:dm + 12], "little") in (6, 16):
                    out.append((M[(dm + 16) >> 3], self.lab("." + name)))
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
            ht = id(t) + 408 + 55 * 8
            if M[ht >> 3] == id(_t_name(t)):
                keys = M[(ht + 24) >> 3] or None
        return [slots, "slots" if has_slots else "", managed, doff, keys, -1, [], 0,
                _t_basicsize(t), _t_itemsize(t)]

    def refresh_keys(self, ii):
        """(Re)read the shared keys of a managed-dict type: names of entries and their labels."""
        M, B = _M, _B
        keys = ii[4]
        nent = M[(keys + 24) >> 3]
        ent = keys + 32 + (1 << B[keys + 9])
        labs = ii[6]
        for i in range(len(labs), nent):
            k = _pyo_from(ent + 16 * i).value
            labs.append(self.lab("." + k) if type(k) is str else 0)
        ii[5] = nent

    def inst_labels(self, o, oid, ids, ii, tid):
        """Label the instance part of refs `ids`; returns (labels, extra_a, extra_i, prefix_len)."""
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
        if ii[2]:  # managed dict: PyDictValues* at -4 words, PyObject *dict at -3 words
            w = oid >> 3
            dp = M[w - 3] if M is not None else 0
            vp = M[w - 4] if M is not None else 0
            if dp:
                exp_ids.append(dp)
                exp_labs.append(self.lab(".__dict__"))
                a = a + "+dict" if a else "dict"
            elif vp:
                a = a + "+inline" if a else "inline"
                keys = ii[4]
                if keys is not None:
                    nent = M[(keys + 24) >> 3]
                    if nent != ii[5]:
                        self.refresh_keys(ii)
                    vals = M[vp >> 3:(vp >> 3) + nent].tolist()
                    for v, lab in zip(vals, ii[6]):
                        if v:
                            exp_ids.append(v)
                            exp_labs.append(lab)
                    # the values array: a prefix of `prefix` bytes (its last byte) and `cap` pointers;
                    # cap is not stored: it is at least the keys' nentries+usable now (it only shrinks),
                    # and prefix = round_up(cap + 2, 8) gives cap >= prefix - 9.
                    prefix = _B[vp - 1]
                    cap = max(nent + M[(keys + 16) >> 3], prefix - 9)
                    if cap > prefix - 2:
                        cap = prefix - 2
                    extra_i = prefix + 8 * cap
                else:
                    extra_i = 0
        elif ii[3] and M is not None:  # a __dict__ slot at tp_dictoffset
            doff = ii[3]
            if doff < 0:
                n = M[(oid + 16) >> 3]
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
        if not _t_flags(t) & _TPFLAGS_MANAGED_DICT:
            return None
        M, B = _M, _B
        w = id(o) >> 3
        if M[w - 3]:
            d = _pyo_from((w - 3) << 3).value
            return _dict_get(d, name) if type(d) is dict else None
        vp = M[w - 4]
        ht = id(t) + 408 + 55 * 8
        if not vp or M[ht >> 3] != id(_t_name(t)):
            return None
        keys = M[(ht + 24) >> 3]
        if not keys:
            return None
        nent = M[(keys + 24) >> 3]
        ent = keys + 32 + (1 << B[keys + 9])
        for i in range(nent):
            if M[(ent + 16 * i) >> 3] and _pyo_from(ent + 16 * i).value == name:
                if M[(vp >> 3) + i]:
                    return _pyo_from(vp + 8 * i).value
                return None
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
    """t if it is a type defined in C (not a heap type: no Python code can override its descriptors)."""
    try:
        if issubclass(type(t), type) and not _t_flags(t) & _TPFLAGS_HEAPTYPE:
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


def _local_labels(fr, ci, ei, el, lab):
    """Appends the local variables of interpreter frame `fr` running code `ci` (addresses) to
    ei/el: (object address, "local 'name'" or "cell 'name'")."""
    M = _M
    nlp = int.from_bytes(_B[ci + 76:ci + 80], "little")
    ptrs = M[(fr + 72) >> 3:((fr + 72) >> 3) + nlp].tolist()
    names = _pyo_from(ci + 96).value
    kinds = _pyo_from(ci + 104).value
    for i, p in enumerate(ptrs):
        if p:
            ei.append(p)
            el.append(lab(("cell '" if kinds[i] & 0xC0 else "local '") + names[i] + "'"))


def _gen_labels(o, oid, ids, lab):
    """Labels for the referents of a generator, coroutine or async generator: the locals of its
    frame (inline in the object) while the frame is alive, as for a frame object."""
    state = _B[oid + 75]
    if state >= 0x80:
        state -= 0x100
    if state >= 4:  # FRAME_CLEARED: the slots are stale
        return None
    ci = _M[(oid + 16) >> 3]
    if _M[(oid + 112) >> 3] != ci:
        return None
    ei, el = [], []
    _local_labels(oid + 80, ci, ei, el, lab)
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
    M, B, pyo_from, getv = _M, _B, _pyo_from, _getv
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
                ff = M[(fid + 16) >> 3]
                for j, r in enumerate(gr):
                    if id(r) == ff:
                        labs[j] = L_back
                    elif labs[j] == 0 and id(r) == M[(fid + 32) >> 3]:
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
                    fr = M[(fid + 24) >> 3]
                    ci = id(code)
                    if fr and M[(fr + 32) >> 3] == ci and B[fr + 69] in (0, 1):
                        loc = M[(fr + 24) >> 3]
                        nlp = int.from_bytes(B[ci + 76:ci + 80], "little")
                        base = fr + 72
                        ptrs = M[base >> 3:(base >> 3) + nlp].tolist()
                        vals = list(map(getv, map(pyo_from, compress(range(base, base + 8 * nlp, 8), ptrs))))
                        if list(map(id, vals)) == [p for p in ptrs if p]:
                            if loc and loc != id(g):
                                objs.append(pyo_from(fr + 24).value)
                                labs.append(L_loc)
                            names = pyo_from(ci + 96).value
                            kinds = pyo_from(ci + 104).value
                            j = 0
                            for i, p in enumerate(ptrs):
                                if p:
                                    nm = names[i]
                                    kd = "cell '" if kinds[i] & 0xC0 else "local '"
                                    objs.append(vals[j])
                                    labs.append(lab(kd + nm + "'"))
                                    j += 1
                except Exception:
                    pass
            out.append((f, prefix + qn + "()", objs, labs))
            f = back
    return out


def _header(redact, t0, gc_enabled):
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
    try:
        st = [{k: v for k, v in s.items() if type(v) is int} for s in gc.get_stats()]
    except Exception:
        st = []
    try:
        frozen = gc.get_freeze_count()
    except Exception:
        frozen = 0
    hdr["gc"] = {"enabled": gc_enabled, "count": list(gc.get_count()), "threshold": list(gc.get_threshold()),
                 "stats": st, "garbage": len(gc.garbage), "frozen": frozen}
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
    code_fields = [(off, lab(name)) for off, name in _CODE_FIELDS]
    func_fields = [(off, lab(name)) for off, name in _FUNC_FIELDS]
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
                        gl, a, xi, _p = inst_labels(o, oid, gids, ii, tid)
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
                gr = get_referents(o)
                ids = list(map(id, gr))
                labs = None
                if kind == K_GEN or (K_ND <= kind <= K_PD and info[1] is not None):  # instance with attributes of its own
                    labs, a, xi, _p = inst_labels(o, oid, ids, info[1], tid)
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
                        ei.append(M[(oid + 264) >> 3])
                        el.append(L_tdict)
                    labs = _match_labels(ids, ei, el)
                    if _t_flags(o) & _TPFLAGS_HEAPTYPE:
                        for getter, lb in ((_t_name, L_tname), (_t_qualname, L_tqual)):
                            v = getter(o)
                            if type(v) is str:
                                gr.append(v)
                                ids.append(id(v))
                                labs.append(lb)
                    if use_type and M[(oid + 360) >> 3]:
                        try:
                            v = pyo_from(oid + 360).value
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
                        for off, lb in code_fields:
                            if M[(oid + off) >> 3]:
                                try:
                                    v = pyo_from(oid + off).value
                                except ValueError:
                                    continue
                                gr.append(v)
                                ids.append(id(v))
                                labs.append(lb)
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
                        ei = [M[(oid + 16) >> 3], M[(oid + 32) >> 3]]
                        el = [L_fback, L_ftrace]
                        fr = M[(oid + 24) >> 3]
                        code = _f_code(o)
                        ci = id(code)
                        if fr and M[(fr + 32) >> 3] == ci:
                            ei += [ci, M[(fr + 8) >> 3]]
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
                gr = get_referents(o)
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
    header = _header(redact, wall, gc_enabled)
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
