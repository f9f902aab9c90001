"""The native walker (src/python/walker.rs) against the reference, the pure-Python agent: on the
same heap both must record the same objects with the same sizes, edges, labels, extras and roots.

The tolerance, exactly: the two dumps run one after the other in one process (after a first dump
thrown away), so each sees the other's few results and temporaries. Objects present in only one
snapshot: at most 16, all of the types the driving program's own bookkeeping makes (the first dump's
`DumpStats` and what it holds, the `stats` dict, the header's encoder) or that pandas' `__sizeof__`
(which `sys.getsizeof` runs, in both walkers) makes on each call (weak references). Objects in both:
identical type, size, extras and edges, except that edges to objects present in only one snapshot
are left out of the comparison, and except up to 2 frames of the driving program (its locals hold
the name of the walker running) and up to 4 temporaries at a reused address whose inline attribute
bytes (`extra.i`) differ: each dump's header `JSONEncoder`, pandas objects its `__sizeof__` made."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import heapdiff
import heapdiff._native as native  # built for every supported version by scripts/test.sh
import walker_compare

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# objects of the program driving the two dumps (a dump's result, the frame of each dump() call)
DRIVER_TYPES = {"builtins.int", "builtins.str", "builtins.float", "builtins.tuple", "builtins.dict",
                "heapdiff.agent.DumpStats", "json.encoder.JSONEncoder", "weakref.ReferenceType",
                "builtins.frame"}


def test_the_native_walker_is_registered_on_this_version():
    # a version without it would make heapdiff.snapshot() fall back to the agent: a failure, not a skip
    missing = [name for name in ("walk", "dump") if not hasattr(native, name)]
    assert not missing, f"heapdiff._native has no {missing} on CPython {sys.version.split()[0]}"


@pytest.fixture(scope="module", params=["agent-first", "native-first"])
def pair(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("walkers")
    a, n = out / "agent.json", out / "native.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    subprocess.run([sys.executable, str(HERE / "programs" / "walker_pair.py"), str(a), str(n), request.param],
                   check=True, env=env, cwd=out, timeout=300)
    return a, n


def test_same_object_set_sizes_edges_labels_and_roots(pair):
    only_a, only_n, diff, (roots_a, roots_n) = walker_compare.compare(*pair)
    assert sum(only_a.values()) <= 10 and set(only_a) <= DRIVER_TYPES, only_a
    assert sum(only_n.values()) <= 10 and set(only_n) <= DRIVER_TYPES, only_n
    assert diff.get("type", []) == []
    assert diff.get("size", []) == []
    edges = diff.get("edges", [])
    assert len(edges) <= 2 and all(name == "builtins.frame" for _i, name, _a, _b in edges), edges[:3]
    extra = diff.get("extra", [])
    assert len(extra) <= 2, extra
    for _i, name, xa, xb in extra:
        assert name == "json.encoder.JSONEncoder", name
        assert {k: v for k, v in xa.items() if k != "i"} == {k: v for k, v in xb.items() if k != "i"}
    # the same roots; a root frame of the driver may be another object (each dump() call has its own)
    assert sorted(r for r in roots_a if r[1] != "frame") == sorted(r for r in roots_n if r[1] != "frame")
    assert sorted((k, n) for _i, k, n in roots_a) == sorted((k, n) for _i, k, n in roots_n)


def test_the_heap_program_covers_every_kind(pair):
    recs, names, _roots, header = walker_compare.read(pair[1])
    assert header["walker"] == "native"
    by_type = {}
    for i, (t, _size, edges, extra) in recs.items():
        by_type.setdefault(names.get(t), []).append((edges, extra))
    labels = {lab for edges_extras in by_type.values() for edges, _x in edges_extras for _t, lab in edges}
    for expected in (".name", ".a", ".__dict__", "<key>", "[1]", "[2.5]", "[None]", "[True]", "[<tuple>]",
                     ".cell_contents", ".__func__", ".__self__", ".__code__", ".__mro__", ".f_back",
                     "local 'which'", ".co_consts", "local 'batch'", "local 'x'", "._coro",
                     "._loop", "._result", ".fget"):
        assert expected in labels, expected
    assert any(lab.startswith("['kkkk") and lab.endswith("\u2026']") for lab in labels)
    bad = by_type["__main__.BadSize"][0][1]
    assert bad["e"] == "sizeof" and bad["a"] == "inline"
    assert any(x.get("d") for _e, x in by_type["builtins.type"])
    assert {x.get("a") for _e, x in by_type["__main__.Plain"]} == {"inline"}
    if "numpy.ndarray" in by_type:  # the agent's ML kinds, recorded through its own _ml_record
        arrays = [x for _e, x in by_type["numpy.ndarray"]]
        assert any(x.get("own") is True and x.get("nb") == 8000 and x.get("dt") == "float64" for x in arrays)
        assert ".base" in labels
        assert any(x.get("dev") == "file" or "nb" in x for _e, x in by_type.get("mmap.mmap", []))
    # 3.13 keeps values inline only for classes without other slots: a "__dict__" slot beside
    # others gets a real dict on the first attribute (3.14 inlines them again)
    assert by_type["__main__.Slotted"][0][1]["a"] == ("slots+dict" if sys.version_info[:2] == (3, 13) else "slots+inline")
    assert {x.get("a") for _e, x in by_type["__main__.WithDict"]} == {"dict"}


def test_snapshot_in_memory_matches_the_file_it_saves(tmp_path):
    s = heapdiff.snapshot()
    assert s.header["walker"] == "native" and s.path == "<memory>"
    s.save(tmp_path / "s.json")
    t = heapdiff.load(tmp_path / "s.json")
    assert (t.objects, t.edges, t.total_size) == (s.objects, s.edges, s.total_size)


class RaisesInterrupt:
    armed = True

    def __sizeof__(self):
        if RaisesInterrupt.armed:  # once: the traceback keeps the instance alive afterwards
            RaisesInterrupt.armed = False
            raise KeyboardInterrupt
        return object.__sizeof__(self)


def test_a_base_exception_from_sizeof_aborts_the_walk_and_is_re_raised(tmp_path):
    x = RaisesInterrupt()
    with pytest.raises(KeyboardInterrupt):
        heapdiff.dump(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    st = heapdiff.dump(tmp_path / "y.json")  # the walker is usable again
    assert st.error is None and st.objects > 1000


def test_dump_returns_stats_and_compresses(tmp_path):
    st = heapdiff.dump(tmp_path / "h.json.gz")
    assert st.error is None and st.path == str(tmp_path / "h.json.gz")
    assert st.bytes_written == (tmp_path / "h.json.gz").stat().st_size
    assert (tmp_path / "h.json.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert heapdiff.load(tmp_path / "h.json.gz").objects == st.objects
    st = heapdiff.dump(tmp_path / "missing-dir" / "h.json")
    assert st.path is None and "No such file" in st.error


def test_the_walk_leaves_the_sizes_of_non_ascii_names_as_they_were(tmp_path):
    # A UTF-8 copy cached inside a str (what PyUnicode_AsUTF8 does) would grow its getsizeof.
    # Names compiled from source (a function, its local, an attribute) have no such copy yet.
    ns = {}
    exec("def fonction_été(x):\n    variable_été = x\n    return variable_été\n"
         "class Chose:\n    def __init__(self):\n        self.clé_été = 1\n", ns)
    keep = ns["Chose"]()
    f = ns["fonction_été"]
    strings = [f.__name__, f.__code__.co_name] + list(f.__code__.co_varnames) + list(vars(keep))
    before = [sys.getsizeof(s) for s in strings]
    st = heapdiff.dump(tmp_path / "n.json")
    assert st.error is None
    assert [sys.getsizeof(s) for s in strings] == before


class Plain:
    def __init__(self):
        self.a = 1


class Slotted2:
    __slots__ = ("a", "b")


class IntSub(int):
    pass


def test_sizes_the_walker_computes_are_sys_getsizeof(tmp_path):
    # The walker computes sys.getsizeof itself for object.__sizeof__, int, list and ASCII str (after a
    # self-check); every edge of those formulas must still equal what __sizeof__ returns.
    grown = []
    for i in range(37):
        grown.append(i)  # over-allocated: capacity above length
    probes = [0, 1, -1, 2**30 - 1, 2**30, -(2**60), 10**200, True, False, IntSub(7), [], [1], grown,
              list(range(1000)), "", "a", "x" * 1000, "café", "日本", 1.5, -0.0, (), (1,), tuple(range(300)),
              object(), Plain(), Slotted2(), range(5), None, b"", b"bytes", bytearray(b"ab"), {1: 2}, set(),
              frozenset({1}), 10**5 + 1, -(10**5) - 1]
    st = heapdiff.dump(tmp_path / "s.json")
    assert st.error is None
    import json

    sizes = {r[0]: r[2] for r in json.loads((tmp_path / "s.json").read_text())["objects"]}
    wrong = [(repr(p)[:30], sizes.get(id(p)), sys.getsizeof(p)) for p in probes if sizes.get(id(p)) != sys.getsizeof(p)]
    assert wrong == []
