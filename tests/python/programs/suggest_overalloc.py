"""100,000 one-item lists built by append (room for 4), or with --fixed built as literals; plus
exactly sized lists from a comprehension, which no rule should touch.

usage: suggest_overalloc.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

from heapdiff import agent

FIXED = "--fixed" in sys.argv
groups = []
for i in range(100_000):
    if FIXED:
        g = [i + 1000]
    else:
        g = []
        g.append(i + 1000)
    groups.append(g)
del g
exact = [[i, i + 1, i + 2] for i in range(20_000)]
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(groups), "exact": id(exact)}, f)
assert agent.dump(sys.argv[1]).error is None
