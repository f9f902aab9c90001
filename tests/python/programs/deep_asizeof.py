"""Twenty kinds of objects, dumped, then sized with pympler's asizeof (issue 11).

usage: deep_asizeof.py SNAPSHOT SIDE.json
The side file maps each kind to the object's id and asizeof's size. asizeof runs after the dump: it
reads obj.__dict__, which creates a dict for an instance whose attributes are inline, and that would
change the heap the snapshot shows.
"""
import collections
import ctypes
import dataclasses
import gc
import json
import sys
import types

import numpy as np
import pandas as pd
from pympler import asizeof

from heapdiff import agent


class Plain:
    def __init__(self):
        self.name = "plain-" + "x" * 20
        self.value = 12345.5


class WithDict:
    def __init__(self):
        self.name = "dict-" + "y" * 20
        self.value = 2.5


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = "slot-" + "z" * 30
        self.b = [1.5, 2.5]


class SlotsAndDict:
    __slots__ = ("a", "__dict__")

    def __init__(self):
        self.a = "sd-" + "q" * 10
        self.extra = (1, 2, 3)


@dataclasses.dataclass
class Point:
    x: float
    y: float
    tag: str


@dataclasses.dataclass(slots=True)
class SlotPoint:
    x: float
    y: float


Pair = collections.namedtuple("Pair", "left right")


def make_closure():
    cache = {"k%d" % i: i * 1.5 for i in range(20)}

    def lookup(k):
        return cache.get(k)

    return lookup


with_dict = WithDict()
with_dict.__dict__  # noqa: B018  (a real dict from now on)
base = np.arange(10_000, dtype=np.float64)
OBJECTS = {
    "instance_inline": Plain(),
    "instance_dict": with_dict,
    "slots": Slotted(),
    "slots_and_dict": SlotsAndDict(),
    "nested_lists": [[i, [str(i) * 3, float(i)]] for i in range(50)],
    "nested_dicts": {"a%d" % i: {"b": [i, i + 1], "c": {"d": "v" * i}} for i in range(30)},
    "dataclass": Point(1.5, 2.5, "p" * 12),
    "dataclass_slots": SlotPoint(1.25, 2.25),
    "namedtuple": Pair("l" * 9, 10 ** 20),
    "tuple_of_str": tuple("s%05d" % i for i in range(40)),
    "set_of_int": set(range(1000, 1300)),
    "frozenset": frozenset(("f%d" % i for i in range(25))),
    "bytes": b"b" * 3000,
    "bytearray": bytearray(4000),
    "str_nonascii": "caf\u00e9 " * 100,
    "big_int": 7 ** 300,
    "numpy_array": base.copy(),
    "numpy_view": base[100:200],
    "dataframe": pd.DataFrame({"a": np.arange(500, dtype=np.int64), "b": np.linspace(0, 1, 500)}),
    "closure": make_closure(),
    "deque": collections.deque(["d%d" % i for i in range(60)]),
    "list_of_instances": [Plain() for _ in range(10)],
}

PROGRAM_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                 types.CodeType, types.FrameType, types.MethodDescriptorType, types.WrapperDescriptorType,
                 types.MethodWrapperType, types.ClassMethodDescriptorType, types.GetSetDescriptorType,
                 types.MemberDescriptorType, classmethod, staticmethod)
MODULE_DICTS = {id(vars(m)) for m in list(sys.modules.values()) if type(m) is types.ModuleType}


def referents(o):
    """What the snapshot has as o's edges, for the kinds used here (docs/FORMAT.md)."""
    if isinstance(o, np.ndarray):  # not traversable: the writers add .base, or an object array's items
        if o.base is not None:
            return [o.base]
        return list(o.flat) if o.dtype == object else []
    refs = list(gc.get_referents(o))
    if isinstance(o, dict):
        refs.extend(o.keys())  # str keys are not traversed
    elif INLINE_VALUES and type(o).__flags__ & INLINE_VALUES and ctypes.c_size_t.from_address(id(o) - 24).value:
        # 3.13+: a dict made by `__dict__` points at the inline values, which gc.get_referents visits
        # instead of the dict; the snapshot has the dict as one more edge (docs/LAYOUT.md, inline313)
        refs.append(o.__dict__)
    return refs


def size(o):
    # pandas' __sizeof__ is memory_usage(deep=True): the snapshot records the object's own size
    if isinstance(o, pd.core.base.PandasObject):
        return object.__sizeof__(o) + 16 + (16 if type(o).__flags__ & (1 << 4) else 0)
    return sys.getsizeof(o)


def twin(o):
    """The objects of o's deep size found the slow, obvious way: the boundary of docs/CLI.md (no
    classes, modules, module namespaces, functions, code, frames, C callables), each object once."""
    seen = {id(o): o}
    stack = [o]
    while stack:
        for r in referents(stack.pop()):
            if id(r) in seen or isinstance(r, type) or type(r) in PROGRAM_TYPES or id(r) in MODULE_DICTS:
                continue
            seen[id(r)] = r
            stack.append(r)
    return list(seen.values())


# Py_TPFLAGS_INLINE_VALUES (3.13+): the values live in the object's own allocation, which
# sys.getsizeof leaves out (gh-128762) and the snapshot adds as extra.i, dict or no dict
INLINE_VALUES = 1 << 2 if sys.version_info >= (3, 13) else 0


def extra_bytes(x):
    """x's snapshot size is more than sys.getsizeof(x): inline values (3.13+), or a values array."""
    if INLINE_VALUES:
        return bool(type(x).__flags__ & INLINE_VALUES)
    return inline(x)


def inline(x):
    """x keeps its attributes inline: its class manages its dict, and the dict pointer before the
    object (id(x) - 24) is NULL, or on 3.12 a tagged pointer to the values (low bit set)."""
    if not type(x).__flags__ & (1 << 4):
        return False
    word = ctypes.c_size_t.from_address(id(x) - 24).value
    return word == 0 or (sys.version_info[:2] == (3, 12) and word & 1 == 1)


side = {}
INLINE = {}
for name, o in OBJECTS.items():
    found = twin(o)
    INLINE[name] = [x for x in found if inline(x)]
    extra = [x for x in found if extra_bytes(x)]
    # the snapshot adds each inline instance's values (extra.i), which sys.getsizeof leaves out
    side[name] = {"id": id(o), "twin": [sum(map(size, found)), len(found)], "inline_ids": [id(x) for x in extra],
                  "own_size_inline": [size(x) for x in extra], "dictless": len(INLINE[name])}
st = agent.dump(sys.argv[1])
assert st.error is None, st.error
for name, o in OBJECTS.items():
    side[name]["asizeof"] = asizeof.asizeof(o, align=1)
    # asizeof read obj.__dict__ of each inline instance: the dict it sized exists now
    side[name]["materialized_dicts"] = sum(sys.getsizeof(x.__dict__) for x in INLINE[name])
    # ... and the attribute names, its keys (each once)
    keys = {id(k): k for x in INLINE[name] for k in x.__dict__}
    side[name]["attribute_names"] = sum(map(sys.getsizeof, keys.values()))
    side[name]["view_nbytes"] = int(o.nbytes) if isinstance(o, np.ndarray) and o.base is not None else 0
with open(sys.argv[2], "w") as f:
    json.dump(side, f)
