"""The analyzer on real heaps: programs under programs/ build known data, compute the expected
numbers naively in Python (gc.get_referents, sys.getsizeof), write them to a side file, and dump
their heap with heapdiff.agent; the release binary must agree."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
BINARY = ROOT / "target" / "release" / ("heapdiff.exe" if os.name == "nt" else "heapdiff")




@pytest.fixture(scope="session")
def run_program(tmp_path_factory):
    """Runs programs/NAME.py with heapdiff.agent importable; returns its output directory."""
    if not (ROOT / "python" / "heapdiff" / "agent.py").exists():
        pytest.skip("python/heapdiff/agent.py is not in this checkout")

    def run(name, *files, args=()):
        """`files`: names in the output directory; `args`: plain arguments after them."""
        out = tmp_path_factory.mktemp(name)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
        args = [sys.executable, str(PROGRAMS / f"{name}.py"), *(str(out / f) for f in files), *args]
        subprocess.run(args, check=True, env=env, cwd=out, timeout=300)
        return out

    return run


def heapdiff(binary, *args):
    done = subprocess.run([str(binary), *map(str, args), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_deep_sizes_equal_a_naive_walk_of_gc_get_referents(heapdiff_bin, run_program):
    out = run_program("deep_sizes", "snap.json", "side.json")
    side = json.loads((out / "side.json").read_text())
    for name, expected in side.items():
        shown = heapdiff(heapdiff_bin, "show", out / "snap.json", expected["id"])
        assert (shown["deep_size"], shown["deep_objects"]) == (expected["deep_size"], expected["deep_objects"]), name


def test_top_names_the_module_level_cache_first(heapdiff_bin, run_program):
    out = run_program("module_cache", "snap.json", "side.json")
    expected = json.loads((out / "side.json").read_text())
    top = heapdiff(heapdiff_bin, "top", out / "snap.json", "--top", "5")
    first = top["holders"][0]
    assert first["id"] == expected["id"]
    assert first["path"] == "sys.modules['__main__'].cache"
    assert first["type"] == "builtins.list"
    assert first["retained_size"] == expected["retained_size"]
    assert first["retained_objects"] == expected["retained_objects"]
    assert top["total_size"] >= first["retained_size"]

    paths = heapdiff(heapdiff_bin, "paths", out / "snap.json", "--type", "Item", "--top", "1")
    assert paths["instances"] == 20_000
    assert paths["objects"][0]["paths"][0]["text"].startswith("sys.modules['__main__'].cache[")


def cycle_group(report, *types):
    groups = [g for g in report["groups"] if set(types) <= set(g["types"])]
    assert len(groups) == 1, [g["signature"] for g in report["groups"] if "__main__" in g["signature"]]
    return groups[0]


def test_parent_child_cycle_becomes_garbage_when_dropped(heapdiff_bin, run_program):
    out = run_program("parent_child_cycle", "live.json", "garbage.json", "side.json")
    ids = json.loads((out / "side.json").read_text())

    live = cycle_group(heapdiff(heapdiff_bin, "cycles", out / "live.json", "--top", "0"), "__main__.Parent", "__main__.Child")
    assert "builtins.list" in live["types"]
    assert live["cycles"] == 1 and live["garbage_cycles"] == 0
    assert live["example"]["text"].startswith("sys.modules['__main__'].family")

    gone = cycle_group(heapdiff(heapdiff_bin, "cycles", out / "garbage.json", "--top", "0"), "__main__.Parent", "__main__.Child")
    assert gone["signature"] == " <-> ".join(gone["types"])
    assert gone["cycles"] == 1 and gone["garbage_cycles"] == 1
    assert gone["garbage_size"] == gone["retained_size"] > 0
    assert gone["example"]["start"] == "garbage"
    assert gone["example"]["text"].startswith("<unreachable: cyclic garbage>")

    shown = heapdiff(heapdiff_bin, "show", out / "garbage.json", ids["child"])
    assert shown["garbage"] is True
    assert any(r["id"] == ids["parent"] or r["type"] == "builtins.list" for r in shown["referrers"])


def dumped_by(binary, run_program, program, walker):
    """Runs `program` dumping with `walker` (agent or native); returns its side file and a function
    giving the first path to an object id, as `heapdiff paths --id` prints it."""
    if walker == "native":
        import heapdiff._native as native  # the native walker exists on every supported version

        assert hasattr(native, "walk"), f"no native walker on CPython {sys.version.split()[0]}"
    out = run_program(program, "snap.json", "side.json", args=[walker])

    def path(oid):
        shown = heapdiff(binary, "paths", out / "snap.json", "--id", oid)
        return shown["objects"][0]["paths"][0]["text"]

    return json.loads((out / "side.json").read_text()), path


@pytest.mark.parametrize("walker", ["agent", "native"])
def test_generator_and_coroutine_locals_name_what_they_hold(heapdiff_bin, run_program, walker):
    side, path = dumped_by(heapdiff_bin, run_program, "generator_locals", walker)
    # a suspended generator held by a module global, its local 'rows'
    assert path(side["rows"]) == "sys.modules['__main__'].PARKED local 'rows'"
    # coroutines parked in asyncio: whatever leads to their task, the task's coroutine, its local
    for oid in side["batches"]:
        assert path(oid).endswith("._coro local 'batch'"), path(oid)
    # the generator running the dump: its frame is a root, its local is labelled there
    assert path(side["chunk"]).endswith("frame dumping() local 'chunk'"), path(side["chunk"])


@pytest.mark.parametrize("walker", ["agent", "native"])
def test_fields_of_c_types_are_named_in_paths(heapdiff_bin, run_program, walker):
    side, path = dumped_by(heapdiff_bin, run_program, "c_members", walker)
    main = "sys.modules['__main__']."
    assert path(side["rows"]) == main + "HANDLER.args[0]"
    assert path(side["fget"]) == main + "GETTER.fget"
    assert path(side["func"]) == main + "STATIC.__func__"
    assert path(side["string"]) == main + "FOUND.string"
