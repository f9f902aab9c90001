"""A module-level cache holding a list of class instances; computes the cache's retained size
naively (everything reachable from it except classes, which the program holds elsewhere; the data
is built so that nothing else is shared), then dumps.

usage: module_cache.py SNAPSHOT SIDE.json
"""
import gc
import json
import sys

from heapdiff import agent


class Item:
    # __slots__: no instance dict and no inline values, so sys.getsizeof is the whole object.
    __slots__ = ("key", "label", "payload")

    def __init__(self, i):
        self.key = 100_000 + i  # not a small int: each item has its own
        self.label = "item-%d" % i  # built at run time: not interned, not shared
        self.payload = [self.key, "payload-%06d" % i, (self.label, 1.5 * i)]


cache = [Item(i) for i in range(20_000)]


def naive_retained(root):
    seen = {id(root): root}
    stack = [root]
    while stack:
        for r in gc.get_referents(stack.pop()):
            if isinstance(r, type) or id(r) in seen:
                continue
            seen[id(r)] = r
            stack.append(r)
    return sum(sys.getsizeof(x) for x in seen.values()), len(seen)


size, count = naive_retained(cache)
with open(sys.argv[2], "w") as f:
    json.dump({"id": id(cache), "retained_size": size, "retained_objects": count}, f)
stats = agent.dump(sys.argv[1])
assert stats.error is None, stats.error
