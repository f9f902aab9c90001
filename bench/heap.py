"""Builds a realistic heap of about N objects for the benchmarks.

A web-service-like mix: records (class instances with inline attributes) holding a name string, a
float, a list of two ints and a small dict; kept in a module-level dict and a list, so the graph has
the shapes real heaps have (dict -> instance -> list -> int). About 7 objects per record; the
interpreter itself adds ~60,000 objects.
"""

import sys
import types

PER_RECORD = 7


class Record:
    def __init__(self, i):
        self.name = "record-%d" % i            # str
        self.score = i * 0.5 + 0.25             # float
        self.tags = [i + 1000, i + 2000]        # list + 2 ints (outside the small-int cache)
        self.meta = {"k": i + 3000}             # dict + int


def build(objects):
    """Makes a module `benchapp` holding about `objects` objects; returns it."""
    mod = types.ModuleType("benchapp")
    sys.modules["benchapp"] = mod
    n = max(1, (objects - 60_000) // PER_RECORD)
    mod.by_name = {}
    mod.records = []
    for i in range(n):
        r = Record(i)
        mod.records.append(r)
        if i % 2 == 0:
            mod.by_name[r.name] = r
    mod.Record = Record
    return mod


if __name__ == "__main__":
    import gc
    build(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(len(gc.get_objects()), "tracked objects")


def grow(mod, objects):
    """Adds about `objects` more objects to `mod` (the 'leak' between two snapshots)."""
    base = len(mod.records)
    for i in range(base, base + objects // PER_RECORD):
        mod.records.append(Record(i))
