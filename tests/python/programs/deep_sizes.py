"""Builds plain data, computes deep sizes naively with gc.get_referents, then dumps.

usage: deep_sizes.py SNAPSHOT SIDE.json
The side file maps each object's id to the naive deep size and object count.
"""
import gc
import json
import sys

from heapdiff import agent


def referents(o):
    # gc.get_referents leaves out the str keys of a dict; the snapshot has an edge to every key
    # (docs/FORMAT.md), so the naive walk adds them.
    refs = list(gc.get_referents(o))
    if type(o) is dict:
        refs.extend(o.keys())
    return refs


def naive_deep(o):
    seen = {id(o): o}
    stack = [o]
    while stack:
        for r in referents(stack.pop()):
            if id(r) not in seen:
                seen[id(r)] = r
                stack.append(r)
    return sum(sys.getsizeof(x) for x in seen.values()), len(seen)


nested = {"alpha": [1, 2.5, "x" * 100, (3, 4, "y" * 30)], 7: {"inner": ["z" * 50, 10**30]}, "blob": bytearray(1000)}
table = [[i * 1001, "row-%d" % i, (i, float(i))] for i in range(500)]
shared = "s" * 64
pair = ([shared, shared], {"a": shared, "b": [shared]})
objects = {"nested": nested, "table": table, "pair": pair, "text": "t" * 10000}

side = {}
for name, o in objects.items():
    size, count = naive_deep(o)
    side[name] = {"id": id(o), "deep_size": size, "deep_objects": count}
with open(sys.argv[2], "w") as f:
    json.dump(side, f)
stats = agent.dump(sys.argv[1])
assert stats.error is None, stats.error
