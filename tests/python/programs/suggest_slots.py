"""50,000 instances of a plain class (inline attribute values on 3.11), or with --fixed the same
class with __slots__; plus a class with only 3 instances, which no rule should touch.

usage: suggest_slots.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

from heapdiff import agent

FIXED = "--fixed" in sys.argv
LABEL = "point"

if FIXED:
    class Point:
        __slots__ = ("x", "y", "z", "label")

        def __init__(self, i):
            self.x = i
            self.y = i * 0.5
            self.z = None
            self.label = LABEL
else:
    class Point:
        def __init__(self, i):
            self.x = i
            self.y = i * 0.5
            self.z = None
            self.label = LABEL


class Few:
    def __init__(self):
        self.payload = [object() for _ in range(20_000)]


points = [Point(i) for i in range(1000, 51_000)]
few = [Few() for _ in range(3)]
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(points), "few": id(few)}, f)
assert agent.dump(sys.argv[1]).error is None
