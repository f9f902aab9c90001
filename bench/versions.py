"""One row of docs/PERFORMANCE.md's per-version table: agent and native dump seconds on the benchmark
heap, in the Python running this script, and heapdiff's `top` on the native file.

    PYTHON bench/versions.py [--objects 1000000] [--repeat 3]

Run it with each version's test venv (scripts/test.sh makes them: .venv, .venv-3.12, ...; 3.14 and
3.15 inside the chroot of ../shared/tools/pyroots.sh). Each dump runs in a fresh process; medians.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "heapdiff")
ENV = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python") + os.pathsep + os.path.join(ROOT, "bench"))
SNIPPET = """import gc, json, os, sys, time, heap
heap.build({objects}); gc.collect()
if {walker!r} == "agent":
    from heapdiff import agent as w
else:
    import heapdiff as w
t = time.perf_counter(); st = w.dump({out!r}); s = time.perf_counter() - t
assert st.error is None, st.error
print(json.dumps(dict(seconds=s, objects=st.objects)))
"""


def dump(walker, objects, out):
    done = subprocess.run([sys.executable, "-c", SNIPPET.format(objects=objects, walker=walker, out=out)],
                          capture_output=True, text=True, env=ENV, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "snap.json")
        runs = {w: [dump(w, a.objects, out) for _ in range(a.repeat)] for w in ("agent", "native")}
        tops = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            subprocess.run([BIN, "top", out], check=True, capture_output=True)
            tops.append(time.perf_counter() - t)
    med = {w: statistics.median(r["seconds"] for r in rs) for w, rs in runs.items()}
    objs = runs["native"][0]["objects"]
    print(f"| {platform.python_version()} | {objs:,} | {med['agent']:.2f} s | {med['native']:.2f} s "
          f"| {med['agent'] / med['native']:.1f}x | {statistics.median(tops):.2f} s |")


if __name__ == "__main__":
    main()
