"""A 16 MiB file read into a bytes object, or with --fixed mapped with mmap.

usage: suggest_bytes.py SNAPSHOT SIDE.json [--fixed]
"""
import json
import mmap
import sys

from heapdiff import agent

FIXED = "--fixed" in sys.argv
with open("blob.bin", "wb") as f:
    f.write(b"\x01" * (16 << 20))
with open("blob.bin", "rb") as f:
    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if FIXED else f.read()
with open(sys.argv[2], "w") as f:
    json.dump({"holder": id(data)}, f)
assert agent.dump(sys.argv[1]).error is None
