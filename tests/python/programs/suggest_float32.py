"""A 2,000,000-item float64 numpy array, or with --fixed the same as float32.

usage: suggest_float32.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

import numpy

from heapdiff import agent

FIXED = "--fixed" in sys.argv
signal = numpy.linspace(0.0, 1.0, 2_000_000, dtype=numpy.float32 if FIXED else numpy.float64)
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(signal)}, f)
assert agent.dump(sys.argv[1]).error is None
