"""Runs a test program between two dumps: `python run.py PROGRAM BEFORE.json AFTER.json`.

PROGRAM is a module here with `warmup()` and `work()`. Dumps are taken from this module's top level,
so no frame of the program is on the stack and paths start at `sys.modules`.
"""
import importlib
import sys

from heapdiff import agent

program = importlib.import_module(sys.argv[1])
program.warmup()
stats = agent.dump(sys.argv[2])
assert not getattr(stats, "error", None), stats
program.work()
stats = agent.dump(sys.argv[3])
assert not getattr(stats, "error", None), stats
