"""heapdiff's benchmark: builds real heaps, runs heapdiff and the tools users would otherwise pick in
the same run, and writes the medians, the machine and the command to docs/PERFORMANCE.md.

    .venv/bin/python bench/bench.py [--objects 1000000] [--repeat 3] [--big 10000000] [--only NAMES]

Each measurement runs in a fresh process. Peak RSS comes from /usr/bin/time (maxresident), wall time
from the process itself where a tool runs inside Python (so heap-building time is excluded) and from
the wall clock for the heapdiff binary. Medians of --repeat runs; machines here are shared and noisy.
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
PY = sys.executable
BIN = os.path.join(ROOT, "target", "release", "heapdiff")
ENV = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python") + os.pathsep + os.path.join(ROOT, "bench"))

# Python snippets run after `heap.build(N)`; each prints one JSON line with its own measurements.
PRELUDE = "import sys, time, json, gc, heap\nmod = heap.build({objects})\ngc.collect()\n"
# Before a timed dump: remove the last tool's file and flush every dirty page (os.sync), so that no
# dump is timed while the kernel writes back the tens of MB an earlier run left in the page cache.
FRESH_FILE = "if os.path.exists({out!r}): os.unlink({out!r})\nos.sync()\n"
SNIPPETS = {
    "agent": (
        FRESH_FILE + "import heapdiff.agent as A\nt=time.perf_counter(); st=A.dump({out!r}); s=time.perf_counter()-t\n"
        "print(json.dumps(dict(seconds=s, objects=st.objects, bytes=os.path.getsize({out!r}))))"
    ),
    "native": (
        FRESH_FILE + "import heapdiff\nt=time.perf_counter(); st=heapdiff.dump({out!r}); s=time.perf_counter()-t\n"
        "print(json.dumps(dict(seconds=s, objects=st.objects, bytes=os.path.getsize({out!r}))))"
    ),
    "naive": (
        FRESH_FILE + "import naive_dump\nt=time.perf_counter(); n, _s=naive_dump.naive_dump({out!r}); s=time.perf_counter()-t\n"
        "print(json.dumps(dict(seconds=s, objects=n, bytes=os.path.getsize({out!r}))))"
    ),
    "pympler-summary": (
        "from pympler import muppy, summary\nt=time.perf_counter(); rows=summary.summarize(muppy.get_objects())\n"
        "print(json.dumps(dict(seconds=time.perf_counter()-t)))"
    ),
    "pympler-asizeof": (
        "from pympler import asizeof\nt=time.perf_counter(); size=asizeof.asizeof(mod)\n"
        "print(json.dumps(dict(seconds=time.perf_counter()-t, size=size)))"
    ),
    "guppy3-heap": (
        "from guppy import hpy\nt=time.perf_counter(); h=hpy().heap(); size=h.size\n"
        "print(json.dumps(dict(seconds=time.perf_counter()-t, size=size)))"
    ),
    # growth between two states of one process, the way each tool is used for leak hunting
    "pympler-tracker-diff": (
        "from pympler import tracker\ntr=tracker.SummaryTracker()\nheap.grow(mod, {grow})\n"
        "t=time.perf_counter(); d=tr.diff(); s=time.perf_counter()-t\nprint(json.dumps(dict(seconds=s)))"
    ),
    "objgraph-show-growth": (
        "import objgraph, io\nobjgraph.show_growth(file=io.StringIO())\nheap.grow(mod, {grow})\n"
        "t=time.perf_counter(); objgraph.show_growth(file=io.StringIO()); s=time.perf_counter()-t\n"
        "print(json.dumps(dict(seconds=s)))"
    ),
}


def timed(cmd):
    """Runs cmd under /usr/bin/time; returns (stdout, wall seconds, peak RSS bytes)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError("%s failed: %s" % (cmd, p.stderr[-2000:]))
    peak_kib = int(p.stderr.strip().splitlines()[-1])
    return p.stdout, wall, peak_kib * 1024


