"""The baseline the agent is measured against: a naive pure-Python JSON-lines heap dumper.

One line per object: [id, type name, sys.getsizeof, [referent ids]], for everything gc.get_objects()
returns plus everything reachable from it through gc.get_referents (iterative walk).

    python bench/naive_dump.py OUT.jsonl            # dump this process (small heap)
    python bench/naive_dump.py --bench [N]          # build a heap of about N objects (default 1,000,000),
                                                    # time naive_dump and heapdiff.agent.dump (median of 3)
"""

import gc
import json
import os
import sys
import time


def naive_dump(path):
    t0 = time.perf_counter()
    getsizeof = sys.getsizeof
    get_referents = gc.get_referents
    dumps = json.dumps
    stack = gc.get_objects()
    seen = set()
    n = 0
    with open(path, "w") as f:
        while stack:
            o = stack.pop()
            i = id(o)
            if i in seen:
                continue
            seen.add(i)
            refs = get_referents(o)
            stack.extend(refs)
            try:
                size = getsizeof(o)
            except Exception:
                size = 0
            f.write(dumps([i, type(o).__name__, size, [id(r) for r in refs]]) + "\n")
            n += 1
    return n, time.perf_counter() - t0


class Record:
    def __init__(self, i):
        self.id = i * 1000003  # a non-cached int
        self.name = "record-%d" % i
        self.tags = ["t%d" % (i % 97), "u%d" % i, "v"]
        self.meta = {"owner": "o%d" % i, "size": i * 3.5, "ok": True}


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, i):
        self.a = (i, "s%d" % i)
        self.b = None


def build_heap(n_objects):
    """About n_objects objects: Record instances (~11 objects each: inline attrs, list, dict, strs, ints,
    floats) and slotted objects with tuples."""
    per = 14
    k = max(1, n_objects // per)
    recs = [Record(i) for i in range(k)]
    slots = [Slotted(i) for i in range(k)]
    return recs, slots


def _bench(n_objects, out_dir):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    from heapdiff import agent

    heap = build_heap(n_objects)  # noqa: F841 (kept alive)
    gc.collect()
    os.makedirs(out_dir, exist_ok=True)
    res = {"naive": [], "agent": [], "agent_gz": []}
    for _ in range(3):
        n, s = naive_dump(os.path.join(out_dir, "naive.jsonl"))
        res["naive"].append(s)
        st = agent.dump(os.path.join(out_dir, "agent.json"))
        assert st.error is None, st.error
        res["agent"].append(st.seconds)
        st2 = agent.dump(os.path.join(out_dir, "agent.json.gz"))
        res["agent_gz"].append(st2.seconds)
    for k, v in res.items():
        v.sort()
    print("objects: naive %d, agent %d (edges %d)" % (n, st.objects, st.edges))
    print("bytes: naive %d, agent %d, agent .gz %d" % (
        os.path.getsize(os.path.join(out_dir, "naive.jsonl")), os.path.getsize(os.path.join(out_dir, "agent.json")),
        st2.bytes_written))
    for k, v in res.items():
        print("%-9s median %.2f s  (runs %s)" % (k, v[1], ", ".join("%.2f" % x for x in v)))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--bench":
        _bench(int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000,
               os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    elif len(sys.argv) == 2:
        print("%d objects in %.2f s" % naive_dump(sys.argv[1]))
    else:
        print(__doc__)
        sys.exit(2)
