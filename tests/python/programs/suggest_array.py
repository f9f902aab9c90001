"""A list of 200,000 floats and a list of 200,000 ints, or with --fixed an array.array('d') and a
numpy int32 array; plus a list of mixed objects, which no rule should touch.

usage: suggest_array.py SNAPSHOT SIDE.json [--fixed]
"""
import array
import json
import sys

import numpy

from heapdiff import agent

FIXED = "--fixed" in sys.argv

floats = [i * 0.5 for i in range(200_000)]
ints = [i + 1000 for i in range(200_000)]
if FIXED:
    floats = array.array("d", floats)
    ints = numpy.asarray(ints, dtype=numpy.int32)
mixed = [x for i in range(2_000) for x in (i + 1000, "s%d" % i, i * 0.5, None, (i,))]
with open(sys.argv[2], "w") as f:
    json.dump({"floats": id(floats), "ints": id(ints), "mixed": id(mixed)}, f)
assert agent.dump(sys.argv[1]).error is None