def run_snippet(name, objects, out, grow=0):
    code = "import os\n" + PRELUDE.format(objects=objects) + SNIPPETS[name].format(out=out, grow=grow)
    stdout, _, peak = timed([PY, "-c", code])
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss"] = peak
    return result


def median_of(repeat, fn):
    runs = [fn() for _ in range(repeat)]
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float))]
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def heapdiff_cmd(repeat, *args):
    def once():
        _, wall, peak = timed([BIN] + list(args))
        return {"seconds": wall, "peak_rss": peak}
    return median_of(repeat, once)


def make_snapshot(objects, out, grow=0, walker="agent"):
    extra = "heap.grow(mod, %d)\n" % grow if grow else ""
    code = (
        "import os\n" + PRELUDE.format(objects=objects) + extra
        + ("import heapdiff.agent as A\nA.dump(%r)\n" % out if walker == "agent" else "import heapdiff\nheapdiff.dump(%r)\n" % out)
    )
    subprocess.run([PY, "-c", code], check=True, env=ENV)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d cores, %.0f GiB RAM, %s, Python %s" % (cpu, os.cpu_count(), mem, platform.system(), platform.python_version())


def have(module):
    return subprocess.run([PY, "-c", "import " + module], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", type=int, default=0, help="also measure `heapdiff top` on a snapshot of this many objects")
    ap.add_argument("--only", default="", help="comma-separated groups: dump,summary,top,compare,diff,big")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "PERFORMANCE-results.json"))
    ap.add_argument("--render", action="store_true", help="only rewrite docs/PERFORMANCE.md from --out")
    args = ap.parse_args()
    if args.render:
        res = json.load(open(args.out))
        write_markdown(os.path.join(ROOT, "docs", "PERFORMANCE.md"), res, res.get("repeat", args.repeat))
        return
    only = set(filter(None, args.only.split(",")))
    want = lambda g: not only or g in only
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    results = {"machine": machine(), "command": " ".join([os.path.relpath(PY, ROOT)] + sys.argv), "objects": args.objects,
               "repeat": args.repeat, "rows": []}

    def row(group, tool, m, note=""):
        m = dict(m)
        m.update(group=group, tool=tool, note=note)
        results["rows"].append(m)
        print(json.dumps(m), flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        snap = os.path.join(tmp, "a.json")
        snap_b = os.path.join(tmp, "b.json")
        n, r = args.objects, args.repeat
        if want("dump"):
            for tool in ["agent", "naive"] + (["native"] if have("heapdiff._native") else []):
                m = median_of(r, lambda: run_snippet(tool, n, os.path.join(tmp, "d.json")))
                m["bytes_per_object"] = m["bytes"] / max(1, m["objects"])
                m["objects_per_second"] = m["objects"] / m["seconds"]
                row("dump", tool, m)
        make_snapshot(n, snap)
        size = os.path.getsize(snap)
        count = json.loads(open(snap).readlines()[-1][len('"trailer":'):-2])["objects"]
        results["snapshot_bytes"], results["snapshot_objects"] = size, count
        if want("summary"):
            m = heapdiff_cmd(r, "summary", snap)
            m["rss_per_object"] = m["peak_rss"] / count
            row("summary", "heapdiff summary", m, "file %d bytes, %d objects" % (size, count))
        if want("top"):
            m = heapdiff_cmd(r, "top", snap)
            m["rss_per_object"] = m["peak_rss"] / count
            row("top", "heapdiff top", m)
        if want("compare"):
            for tool in ["pympler-summary", "pympler-asizeof", "guppy3-heap"]:
                if have(tool.split("-")[0].replace("guppy3", "guppy")):
                    row("compare", tool, median_of(r, lambda: run_snippet(tool, n, "")))
        if want("diff"):
            make_snapshot(n, snap_b, grow=n // 10)
            m = heapdiff_cmd(r, snap, snap_b)
            row("diff", "heapdiff A B", m)
            for tool in ["pympler-tracker-diff", "objgraph-show-growth"]:
                if have(tool.split("-")[0]):
                    row("diff", tool, median_of(r, lambda: run_snippet(tool, n, "", grow=n // 10)))
        if args.big and want("big"):
            big = os.path.join(tmp, "big.json")
            make_snapshot(args.big, big, walker="native" if have("heapdiff._native") else "agent")
            bc = json.loads(open(big).readlines()[-1][len('"trailer":'):-2])["objects"]
            m = heapdiff_cmd(1, "top", big)
            m["rss_per_object"] = m["peak_rss"] / bc
            row("big", "heapdiff top (%d objects)" % bc, m, "file %d bytes" % os.path.getsize(big))
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    md = os.path.join(ROOT, "docs", "PERFORMANCE.md")
    write_markdown(md, results, args.repeat)
    print("wrote", args.out, "and", md)


def mib(b):
    return "%.0f MiB" % (b / 2**20)


def write_markdown(path, res, repeat):
    """docs/PERFORMANCE.md: the tables of this run, with machine and command; numbers are medians."""
    rows = res["rows"]
    by = lambda g: [r for r in rows if r["group"] == g]
    L = ["# heapdiff performance", "",
         "Generated by `bench/bench.py` (do not edit by hand; rerun it). Medians of %d runs per row, all rows of" % repeat,
         "one run of the script, so ratios between tools are measured on the same heaps under the same load.", "",
         "- machine: %s" % res["machine"], "- command: `%s`" % res["command"],
         "- heap: `bench/heap.py`, %d objects asked; the snapshot holds %s objects, %s on disk (plain JSON)"
         % (res["objects"], "{:,}".format(res.get("snapshot_objects", 0)), mib(res.get("snapshot_bytes", 0))),
         "- this machine is shared (2 cores, other builds running): absolute seconds are noisy, ratios less so", ""]
    d = by("dump")
    if d:
        naive = next((r for r in d if r["tool"] == "naive"), None)
        L += ["## Taking a snapshot of the 1M-object heap", "",
              "| walker | seconds | objects/s | bytes/object | peak RSS of the process | vs naive dumper |", "|---|---|---|---|---|---|"]
        for r in d:
            ratio = "%.2fx faster" % (naive["seconds"] / r["seconds"]) if naive else "-"
            L.append("| %s | %.2f | %s | %.0f | %s | %s |" % (r["tool"], r["seconds"], "{:,.0f}".format(r["objects_per_second"]),
                                                          r["bytes_per_object"], mib(r["peak_rss"]), ratio))
        L += ["", "`naive` is `bench/naive_dump.py` (id, type name, getsizeof, referent ids as JSON lines): no labels,",
              "no roots, no dict keys, no inline attributes. `agent` is `heapdiff.agent.dump` (pure Python);",
              "`native` is `heapdiff.dump` (the Rust walker in the extension). Before each timed dump the last",
              "tool's file is removed and `os.sync()` flushes dirty pages, so no dump is timed while the kernel",
              "writes back what an earlier run left in the page cache.", ""]
    an = by("summary") + by("top") + by("compare")
    if an:
        L += ["## Analysing the 1M-object snapshot", "", "| tool | seconds | peak RSS | RSS per object |", "|---|---|---|---|"]
        for r in an:
            rpo = "%.0f B" % r["rss_per_object"] if "rss_per_object" in r else "-"
            L.append("| %s | %.2f | %s | %s |" % (r["tool"], r["seconds"], mib(r["peak_rss"]), rpo))
        L += ["", "heapdiff rows are the whole command (load, analysis, output) from a file; pympler's and guppy3's",
              "rows are the call alone inside the process holding the heap (`asizeof(module)`, `hpy().heap()`,",
              "`summarize(muppy.get_objects())`) and their RSS is the whole process, heap included.", ""]
    df = by("diff")
    if df:
        L += ["## Growth between two snapshots (+10% objects)", "", "| tool | seconds | peak RSS |", "|---|---|---|"]
        for r in df:
            L.append("| %s | %.2f | %s |" % (r["tool"], r["seconds"], mib(r["peak_rss"])))
        L += ["", "`heapdiff A B` reads both files and computes both dominator trees, the matching, suspects and paths;",
              "pympler's `SummaryTracker.diff()` and objgraph's `show_growth()` count types in-process and name no holder.", ""]
    bg = by("big")
    if bg:
        L += ["## A 10M-object snapshot", "", "| command | seconds | peak RSS | RSS per object | note |", "|---|---|---|---|---|"]
        for r in bg:
            L.append("| %s | %.1f | %s | %.0f B | %s |" % (r["tool"], r["seconds"], mib(r["peak_rss"]), r["rss_per_object"], r["note"]))
        L.append("")
    L += targets(res)
    open(path, "w").write("\n".join(L) + "\n")


def targets(res):
    """The issues' targets, each beside the number of this run that answers it."""
    get = lambda g, t: next((r for r in res["rows"] if r["group"] == g and r["tool"].startswith(t)), None)
    n, size = res.get("snapshot_objects", 0), res.get("snapshot_bytes", 0)
    out = ["## Targets", "", "| target | measured | met |", "|---|---|---|"]

    def line(text, value, ok):
        out.append("| %s | %s | %s |" % (text, value, "yes" if ok else "**no**"))

    a, nv, nd = get("dump", "agent"), get("dump", "native"), get("dump", "naive")
    if a and nd:
        line("agent no slower than the naive dumper", "%.2f s vs %.2f s" % (a["seconds"], nd["seconds"]), a["seconds"] <= nd["seconds"])
    if a and nv:
        line("native walker at least 10x faster than the agent", "%.1fx" % (a["seconds"] / nv["seconds"]), a["seconds"] / nv["seconds"] >= 10)
    s = get("summary", "heapdiff")
    if s:
        line("`heapdiff summary` of 1M objects under 1 s", "%.2f s" % s["seconds"], s["seconds"] < 1)
        lim = size + 100 * n
        line("its peak RSS under the file's size + 100 B/object", "%s vs %s (file %s + %.0f B/object over it)"
             % (mib(s["peak_rss"]), mib(lim), mib(size), (s["peak_rss"] - size) / max(n, 1)), s["peak_rss"] < lim)
    t = get("top", "heapdiff")
    if t:
        line("`heapdiff top` of 1M objects under 2 s", "%.2f s" % t["seconds"], t["seconds"] < 2)
    d = get("diff", "heapdiff")
    if d:
        line("`heapdiff A B` of two 1M-object snapshots under 3 s", "%.2f s" % d["seconds"], d["seconds"] < 3)
        if t:
            line("its peak RSS under twice one snapshot's analysis (`top` of A)", "%s vs 2 x %s (%.2fx)"
                 % (mib(d["peak_rss"]), mib(t["peak_rss"]), d["peak_rss"] / t["peak_rss"]), d["peak_rss"] < 2 * t["peak_rss"])
    b = next((r for r in res["rows"] if r["group"] == "big"), None)
    if b:
        line("`heapdiff top` of 10M objects under 30 s, memory linear", "%.1f s, %.0f B/object (1M: %s)"
             % (b["seconds"], b["rss_per_object"], "%.0f B/object" % t["rss_per_object"] if t else "-"), b["seconds"] < 30)
    out += ["", "The pytest fixture's cost per guarded test (target under 50 ms on a ~300,000-object process,",
            "beside pytest-memray's `limit_leaks`) is measured by `bench/fixture_cost/` and reported in docs/PYTHON.md.", ""]
    return out


if __name__ == "__main__":
    main()
