"""A parent/child reference cycle: dumped while a global holds it, then again after the last
reference is dropped (with the cycle collector off, so the garbage is still there).

usage: parent_child_cycle.py LIVE_SNAPSHOT GARBAGE_SNAPSHOT SIDE.json
"""
import gc
import json
import sys

from heapdiff import agent


class Parent:
    def __init__(self):
        self.children = []


class Child:
    def __init__(self, parent):
        self.parent = parent
        parent.children.append(self)


gc.disable()
family = Parent()
Child(family)
with open(sys.argv[3], "w") as f:
    json.dump({"parent": id(family), "child": id(family.children[0])}, f)
assert agent.dump(sys.argv[1]).error is None
del family
assert agent.dump(sys.argv[2]).error is None
