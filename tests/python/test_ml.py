"""Native memory of numpy, pandas, scipy.sparse and torch objects (issue 7), on real dumps: each test
runs a small program in a fresh interpreter that builds known data, writes the expected numbers to a
side file and dumps its heap with heapdiff.agent; the release binary must agree.

numpy, pandas and scipy are test-only dependencies (requirements-test.txt); torch tests skip when torch
cannot be imported."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent_snaputil import Snap

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / ("heapdiff.exe" if os.name == "nt" else "heapdiff")
MB = 1 << 20

needs = {m: pytest.mark.skipif(importlib.util.find_spec(m) is None, reason=f"{m} is not installed")
         for m in ("numpy", "pandas", "scipy")}
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")




def run(tmp_path, source):
    """Runs `source` as a module `prog` (so its globals read sys.modules['prog'].x); returns the side dict."""
    (tmp_path / "prog.py").write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "python"), str(tmp_path)]))
    subprocess.run([sys.executable, "-c", "import prog; prog.main()"], check=True, env=env, cwd=tmp_path,
                   timeout=600)
    return json.loads((tmp_path / "side.json").read_text())


def edges(s, oid):
    """[(target id, label text)] of the object with id `oid`."""
    r = s.recs[oid]
    labs = r[4] if len(r) > 4 and r[4] else [0] * len(r[3])
    return [(t, s.labels[l]) for t, l in zip(r[3], labs)]


def heapdiff(*args):
    done = subprocess.run([str(BINARY), *map(str, args), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


PRELUDE = """
import json, sys
from heapdiff import agent

def side(**kw):
    with open("side.json", "w") as f:
        json.dump(kw, f)

def dump(name):
    st = agent.dump(name)
    assert st.error is None, st.error
"""


@needs["numpy"]
@pytest.mark.parametrize("drop_base", [False, True], ids=["base-held", "base-dropped"])
def test_an_array_and_ten_views_count_its_buffer_once(heapdiff_bin, tmp_path, drop_base):
    side = run(tmp_path, PRELUDE + f"""
import numpy as np
base = None
views = None

def main():
    global base, views
    base = np.ones(100 * 2**20 // 8)
    views = [base[i * 10:] for i in range(10)]
    side(base=id(base), views=id(views), nbytes=base.nbytes, view_ids=[id(v) for v in views])
    if {drop_base}:
        base = None
    dump("snap.json")
""")
    snap = tmp_path / "snap.json"
    s = Snap(snap)
    ex = s.extra(side["base"])
    assert ex["nb"] == side["nbytes"] and ex["own"] is True and ex["dt"] == "float64"
    assert s.recs[side["base"]][2] < 1000  # size + nb == sys.getsizeof: the buffer is not counted twice
    for v in side["view_ids"]:
        assert "nb" not in s.extra(v) and s.extra(v)["own"] is False
        assert side["base"] in s.recs[v][3]  # the .base edge
    summary = heapdiff("summary", snap)
    assert {"device": "cpu", "bytes": side["nbytes"]} in summary["native"]
    assert summary["total_size"] < side["nbytes"] + 50 * MB  # once, not 11 times
    held = heapdiff("show", snap, side["base"] if not drop_base else side["views"])
    assert side["nbytes"] <= held["retained_size"] < side["nbytes"] * 1.01
    if not drop_base:
        top = heapdiff("top", snap, "--top", "3")
        first = top["holders"][0]
        assert first["path"] == "sys.modules['prog'].base", first
        assert first["retained_size"] >= side["nbytes"]
        views = heapdiff("show", snap, side["views"])
        assert views["retained_size"] < MB


@needs["numpy"]
def test_memmap_is_file_backed_not_heap(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import numpy as np
m = None

def main():
    global m
    m = np.memmap("data.bin", dtype="float32", mode="w+", shape=(1 << 24,))  # 64 MiB, sparse on disk
    part = m[10:20]
    side(m=id(m), part=id(part), mm=id(m._mmap), nbytes=m.nbytes)
    dump("snap.json")
""")
    s = Snap(tmp_path / "snap.json")
    assert s.extra(side["m"])["dev"] == "file" and "nb" not in s.extra(side["m"])
    assert s.extra(side["part"])["dev"] == "file"
    assert s.extra(side["mm"]) == {"nb": side["nbytes"], "dev": "file"}
    summary = heapdiff("summary", tmp_path / "snap.json")
    assert {"device": "file", "bytes": side["nbytes"]} in summary["native"]
    assert summary["total_size"] < side["nbytes"]  # not heap


