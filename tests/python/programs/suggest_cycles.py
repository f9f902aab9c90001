"""20,000 parent/child pairs whose child points back at its parent, dropped with the collector off
so they are cyclic garbage; with --fixed the back-reference is a weakref and they are freed.

usage: suggest_cycles.py SNAPSHOT SIDE.json [--fixed]
"""
import gc
import json
import sys
import weakref

from heapdiff import agent

FIXED = "--fixed" in sys.argv


class Parent:
    def __init__(self):
        self.children = []


class Child:
    def __init__(self, parent):
        self.parent = weakref.ref(parent) if FIXED else parent
        parent.children.append(self)


gc.disable()
family = [Parent() for _ in range(20_000)]
for p in family:
    Child(p)
del family, p
with open(sys.argv[2], "w") as f:
    json.dump({}, f)
assert agent.dump(sys.argv[1]).error is None
