"""Id reuse on purpose: free many objects, then allocate as many of the same type held elsewhere.

CPython hands the freed addresses to the new objects (same size class, LIFO free lists), so the new
objects have the ids of the old ones; they must be reported new (and the old ones gone), not survived.
"""


class Item:
    # slots: one allocation per object (no separate attribute values), so freed blocks go to new Items
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n


old = []
fresh = {}


def warmup():
    old.extend(Item(i) for i in range(5000))


def work():
    old.clear()
    for i in range(5000):
        fresh[i] = Item(None)
