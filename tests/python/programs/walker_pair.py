"""Builds a heap with every kind of object the walkers treat apart, then dumps it twice, back to
back, with the pure-Python agent and the native walker: argv[1] (agent), argv[2] (native).
argv[3] == "native-first" swaps the order."""

import collections
import gc
import sys
import threading
import types

from heapdiff import _native, agent


class Plain:
    def __init__(self, i):
        self.i = i
        self.name = "p%d" % i


class Slotted:
    __slots__ = ("a", "b", "__dict__")

    def __init__(self):
        self.a = [1]
        self.extra = "x"


class WithDict:
    pass


class Finalized:
    def __del__(self):
        pass


class BadSize:
    def __sizeof__(self):
        raise RuntimeError("no size")


class Weird(dict):
    def __init__(self):
        super().__init__(k=1)
        self.attr = "v"


class S(str):
    pass


class B(bytes):
    pass


def outer(x):
    y = [x]

    def inner():
        return y

    return inner


def gen():
    local = {"in": "generator"}
    yield local


w = WithDict()
w.__dict__["forced"] = 1
HEAP = {
    "plain": [Plain(i) for i in range(50)],
    "slotted": Slotted(),
    "withdict": w,
    "fin": Finalized(),
    "bad": BadSize(),
    "weird": Weird(),
    "str_sub": S("hello"),
    "bytes_sub": B(b"abc"),
    "bytes": b"x" * 100,
    "bytearray": bytearray(b"y" * 50),
    "closure": outer(3),
    "gen": gen(),
    "method": Plain(0).__init__,
    "keys": {1: "int", 2.5: "float", None: "none", (1, 2): "tuple", 10**50: "big", "k" * 100: "long"},
    "bools": {True: "bool"},
    "dd": collections.defaultdict(list, a=[1]),
    "od": collections.OrderedDict(b=2),
    "frame": sys._getframe(),
    "code": outer.__code__,
    "module": types.ModuleType("made_here"),
    "cell": outer(4).__closure__[0],
}
try:  # the agent's ML kinds: numpy arrays (owning, views, object arrays), pandas objects, mmap
    import mmap

    import numpy as np

    arr = np.arange(1000, dtype=np.float64)
    HEAP["np"] = {"own": arr, "view": arr[10:20], "obj": np.array([Plain(1), "s", 3], dtype=object),
                  "mm": mmap.mmap(-1, 4096)}
    import pandas as pd

    HEAP["pd"] = pd.DataFrame({"a": range(100), "b": ["x%d" % i for i in range(100)]})
except ImportError:
    pass
cycle = [1]
cycle.append(cycle)
del cycle


async def parked(batch):
    await parked(batch)  # never runs: the task stays pending with the coroutine created


# asyncio's C Future and Task (fields read by their getters), a coroutine, an async generator
import asyncio  # noqa: E402

LOOP = asyncio.new_event_loop()
HEAP["task"] = LOOP.create_task(parked([1, 2, 3]))
HEAP["future"] = LOOP.create_future()
HEAP["future"].set_result(["result"])
HEAP["coro"] = parked(["coro local"])
HEAP["coro"].close()  # closed: its frame is cleared


async def agen(x):
    yield x


HEAP["agen"] = agen(["async generator local"])  # created: its argument is in place

stop = threading.Event()
t = threading.Thread(target=stop.wait, name="waiter")
t.start()


def dump(which, path):
    gc.collect()  # the first walker's cyclic garbage (the agent's root-frame cycle) is not the heap's
    return agent.dump(path) if which == "agent" else _native.dump(path)


# A first dump, thrown away: the `__sizeof__` of pandas objects (which sys.getsizeof calls, in both
# walkers) runs pandas code that fills caches on first use; the pair must see one same heap.
import os  # noqa: E402

agent.dump(sys.argv[1] + ".warm")
os.unlink(sys.argv[1] + ".warm")
order = ["native", "agent"] if len(sys.argv) > 3 and sys.argv[3] == "native-first" else ["agent", "native"]
paths = {"agent": sys.argv[1], "native": sys.argv[2]}


def pair():
    # locals, not a container filled between the dumps: a frame may differ (each dump() call has
    # its own), the heap may not (3.12+ inlines comprehensions into this module's frame)
    first = dump(order[0], paths[order[0]])
    second = dump(order[1], paths[order[1]])
    return {order[0]: first, order[1]: second}


stats = pair()
stop.set()
t.join()
for w, st in stats.items():
    assert st.error is None, (w, st.error)
print(stats["agent"].objects, stats["native"].objects, stats["agent"].seconds, stats["native"].seconds)