@needs["numpy"]
def test_object_array_items_are_edges(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import numpy as np
a = None

def main():
    global a
    a = np.empty((3, 2), dtype=object)
    for i in range(6):
        a.flat[i] = ["item", i]
    side(a=id(a), items=[id(x) for x in a.flat])
    dump("snap.json")
""")
    s = Snap(tmp_path / "snap.json")
    assert edges(s, side["a"]) == [(x, "[%d]" % i) for i, x in enumerate(side["items"])]
    assert s.extra(side["a"])["sh"] == [3, 2] and s.extra(side["a"])["dt"] == "object"


@needs["pandas"]
def test_dataframe_retains_its_memory_usage(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import numpy as np
import pandas as pd
df = None

def main():
    global df
    n = 200_000
    df = pd.DataFrame({"x": np.arange(n, dtype="float64"), "k": np.arange(n) % 7,
                       "name": ["user%d" % i for i in range(n)]})
    df["y"] = df["x"] * 2
    side(df=id(df), mem=int(df.memory_usage(deep=True).sum()))
    dump("snap.json")
""")
    shown = heapdiff("show", tmp_path / "snap.json", side["df"])
    # memory_usage(deep=True) counts the buffers and the str items; the retained size adds the
    # DataFrame's own Python objects (managers, blocks, index): a few KiB
    assert side["mem"] <= shown["retained_size"] <= side["mem"] * 1.05, (shown["retained_size"], side["mem"])


@needs["pandas"]
@pytest.mark.parametrize("walker", ["agent", "native"])
def test_a_dump_never_runs_pandas_memory_usage(tmp_path, walker):
    # pandas' __sizeof__ is memory_usage(deep=True): O(cells), and it calls __sizeof__ of every
    # object cell. The walk writes a pandas object's own size without calling it.
    side = run(tmp_path, PRELUDE + """
import numpy as np
import pandas as pd
import heapdiff
calls = []
for cls in (pd.DataFrame, pd.Series, pd.Index):
    def counted(self, *a, _f=cls.memory_usage, **k):
        calls.append(type(self).__name__)
        return _f(self, *a, **k)
    cls.memory_usage = counted
df = pd.DataFrame({"x": np.arange(1000.0), "name": ["u" + str(i) for i in range(1000)]})

def main():
    st = (agent.dump if WALKER == "agent" else heapdiff.dump)("snap.json")
    assert st.error is None, st.error
    during = list(calls)
    side(calls=during, df=id(df), own=object.__sizeof__(df), sizeof=sys.getsizeof(df))
""".replace("WALKER", repr(walker)))
    assert side["calls"] == [], "memory_usage ran during the dump: %s" % side["calls"]
    snap = json.loads((tmp_path / "snap.json").read_text())
    assert (snap["header"]["walker"] == "native") == (walker == "native")
    size = next(r[2] for r in snap["objects"] if r[0] == side["df"])
    # the object's own bytes (plus the GC header), not memory_usage's
    assert side["own"] <= size <= side["own"] + 48 < side["sizeof"], (size, side)


