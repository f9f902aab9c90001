"""A service that accumulates 50,000 plain-class records between two snapshots of one process.

usage: suggest_growth.py BEFORE AFTER SIDE.json
"""
import json
import sys

from heapdiff import agent


class Event:
    def __init__(self, i):
        self.seq = i
        self.value = i * 0.5
        self.kind = "click"


log = []
assert agent.dump(sys.argv[1]).error is None
log.extend(Event(i) for i in range(1000, 51_000))
with open(sys.argv[3], "w") as f:
    json.dump({"holder": id(log)}, f)
assert agent.dump(sys.argv[2]).error is None
