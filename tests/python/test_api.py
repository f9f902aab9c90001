"""The Python API (heapdiff/_api.py, _results.py) over the native module: load, reports as Python
objects whose str() is the CLI's text, save, diff, errors as Python exceptions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

heapdiff = pytest.importorskip("heapdiff")
pytest.importorskip("heapdiff._native")

ROOT = Path(__file__).resolve().parents[2]


class Leaf:
    def __init__(self, i):
        self.i = i
        self.name = f"leaf-{i}"


@pytest.fixture(scope="module")
def snap_file(tmp_path_factory):
    """A snapshot of a small program with a known big holder, made by the pure-Python agent."""
    out = tmp_path_factory.mktemp("api") / "heap.json"
    prog = (
        "import gc, sys\n"
        "from heapdiff import agent\n"
        "gc.disable()\n"
        "class Node:\n"
        "    def __init__(self): self.other = None\n"
        "BIG = {f'user:{i}': [i] * 100 for i in range(3000)}\n"
        "a, b = Node(), Node(); a.other = b; b.other = a\n"
        "del a, b\n"
        "st = agent.dump(sys.argv[1])\n"
        "assert st.error is None, st.error\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    subprocess.run([sys.executable, "-c", prog, str(out)], check=True, env=env, cwd=out.parent, timeout=120)
    return out


def cli(*args):
    return subprocess.run([sys.executable, "-m", "heapdiff", *map(str, args)], capture_output=True, text=True)


def test_load_gives_a_snapshot_with_counts(snap_file):
    s = heapdiff.load(snap_file)
    assert s.objects > 1000 and s.edges > s.objects // 2
    assert s.path == str(snap_file)
    assert s.header["walker"] == "python"
    assert "objects" in repr(s)


def test_summary_is_a_dataclass_whose_str_is_the_cli_text(snap_file):
    s = heapdiff.load(snap_file)
    summary = s.summary(top=5)
    assert isinstance(summary, heapdiff.Summary)
    assert len(summary.types) == 5 and summary.types[0].total_size >= summary.types[1].total_size
    assert "TypeRow(name=" in repr(summary)
    assert str(summary) == cli("summary", "--top", "5", snap_file).stdout


def test_top_names_the_big_dict_by_its_path(snap_file):
    t = heapdiff.load(snap_file).top(3)
    assert t.holders[0].path == "sys.modules['__main__'].BIG"
    assert t.holders[0].type == "builtins.dict"
    assert str(t) == cli("top", "--top", "3", snap_file).stdout


def test_paths_by_id_and_by_type(snap_file):
    s = heapdiff.load(snap_file)
    big = s.top(1).holders[0]
    p = s.paths(big.id)
    assert p.objects[0].paths[0].text == "sys.modules['__main__'].BIG"
    assert str(p.objects[0].paths[0]) == "sys.modules['__main__'].BIG"
    by_type = s.paths(type="Node", top=2)
    assert by_type.instances == 2 and len(by_type.objects) == 2
    assert str(by_type) == cli("paths", "--type", "Node", "--top", "2", snap_file).stdout
    with pytest.raises(ValueError, match="no object with id"):
        s.paths(1)
    with pytest.raises(ValueError):
        s.paths()


def test_cycles_finds_the_garbage_pair(snap_file):
    c = heapdiff.load(snap_file).cycles(top=0)
    node = [g for g in c.groups if "__main__.Node" in g.types]
    assert node and node[0].garbage_cycles == 1
    assert str(c) == cli("cycles", "--top", "0", snap_file).stdout


def test_save_round_trips(snap_file, tmp_path):
    s = heapdiff.load(snap_file)
    for name in ("copy.json", "copy.json.gz"):
        s.save(tmp_path / name)
        t = heapdiff.load(tmp_path / name)
        assert (t.objects, t.edges, t.total_size) == (s.objects, s.edges, s.total_size)
        assert str(t.top(5)).split("\n", 1)[1] == str(s.top(5)).split("\n", 1)[1]


def test_diff_of_a_snapshot_with_itself_shows_no_growth(snap_file):
    s = heapdiff.load(snap_file)
    d = s.diff(s)
    assert isinstance(d, heapdiff.Diff)
    assert d.growth_bytes == 0 and d.suspects == []


def test_snapshot_and_diff_in_process_name_the_growing_list():
    global HOLDER
    HOLDER = []
    a = heapdiff.snapshot()
    HOLDER.extend(Leaf(i) for i in range(200))
    b = heapdiff.snapshot()
    d = a.diff(b)
    assert d.growth_bytes > 200 * 56
    assert d.suspects[0].path.endswith(".HOLDER")
    assert any(t.type.endswith("Leaf") and t.count_delta == 200 for t in d.types)
    assert str(d).startswith("before:")


def test_bad_input_is_a_snapshot_error_and_a_value_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format":"heapdiff","version":1,\n"header":{},\nnot json\n')
    with pytest.raises(heapdiff.SnapshotError) as e:
        heapdiff.load(bad)
    assert isinstance(e.value, ValueError)
    assert str(bad) in str(e.value) and ":3:" in str(e.value)


def test_a_missing_file_is_an_oserror_with_errno(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        heapdiff.load(tmp_path / "missing.json")
    assert e.value.filename == str(tmp_path / "missing.json")


def test_console_command_is_the_rust_cli(snap_file, tmp_path):
    r = cli("summary", "--top", "2", snap_file)
    assert r.returncode == 0 and r.stdout.startswith(f"{snap_file}: ") and "builtins.list" in r.stdout
    r = cli("summary", tmp_path / "missing.json")
    assert r.returncode == 2 and r.stderr.startswith("error: ")
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("heapdiff ")
    exe = Path(sys.executable).with_name("heapdiff")
    if exe.exists():
        r = subprocess.run([str(exe), snap_file, snap_file, "--fail-over", "0"], capture_output=True, text=True)
        assert r.returncode == 0 and "no growth" in r.stdout


def test_sizes_parse_like_the_cli():
    assert heapdiff.parse_size("64 KiB") == 65536
    assert heapdiff.parse_size(10) == 10
    assert heapdiff.format_size(3 * 1024 * 1024) == "3.0 MiB"
    with pytest.raises(ValueError):
        heapdiff.parse_size("lots")


def test_the_agent_and_the_package_import_without_the_native_module(tmp_path):
    prog = (
        "import sys\n"
        "sys.modules['heapdiff._native'] = None  # as if the extension was not built\n"
        "import heapdiff\n"
        "from heapdiff import agent\n"
        "st = agent.dump(sys.argv[1])\n"
        "assert st.error is None and st.objects > 1000, st\n"
        "assert issubclass(heapdiff.SnapshotError, ValueError)\n"
        "try:\n"
        "    heapdiff.load(sys.argv[1])\n"
        "except ImportError as e:\n"
        "    assert 'heapdiff.agent works without it' in str(e)\n"
        "else:\n"
        "    raise AssertionError('load needs the native module')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    subprocess.run([sys.executable, "-c", prog, str(tmp_path / "a.json")], check=True, env=env, timeout=120)
