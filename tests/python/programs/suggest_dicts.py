"""50,000 dicts with the same keys, or with --fixed one slots dataclass instance per record; plus
5,000 dicts whose key sets all differ, which no rule should touch.

usage: suggest_dicts.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys
from dataclasses import dataclass

from heapdiff import agent

FIXED = "--fixed" in sys.argv
NAMES = ["alpha", "beta", "gamma"]


@dataclass(slots=True)
class Record:
    x: int
    y: float
    name: str


if FIXED:
    records = [Record(x=i, y=i * 0.5, name=NAMES[i % 3]) for i in range(1000, 51_000)]
else:
    records = [{"x": i, "y": i * 0.5, "name": NAMES[i % 3]} for i in range(1000, 51_000)]
varied = [{f"k{i}": i} for i in range(5_000)]
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(records), "varied": id(varied)}, f)
assert agent.dump(sys.argv[1]).error is None
