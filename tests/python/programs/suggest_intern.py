"""100,000 strings made at run time from 500 distinct values, or with --fixed each passed through
sys.intern.

usage: suggest_intern.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

from heapdiff import agent

FIXED = "--fixed" in sys.argv
prefix = "customer-category-"
if FIXED:
    words = [sys.intern(prefix + str(i % 500)) for i in range(100_000)]
else:
    words = [prefix + str(i % 500) for i in range(100_000)]
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(words)}, f)
assert agent.dump(sys.argv[1]).error is None
