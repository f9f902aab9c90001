"""A 2,000 x 2,000 scipy.sparse LIL matrix with 40,000 non-zeros, or with --fixed the same matrix
built as COO from index arrays and converted to CSR.

usage: suggest_lil.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import sys

import numpy
import scipy.sparse

from heapdiff import agent

FIXED = "--fixed" in sys.argv
n = 2_000
rows = numpy.repeat(numpy.arange(n), 20)
cols = (rows * 7 + numpy.tile(numpy.arange(20), n) * 97) % n
vals = numpy.arange(rows.size, dtype=numpy.float64) + 0.5
if FIXED:
    m = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
else:
    m = scipy.sparse.lil_matrix((n, n))
    for i, j, x in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        m[i, j] = x
del rows, cols, vals
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(m)}, f)
assert agent.dump(sys.argv[1]).error is None
