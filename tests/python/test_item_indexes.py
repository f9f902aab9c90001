"""Paths name the right item of lists, tuples, deques and numpy object arrays (issue 11): both walkers
write the items of lists and tuples in index order (their tp_traverse visits them last first), and
every report that prints a path prints the index the program uses."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parent / "programs"
MAIN = "sys.modules['__main__']."
EXPECTED = {"L": "L[2]", "T": "T[0]", "D": "D[3]", "ITEMS": "ITEMS[500]", "A": "A[4]", "HOLD": "HOLD[2]"}


def heapdiff(binary, *args):
    done = subprocess.run([str(binary), *map(str, args), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module", params=["agent", "native"])
def dumped(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"indexes-{request.param}")
    files = [out / "s1.json", out / "s2.json", out / "side.json"]
    subprocess.run([sys.executable, str(PROGRAMS / "item_indexes.py"), *map(str, files), request.param],
                   check=True, timeout=300, cwd=out)
    side = json.loads(files[2].read_text())
    assert set(side) == set(EXPECTED), "numpy is a test requirement (requirements-test.txt)"
    return files[0], files[1], side


def test_paths_and_show_print_the_index_the_program_uses(heapdiff_bin, dumped):
    s1, _s2, side = dumped
    for name, oid in side.items():
        shown = heapdiff(heapdiff_bin, "paths", s1, "--id", oid)
        assert shown["objects"][0]["paths"][0]["text"] == MAIN + EXPECTED[name], name
        shown = heapdiff(heapdiff_bin, "show", s1, oid)
        assert shown["paths"][0]["text"] == MAIN + EXPECTED[name], name


def test_show_labels_the_referents_of_a_list_by_index(heapdiff_bin, dumped):
    s1, _s2, side = dumped
    shown = heapdiff(heapdiff_bin, "show", s1, side["ITEMS"])
    parent = next(r for r in shown["referrers"] if r["type"] == "builtins.list")
    assert parent["label"] == "[500]"
    listing = heapdiff(heapdiff_bin, "show", s1, parent["id"], "--limit", "3")
    assert [r["label"] for r in listing["referents"]] == ["[0]", "[1]", "[2]"]


def test_top_prints_the_index_of_each_big_holder(heapdiff_bin, dumped):
    s1, _s2, _side = dumped
    top = heapdiff(heapdiff_bin, "top", s1, "--top", "0")
    paths = {h["path"] for h in top["holders"]}
    for name in ("L", "T", "D", "A"):
        # each Big passes its size through to its blob, the holder top names
        assert MAIN + EXPECTED[name] + ".blob" in paths, name


def test_the_diff_names_the_growing_list_by_its_index(heapdiff_bin, dumped):
    s1, s2, _side = dumped
    d = heapdiff(heapdiff_bin, s1, s2)
    assert d["suspects"][0]["path"] == MAIN + EXPECTED["HOLD"], d["suspects"][0]


def test_files_of_earlier_writers_read_their_reversed_items_right(heapdiff_bin, dumped, tmp_path):
    # GIVEN the agent's file rewritten as writers before item_order wrote it: no header field, the
    # refs (and labels) of exact lists and tuples last item first
    s1, _s2, side = dumped
    lines = s1.read_text().split("\n")
    header = json.loads(lines[1][len('"header":'):].rstrip(","))
    assert header.pop("item_order") == "index"
    lines[1] = '"header":' + json.dumps(header, separators=(",", ":")) + ","
    types = {}
    for i, line in enumerate(lines):
        if not line.startswith("["):
            continue
        rec = json.loads(line.rstrip(","))
        if isinstance(rec, list) and len(rec) >= 4 and isinstance(rec[0], int) and isinstance(rec[3], list):
            types[rec[0]] = (i, rec)
    seq_types = {oid for oid, (_i, rec) in types.items() if rec[5:6] and rec[5].get("n") in ("builtins.list", "builtins.tuple")}
    assert len(seq_types) == 2
    for oid, (i, rec) in types.items():
        if rec[1] in seq_types:
            rec[3].reverse()
            if len(rec) > 4 and rec[4]:
                rec[4].reverse()
            lines[i] = json.dumps(rec, separators=(",", ":")) + ("," if lines[i].endswith(",") else "")
    old = tmp_path / "old.json"
    old.write_text("\n".join(lines))
    # THEN the paths read the same indexes
    for name in ("L", "T", "ITEMS", "HOLD"):
        shown = heapdiff(heapdiff_bin, "paths", old, "--id", side[name])
        assert shown["objects"][0]["paths"][0]["text"] == MAIN + EXPECTED[name], name
