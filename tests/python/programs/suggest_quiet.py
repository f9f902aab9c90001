"""A heap with none of the patterns the rules look for: a few instances of a class, lists of
mixed objects, dicts whose keys all differ, exactly sized lists, distinct strings.

usage: suggest_quiet.py SNAPSHOT SIDE.json
"""
import json
import sys

from heapdiff import agent


class Service:
    def __init__(self, name):
        self.name = name
        self.cache = {f"key-{name}-{i}": (i, i * 0.25) for i in range(2_000)}


services = [Service(n) for n in ("users", "orders", "billing")]
mixed = [x for i in range(2_000) for x in (i + 1000, "s%d" % i, i * 0.5, None, (i,))]
rows = [[i, str(i), i * 0.5] for i in range(5_000)]
with open(sys.argv[2], "w") as f:
    json.dump({}, f)
assert agent.dump(sys.argv[1]).error is None
