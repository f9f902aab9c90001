"""Runs a test program between dumps: `python run.py PROGRAM S1.json S2.json [S3.json ...]`.

PROGRAM is a module here with `warmup()` and `work()`: warm-up, dump S1, then for each further
snapshot one more `work()` and a dump. Dumps are taken from this module's top level, so no frame of
the program is on the stack and paths start at `sys.modules`.
"""
import importlib
import sys

from heapdiff import agent

program = importlib.import_module(sys.argv[1])
program.warmup()
for i, out in enumerate(sys.argv[2:]):
    if i:
        program.work()
    stats = agent.dump(out)
    assert not getattr(stats, "error", None), stats
