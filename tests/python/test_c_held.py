"""Classes kept by C (extension-module state) are roots, not cyclic garbage: a heap whose garbage was
collected reports none, while a real garbage cycle is still reported as garbage."""
import json
import subprocess
import sys
import textwrap

from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[2] / "python"


def dump(tmp_path, body):
    out = tmp_path / "snap.json"
    code = textwrap.dedent(f"""
        import gc, sys, ast, ctypes
        sys.path.insert(0, {str(PYTHON_DIR)!r})
        import heapdiff.agent as A
        gc.disable()
    """) + textwrap.dedent(body) + f"\nA.dump({str(out)!r})\n"
    subprocess.run([sys.executable, "-c", code], check=True)
    return out


def run_json(binary, *args):
    out = subprocess.run([str(binary), *map(str, args), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.xfail(sys.version_info[:2] == (3, 12), strict=True, reason=(
    "3.12's _ctypes caches array types in a C static dict in a cycle with a DictRemover and a weakref "
    "proxy (made by the agent's own ctypes reads): held from C, reported as garbage until the agent "
    "records refcounts (issue 14, point 5)"))
def test_collected_heap_has_no_cyclic_garbage(tmp_path, heapdiff_bin):
    snap = dump(tmp_path, "gc.collect()\n")
    cycles = run_json(heapdiff_bin, "cycles", snap)
    assert cycles["garbage_objects"] == 0, cycles


def test_classes_kept_by_c_are_roots_in_the_service_snapshot(heapdiff_bin):
    # The bundled service (http.server, ssl, ...) has classes no Python object refers to: without
    # the rule they were 752 objects of "cyclic garbage" that gc.collect() does not free.
    snap = Path(__file__).resolve().parents[2] / "snapshots" / "service-3.json.gz"
    top = run_json(heapdiff_bin, "top", snap)
    assert top["roots"]["c_held"] > 0, top["roots"]
    assert top["unreachable_objects"] == 0, top["unreachable_objects"]


@pytest.mark.xfail(sys.version_info[:2] == (3, 12), strict=True, reason=(
    "3.12's _ctypes caches array types in a C static dict in a cycle with a DictRemover and a weakref "
    "proxy (made by the agent's own ctypes reads): held from C, reported as garbage until the agent "
    "records refcounts (issue 14, point 5)"))
def test_a_dropped_instance_cycle_is_still_garbage(tmp_path, heapdiff_bin):
    snap = dump(tmp_path, """
        gc.collect()
        class Node:
            pass
        a, b = Node(), Node()
        a.other, b.other = b, a
        keep = Node
        del a, b
    """)
    cycles = run_json(heapdiff_bin, "cycles", snap)
    assert cycles["garbage_objects"] == 2, cycles
