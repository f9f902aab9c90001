"""Data held only by the locals of a suspended generator, of coroutines parked in asyncio, and of
a generator that is running the dump itself; a finished generator holds nothing. Dumps with the
walker named on the command line and writes the ids of the held lists.

usage: generator_locals.py SNAPSHOT SIDE.json agent|native
"""
import asyncio
import json
import sys

import heapdiff
from heapdiff import agent

snap, side_path, walker = sys.argv[1:4]
assert walker in ("agent", "native"), walker
dump = agent.dump if walker == "agent" else heapdiff.dump
side = {}


def rows_of(n):
    rows = [bytearray(1000) for _ in range(n)]
    yield len(rows)


def finished():
    done = [bytearray(10) for _ in range(3)]
    yield done


PARKED = rows_of(50)
next(PARKED)
OVER = finished()
for _ in OVER:
    pass


async def handle(n):
    batch = [bytearray(500) for _ in range(n)]
    side.setdefault("batches", []).append(id(batch))
    await asyncio.sleep(3600)


def dumping():
    chunk = [bytearray(200) for _ in range(7)]
    side["chunk"] = id(chunk)
    st = dump(snap)
    assert st.error is None, st.error
    yield st


async def main():
    tasks = [asyncio.ensure_future(handle(20)) for _ in range(2)]
    await asyncio.sleep(0.01)
    side["rows"] = id(PARKED.gi_frame.f_locals["rows"])
    for _ in dumping():
        pass
    for t in tasks:
        t.cancel()


asyncio.run(main())
with open(side_path, "w") as f:
    json.dump(side, f)
