"""Data held only through object members of C types: a functools.partial's arguments, a
property's getter, a staticmethod's function, a re.Match's string. Dumps with the walker named on
the command line and writes the ids of the held objects.

usage: c_members.py SNAPSHOT SIDE.json agent|native
"""
import functools
import json
import re
import sys

import heapdiff
from heapdiff import agent

snap, side_path, walker = sys.argv[1:4]


def handler(rows, request):
    return rows


ROWS = [bytearray(100) for _ in range(5)]
HANDLER = functools.partial(handler, ROWS)
del ROWS
GETTER = property(lambda self: None)
STATIC = staticmethod(lambda: None)
FOUND = re.search("b+", "a" + "b" * 50_000)

side = {"rows": id(HANDLER.args[0]), "fget": id(GETTER.fget), "func": id(STATIC.__func__),
        "string": id(FOUND.string)}
assert walker in ("agent", "native"), walker
st = (agent.dump if walker == "agent" else heapdiff.dump)(snap)
assert st.error is None, st.error
with open(side_path, "w") as f:
    json.dump(side, f)
