"""Containers with a distinctive object at a known index, dumped twice by one walker (issue 11).

usage: item_indexes.py S1.json S2.json SIDE.json WALKER (agent or native)
Between the dumps HOLD[2] (a list that existed before) gains 300 Big objects, so the diff's
suspect is that list and its path holds the index 2.
"""
import collections
import json
import sys

import heapdiff
from heapdiff import agent

s1, s2, side_path, walker = sys.argv[1:5]


class Big:
    def __init__(self):
        self.blob = bytearray(100_000 + id(self) % 7)


class Item:
    def __init__(self, a, b):
        self.a = a
        self.b = b


L = [None, None, Big()]
T = (Big(), 1, 2)
D = collections.deque([0, 1, 2, Big(), 4])
ITEMS = [Item(1, j) for j in range(1000)]
HOLD = [[], [], []]
side = {"L": id(L[2]), "T": id(T[0]), "D": id(D[3]), "ITEMS": id(ITEMS[500]), "HOLD": id(HOLD[2])}
try:
    import numpy as np

    A = np.empty(6, dtype=object)
    A[4] = Big()
    side["A"] = id(A[4])
except ImportError:  # numpy is a test requirement; the test says so when it is missing
    pass

assert walker in ("agent", "native"), walker
dump = agent.dump if walker == "agent" else heapdiff.dump
st = dump(s1)
assert st.error is None, st.error
HOLD[2].extend(Big() for _ in range(300))
st = dump(s2)
assert st.error is None, st.error
with open(side_path, "w") as f:
    json.dump(side, f)