@needs["scipy"]
def test_lil_matrix_rows_are_lists(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import numpy as np
import scipy.sparse as sp
m = None
c = None

def main():
    global m, c
    m = sp.lil_matrix((100_000, 50))
    for i in range(0, 100_000, 3):
        m[i, i % 50] = 1.0
    c = sp.random(2000, 2000, density=0.01, format="csr", random_state=0)
    lists = sum(sys.getsizeof(r) for r in m.rows) + sum(sys.getsizeof(r) for r in m.data)
    side(m=id(m), rows=id(m.rows), row_ids=[id(r) for r in m.rows[:5]], lists=lists,
         c=id(c), cbytes=c.data.nbytes + c.indices.nbytes + c.indptr.nbytes)
    dump("snap.json")
""")
    s = Snap(tmp_path / "snap.json")
    edges_ = edges(s, side["rows"])
    assert len(edges_) == 100_000
    assert edges_[:5] == [(r, "[%d]" % i) for i, r in enumerate(side["row_ids"])]
    assert s.type_name(edges_[0][0]) == "builtins.list"
    lil = heapdiff("show", tmp_path / "snap.json", side["m"])
    assert lil["retained_size"] >= side["lists"]
    csr = heapdiff("show", tmp_path / "snap.json", side["c"])
    assert side["cbytes"] <= csr["retained_size"] < side["cbytes"] + 64 * 1024


@needs["numpy"]
def test_a_leak_of_arrays_is_found_with_its_list(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import numpy as np
history = []

def step(i):
    out = np.random.default_rng(i).random(50_000)
    history.append(out[::2].copy())  # the leak: 200 KB per step
    return float(out.sum())

def main():
    for i in range(5):
        step(i)
    dump("a.json")
    before = sum(a.nbytes for a in history)
    for i in range(5, 105):
        step(i)
    side(leaked=sum(a.nbytes for a in history) - before)
    dump("b.json")
""")
    d = heapdiff(tmp_path / "a.json", tmp_path / "b.json")
    top = d["suspects"][0]
    assert top["path"] == "sys.modules['prog'].history", top
    assert top["existed_before"] is True
    assert abs(top["bytes"] - side["leaked"]) <= 0.05 * side["leaked"], (top["bytes"], side["leaked"])


# ---- torch ----------------------------------------------------------------------------------------

@needs_torch
def test_tensor_and_views_count_storage_once(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import torch
base = None
views = None

def main():
    global base, views
    base = torch.ones(100 * 2**20 // 4)
    views = [base[i * 10:] for i in range(10)]
    side(base=id(base), views=id(views), nbytes=base.untyped_storage().nbytes(), view_ids=[id(v) for v in views])
    dump("snap.json")
""")
    snap = tmp_path / "snap.json"
    s = Snap(snap)
    assert s.extra(side["base"])["nb"] == side["nbytes"] and s.extra(side["base"])["dt"] == "float32"
    for v in side["view_ids"]:
        assert "nb" not in s.extra(v)
    summary = heapdiff("summary", snap)
    assert {"device": "cpu", "bytes": side["nbytes"]} in summary["native"]
    held = heapdiff("show", snap, side["base"])
    assert side["nbytes"] <= held["retained_size"] < side["nbytes"] * 1.01


@needs_torch
def test_a_kept_loss_keeps_its_autograd_graph(heapdiff_bin, tmp_path):
    side = run(tmp_path, PRELUDE + """
import torch
losses = []

def main():
    w = torch.randn(512, 512, requires_grad=True)
    for i in range(5):
        x = torch.randn(256, 512)
        h = torch.relu(x @ w)          # saved for backward: x, the product
        losses.append((h * h).sum())   # the leak: each loss keeps its graph and activations
    side(loss=id(losses[0]))
    dump("snap.json")
""")
    s = Snap(tmp_path / "snap.json")
    assert ".grad_fn" in [lab for _, lab in edges(s, side["loss"])]
    shown = heapdiff("show", tmp_path / "snap.json", side["loss"])
    assert shown["retained_size"] >= 256 * 512 * 4  # at least the saved activation
