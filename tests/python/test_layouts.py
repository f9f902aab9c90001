"""The agent's CPython layout tables (docs/LAYOUT.md), on whatever CPython runs this file: 3.11 to 3.15.

Every test here runs on every version: a layout part that fails its self-check fails them, it does
not skip.  Only the agent is needed (PYTHONPATH=python); snapshots are read with the heapdiff binary
named by HEAPDIFF_BIN (default target/release/heapdiff), never through heapdiff._native.

GIVEN tests/python/programs/layouts.py dumped by the agent from inside a running function,
THEN its snapshot has the labels, sizes and names that need the layout."""
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from heapdiff import agent  # noqa: E402

PROGRAM = ROOT / "tests" / "python" / "programs" / "layouts.py"
PARTS = ("keys", "member", "type", "func", "code", "frame", "gen")
VERSION = sys.version_info[:2]


def _bin():
    b = Path(os.environ.get("HEAPDIFF_BIN") or ROOT / "target" / "release" / "heapdiff")
    if not b.is_absolute():
        b = ROOT / b
    if not b.exists():
        pytest.fail(f"no heapdiff binary at {b}: build it or set HEAPDIFF_BIN")
    return b


def heapdiff(*args):
    """Run the binary with --json; its parsed output."""
    r = subprocess.run([str(_bin()), *map(str, args), "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    """(snapshot path, facts the program measured, the snapshot parsed)."""
    d = tmp_path_factory.mktemp("layouts")
    snap, facts = d / "heap.json", d / "facts.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    r = subprocess.run([sys.executable, str(PROGRAM), str(snap), str(facts)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    f = json.loads(facts.read_text(encoding="utf-8"))
    assert f["error"] is None, f["error"]
    return snap, f, json.loads(snap.read_text(encoding="utf-8"))


def records(data):
    """{id: [id, type, size, refs, labels, extra]}."""
    return {r[0]: r for r in data["objects"]}


def ref_labels(data, rec):
    labels = data["labels"]
    labs = rec[4] if len(rec) > 4 and rec[4] else [0] * len(rec[3])
    return [labels[i] for i in labs]


def shown_labels(snap, oid):
    return {r["label"] for r in heapdiff("show", snap, oid, "--limit", "100")["referents"]}


# -- every part verified -------------------------------------------------------------------------

def test_every_layout_part_is_verified_on_this_version():
    assert VERSION in agent._LAYOUTS, f"no layout table for CPython {VERSION}"
    assert agent.layout_failed() == {}
    assert sorted(agent.layout_status()) == sorted(PARTS)


def test_every_layout_part_is_verified_in_the_dumped_program(dumped):
    _snap, f, data = dumped
    assert f["layout_failed"] == {}
    assert sorted(p for p, ok in f["layout_status"].items() if ok) == sorted(PARTS)
    assert data["header"]["ctypes_layout"] == sorted(PARTS)
    assert "ctypes_layout_failed" not in data["header"]


def test_layout_offsets_hold_only_verified_parts_and_documented_names():
    offs = agent.layout_offsets()
    allowed = set()
    for part in agent.layout_status():
        allowed.update(agent._PART_NAMES[part])
    assert offs and set(offs) <= allowed
    assert all(type(v) is int or type(v) is str for v in offs.values())
    doc = (ROOT / "docs" / "LAYOUT.md").read_text(encoding="utf-8")
    missing = [n for n in offs if f"`{n}`" not in doc]
    assert not missing, f"names not in docs/LAYOUT.md: {missing}"


def test_a_failed_part_is_left_out_of_layout_offsets(monkeypatch):
    # GIVEN the code part failed its check THEN neither it nor the parts that name locals with it export
    monkeypatch.setattr(agent, "_L", {})
    monkeypatch.setattr(agent, "_LFAIL", {})
    monkeypatch.setattr(agent, "_LAY", {})
    layouts = {k: dict(v) for k, v in agent._LAYOUTS.items()}
    layouts[VERSION]["co_consts"] += 8  # a wrong offset
    monkeypatch.setattr(agent, "_LAYOUTS", layouts)
    agent._init_layout()
    assert set(agent.layout_failed()) == {"code", "frame", "gen"}
    assert "co_consts" not in agent.layout_offsets() and "if_code" not in agent.layout_offsets()
    assert agent.layout_status().get("keys")


def test_an_unknown_version_enables_no_part(monkeypatch):
    monkeypatch.setattr(agent, "_L", {})
    monkeypatch.setattr(agent, "_LFAIL", {})
    monkeypatch.setattr(agent, "_LAY", {})
    monkeypatch.setattr(agent, "_LAYOUTS", {})
    agent._init_layout()
    assert agent.layout_status() == {} and agent.layout_offsets() == {}


# -- labels --------------------------------------------------------------------------------------

def test_attribute_labels(dumped):
    snap, f, _ = dumped
    assert {".alpha", ".beta", ".gamma"} <= shown_labels(snap, f["plain"])
    paths = heapdiff("paths", snap, "--type", "Plain", "--top", "1")
    assert any("local 'plains'[" in p["text"] for obj in paths["objects"] for p in obj["paths"]), paths


def test_attributes_of_an_instance_whose_dict_the_program_made(dumped):
    snap, f, data = dumped
    rec = records(data)[f["dicted"]]
    assert ".__dict__" in ref_labels(data, rec)
    assert rec[5]["a"] == "dict"
    assert "['delta']" in shown_labels(snap, [r for r, lb in zip(rec[3], ref_labels(data, rec))
                                              if lb == ".__dict__"][0])


def test_slot_labels(dumped):
    snap, f, _ = dumped
    assert {".sx", ".sy"} <= shown_labels(snap, f["slotted"])


def test_generator_and_coroutine_locals(dumped):
    snap, f, _ = dumped
    assert "local 'batch'" in shown_labels(snap, f["gen"])
    assert {"local 'request'", "local 'pending'"} <= shown_labels(snap, f["coro"])


def test_running_frame_locals_under_the_thread_name(dumped):
    snap, f, _ = dumped
    texts = [p["text"] for p in heapdiff("show", snap, f["running_local"])["paths"]]
    assert "<thread MainThread> frame main() local 'running_local'" in texts, texts


def test_root_frames_are_named_by_thread_name(dumped):
    _snap, _f, data = dumped
    frames = [r[2] for r in data["roots"] if r[1] == "frame"]
    assert frames and all(n.startswith("<thread MainThread> frame ") for n in frames), frames


def test_c_type_fields(dumped):
    snap, f, _ = dumped
    assert {".func", ".args"} <= shown_labels(snap, f["partial"])


def test_code_objects_have_their_referents(dumped):
    snap, f, data = dumped
    labs = set(ref_labels(data, records(data)[f["code"]]))
    assert {".co_consts", ".co_names", ".co_exceptiontable", ".co_localsplusnames", ".co_localspluskinds",
            ".co_filename", ".co_name", ".co_qualname", ".co_linetable"} <= labs
    assert {".co_consts", ".co_linetable"} <= shown_labels(snap, f["code"])


def test_function_and_type_fields(dumped):
    _snap, _f, data = dumped
    labs = set()
    for rec in data["objects"]:
        labs.update(ref_labels(data, rec))
    assert {".__code__", ".__globals__", ".__qualname__", ".__dict__", ".__mro__", ".__subclasses__"} <= labs


# -- sizes ---------------------------------------------------------------------------------------

def test_instance_sizes_equal_tracemalloc(dumped):
    _snap, f, data = dumped
    recs = records(data)
    # instances 0 and 1 also pay for the class's shared keys and the interpreter's specialization
    diffs = []
    for oid, measured in f["tracemalloc_plain"][2:]:
        rec = recs[oid]
        diffs.append(measured - rec[2] - (rec[5].get("i", 0) if len(rec) > 5 else 0))
    off = [(k + 2, d) for k, d in enumerate(diffs) if d]
    if VERSION >= (3, 13):
        # capacity is stored; one instance, the one whose creation brought the keys' dk_usable down to
        # 1, was allocated one slot larger than its capacity says and cannot be told from the next
        assert len(off) <= 1 and all(0 < d <= 16 for _k, d in off), off
    else:
        # 3.11/3.12: the values array's capacity is not stored: exact once the shared keys have no
        # room left (steady state), within its 8-pointer rounding while they had
        assert all(k < 30 and abs(d) < 64 for k, d in off), off


def test_inline_values_counted_once_on_313_and_later(dumped):
    _snap, f, data = dumped
    rec = records(data)[f["plain"]]
    assert rec[5]["a"] == "inline"
    assert rec[5]["i"] > 0


# -- nothing created -----------------------------------------------------------------------------

def test_no_instance_gained_a_dict(dumped):
    # the managed-dict word, read with ctypes by the program before and after its dump (never __dict__)
    _snap, f, _ = dumped
    assert f["words_after"] == f["words_before"]
    if f["layout_offsets"]["attr_scheme"] == "dorv312":
        assert all(w & 1 for w in f["words_after"])  # tagged values pointer: no dict
    else:
        assert all(w == 0 for w in f["words_after"])


# -- header --------------------------------------------------------------------------------------

def test_header_records_gc_with_its_generations(dumped):
    _snap, _f, data = dumped
    g = data["header"]["gc"]
    assert g["generations"] == len(g["stats"]) == len(gc.get_stats())
    assert len(g["count"]) == len(gc.get_count()) and len(g["threshold"]) == len(gc.get_threshold())


def test_interned_strings_dict_is_named(dumped):
    _snap, _f, data = dumped
    internals = data["header"].get("internals", {})
    named = [r for r in data["roots"] if r[2] == "<interned strings>"]
    if VERSION < (3, 14):
        assert "interned_strings" not in internals and not named
        return
    isd = internals["interned_strings"]
    assert named == [[isd, "unreferenced", "<interned strings>"]]
    rec = records(data)[isd]
    assert len(rec[3]) > 1000  # key, value pairs: thousands of strings


# -- free-threaded builds ------------------------------------------------------------------------

def test_free_threaded_build_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(agent, "_FREE_THREADED", True)
    out = tmp_path / "heap.json"
    st = agent.dump(str(out))
    assert st.error == "free-threaded CPython is not supported yet"
    assert st.path is None and not out.exists()


def test_free_threaded_detection_on_this_build():
    import sysconfig

    assert agent._free_threaded() is bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
