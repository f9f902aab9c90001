"""Probe heap for tests/python/test_layouts.py: one object of each kind whose edges need the CPython
memory layout (attributes, slots, generator/coroutine locals, running-frame locals, C type fields,
code objects, thread names), dumped by the agent from inside a running function.

usage: python layouts.py OUT.json FACTS.json
FACTS.json gets what only the process itself can measure: tracemalloc's size of one instance, the ids
of the probe objects, and the managed-dict word of each instance after the dump (read with ctypes, never
through __dict__)."""
import asyncio  # noqa: F401  (its C Task/Future exist, as in a real program)
import ctypes
import functools
import json
import sys
import threading  # noqa: F401  (thread roots named from threading's table)
import tracemalloc

from heapdiff import agent

SHARED = ("shared-alpha", 12345.5, ["shared", "gamma"])
N = 2000


class Plain:
    def __init__(self):
        self.alpha = SHARED[0]
        self.beta = SHARED[1]
        self.gamma = SHARED[2]


class Slotted:
    __slots__ = ("sx", "sy")

    def __init__(self):
        self.sx = ["slot-x"]
        self.sy = ["slot-y"]


class Dicted:  # an instance whose __dict__ the program itself asked for
    def __init__(self):
        self.delta = ["delta"]


def make_batches():
    batch = ["gen-local"] * 3
    yield len(batch)
    yield batch


async def handler(request):
    pending = ["coro-local", request]
    await asyncio.sleep(0)
    return pending


def per_instance_bytes():
    """[(id, bytes)]: what tracemalloc saw allocated while each Plain instance was made (the object
    and its attribute values' storage, which varies: early instances get room for more attributes).
    Index assignment into a list made beforehand and loop indices below 256 allocate nothing else."""
    keep = [None] * N
    sizes = [0] * N
    get = tracemalloc.get_traced_memory
    tracemalloc.start()
    try:
        for i in range(N):
            before = get()[0]
            keep[i] = Plain()
            sizes[i] = get()[0] - before
    finally:
        tracemalloc.stop()
    return [[id(o), n] for o, n in zip(keep[:200], sizes[:200])], keep


def dict_word(o):
    """The word before the GC header where CPython keeps the managed dict (3.11, 3.13+: the dict
    pointer, NULL without a dict; 3.12: a dict pointer, or the values pointer with bit 0 set)."""
    return ctypes.c_size_t.from_address(id(o) - 3 * 8).value


def main(out, facts_path):
    measured, plains = per_instance_bytes()
    slotted = Slotted()
    dicted = Dicted()
    dicted_dict = dicted.__dict__  # noqa: F841  (the program's own: the agent must label it)
    gen = make_batches()
    next(gen)
    coro = handler(["req"])
    coro.send(None)  # suspended in its await, with locals request and pending
    part = functools.partial(max, ["partial-arg"])
    running_local = {"frame-local": 1}
    words_before = [dict_word(p) for p in plains[:50]]
    st = agent.dump(out)
    words_after = [dict_word(p) for p in plains[:50]]
    facts = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "error": st.error,
        "tracemalloc_plain": measured,
        "plain": id(plains[0]),
        "slotted": id(slotted),
        "dicted": id(dicted),
        "gen": id(gen),
        "coro": id(coro),
        "partial": id(part),
        "code": id(make_batches.__code__),
        "running_local": id(running_local),
        "words_before": words_before,
        "words_after": words_after,
        "layout_status": agent.layout_status(),
        "layout_failed": agent.layout_failed(),
        "layout_offsets": agent.layout_offsets(),
    }
    with open(facts_path, "w") as f:
        json.dump(facts, f)
    coro.close()
    return plains, slotted, dicted, gen, part, running_local


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
