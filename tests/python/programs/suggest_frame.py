"""A function keeps a large dict in a local after it is used and dumps the heap while still
running; with --fixed it deletes the local first.

usage: suggest_frame.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

from heapdiff import agent

FIXED = "--fixed" in sys.argv


def report():
    table = {i: "row %d" % i for i in range(50_000)}
    rows = len(table)
    if FIXED:
        del table
    with open(sys.argv[2], "w") as f:
        json.dump({"rows": rows}, f)
    assert agent.dump(sys.argv[1]).error is None


report()
