"""`heapdiff A B` and `heapdiff trend` on real programs dumped twice by the agent.

Each program (tests/python/programs/) runs in a subprocess under programs/run.py: warm-up, dump,
more work, dump. Leaks must come out as the first suspect with the holder's path and trip
`--fail-over 64KiB`; programs that do not leak must stay under it. 64 KiB is far above what the
runner itself leaves behind between dumps (a few hundred bytes: the `stats` variable) and far below
each leak here (hundreds of KiB).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
BINARY = ROOT / "target" / "release" / "heapdiff"
FAIL_OVER = "64KiB"




def dump(program, tmp_path, count=2):
    outs = [tmp_path / f"{program}.{i}.json" for i in range(count)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "python"), str(PROGRAMS)]))
    subprocess.run(
        [sys.executable, str(PROGRAMS / "run.py"), program, *map(str, outs)],
        cwd=PROGRAMS, env=env, check=True, timeout=300,
    )
    return outs


def heapdiff(binary, *args):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=120)


def diff_json(binary, a, b, *extra):
    r = heapdiff(binary, a, b, "--json", "--top", "0", *extra)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r


def type_growth(suspect, name):
    return next((t for t in suspect["types"] if t["type"] == name), {"objects": 0, "bytes": 0})


LEAKS = [
    # program, path of the holder, a type that grew under it, its count
    ("memo_leak", "sys.modules['memo_leak']._memo", "builtins.str", 3000),
    ("lru_method", "sys.modules['lru_method'].Service.lookup", "lru_method.Service", 2000),
    ("logging_handlers", "sys.modules['logging_handlers'].log.handlers", "logging.StreamHandler", 1000),
    ("registry_leak", "sys.modules['registry_leak'].Widget._registry", "registry_leak.Widget", 3000),
    ("exception_leak", "sys.modules['exception_leak']._errors", "builtins.ValueError", 1500),
]


@pytest.mark.parametrize(("program", "path", "type_name", "count"), LEAKS, ids=[p[0] for p in LEAKS])
def test_a_leak_is_found_with_its_holder_first(heapdiff_bin, tmp_path, program, path, type_name, count):
    a, b = dump(program, tmp_path)
    d, r = diff_json(heapdiff_bin, a, b, "--fail-over", FAIL_OVER)
    top = d["suspects"][0]
    assert top["path"].startswith(path), top["path"]
    assert top["existed_before"] is True
    assert type_growth(top, type_name)["objects"] == count, top["types"]
    assert r.returncode == 1, "growth over --fail-over"
    assert d["growth"] > 64 * 1024
    assert "over --fail-over" in r.stderr


def test_the_text_answers_first_with_the_holder(heapdiff_bin, tmp_path):
    a, b = dump("memo_leak", tmp_path)
    r = heapdiff(heapdiff_bin, a, b)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    answer = lines[4]
    assert answer.startswith("+"), r.stdout
    assert "held by sys.modules['memo_leak']._memo (dict, already there before)" in answer
    assert r.stderr == ""
    # `heapdiff diff A B` is the same command
    assert heapdiff(heapdiff_bin, "diff", a, b).stdout == r.stdout


def test_many_small_lists_roll_up_into_the_dict_that_holds_them(heapdiff_bin, tmp_path):
    a, b = dump("per_user_lists", tmp_path)
    d, _ = diff_json(heapdiff_bin, a, b)
    top = d["suspects"][0]
    assert top["path"] == "sys.modules['per_user_lists']._events"
    assert top["rolled_up"] == 50
    assert top["samples"][:2] == ["['user:0']", "['user:1']"]
    assert type_growth(top, "builtins.tuple")["objects"] == 59 * 50


NOT_LEAKS = ["temporaries", "lru_full", "cleared_dict", "weak_cache"]


@pytest.mark.parametrize("program", NOT_LEAKS)
def test_no_leak_stays_under_fail_over(heapdiff_bin, tmp_path, program):
    a, b = dump(program, tmp_path)
    d, r = diff_json(heapdiff_bin, a, b, "--fail-over", FAIL_OVER)
    assert r.returncode == 0, (d["answer"], d["suspects"][:3])
    assert d["growth"] < 64 * 1024


def load_snapshot(path):
    with open(path) as f:
        doc = json.load(f)
    names = {o[0]: o[5]["n"] for o in doc["objects"] if len(o) > 5 and "n" in o[5]}
    return doc, names


def ids_of_type(path, type_name):
    doc, names = load_snapshot(path)
    return {o[0] for o in doc["objects"] if names.get(o[1]) == type_name}


def test_reused_addresses_are_new_objects_not_survivors(heapdiff_bin, tmp_path):
    # GIVEN 5,000 Items freed and 5,000 new Items allocated in another container
    a, b = dump("id_reuse", tmp_path)
    before, after = ids_of_type(a, "id_reuse.Item"), ids_of_type(b, "id_reuse.Item")
    assert len(before) == len(after) == 5000
    reused = len(before & after)
    assert reused > 1000, f"the test needs CPython to reuse addresses; only {reused} were"
    # WHEN diffed
    d, _ = diff_json(heapdiff_bin, a, b)
    # THEN every new Item is new, held by `fresh`, and none is taken for a survivor of `old`
    top = d["suspects"][0]
    assert top["path"] == "sys.modules['id_reuse'].fresh"
    assert type_growth(top, "id_reuse.Item")["objects"] == 5000
    assert d["classes"]["new"] >= 5000
    assert d["classes"]["gone"] >= 5000
    row = next(t for t in d["types"] if t["type"] == "id_reuse.Item")
    assert (row["count_before"], row["count_after"], row["count_delta"]) == (5000, 5000, 0)


def test_trend_separates_a_leak_from_a_cache_that_filled_up(heapdiff_bin, tmp_path):
    snaps = dump("trend_mix", tmp_path, count=4)
    r = heapdiff(heapdiff_bin, "trend", *snaps, "--json")
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout)
    verdicts = {h["name"]: h["verdict"] for h in t["holders"]}
    assert verdicts["sys.modules['trend_mix']._history"] == "leak"
    assert verdicts["sys.modules['trend_mix']._table"] == "saturated"
    assert t["holders"][0]["name"] == "sys.modules['trend_mix']._history"
    text = heapdiff(heapdiff_bin, "trend", *snaps).stdout
    assert "sys.modules['trend_mix']._history grows in every interval" in text


def test_snapshots_of_two_processes_are_warned_about(heapdiff_bin, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a, _ = dump("memo_leak", tmp_path / "one")
    b, _ = dump("memo_leak", tmp_path / "two")
    r = heapdiff(heapdiff_bin, a, b)
    assert r.returncode == 0
    assert r.stderr.startswith("warning: ") and "different processes" in r.stderr
    r = heapdiff(heapdiff_bin, b, a)
    assert "swap the arguments" in r.stderr
