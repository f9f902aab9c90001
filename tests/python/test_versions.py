"""What every supported CPython (3.11-3.15) must give, whichever runs this suite (issue 10): the
native walker runs (no silent fallback), each snapshot says which walker wrote it, the
interpreter's own tables are named and kept out of the holders, and a layout part that could not be
verified is said on stderr by every report."""
import json
import subprocess
import sys
import textwrap

import pytest

import heapdiff
from heapdiff import agent


def run(code, tmp_path):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_native_walker_runs_on_this_python():
    # 3.11 to 3.15 are supported: a missing walker is a failure here, never a skip
    assert (3, 11) <= sys.version_info[:2] <= (3, 15)
    assert heapdiff._native.native_walker_unsupported() is None
    snap = heapdiff.snapshot(walker="native")
    assert snap.header["walker"] == "native"
    assert heapdiff.snapshot(walker="python").header["walker"] == "python"


def test_every_layout_part_is_verified_on_this_python():
    assert agent.layout_status() == {p: True for p in ("keys", "member", "type", "func", "code", "frame", "gen")}


def test_a_free_threaded_build_is_refused_with_the_reason(tmp_path):
    out = run("""
        import json
        import heapdiff
        from heapdiff import agent
        agent._FREE_THREADED = True   # as on a free-threaded build, which none here is
        def error(f):
            try:
                f()
            except RuntimeError as e:
                return str(e)
        why = heapdiff._native.native_walker_unsupported()
        native = error(lambda: heapdiff.snapshot(walker="native"))
        auto = error(lambda: heapdiff.snapshot())
        print(json.dumps([why, native, auto, heapdiff._native.dump("x.json").error, agent.dump("y.json").error]))
    """, tmp_path)
    why, native, auto, native_dump, agent_dump = json.loads(out)
    assert why == "free-threaded CPython is not supported yet (docs/LAYOUT.md)"
    assert native == "the native walker cannot run here: " + why
    assert auto == "heapdiff.agent could not take the snapshot: free-threaded CPython is not supported yet"
    assert native_dump.endswith(why) and agent_dump.startswith("free-threaded CPython is not supported yet")
    assert list(tmp_path.iterdir()) == []


def test_without_the_native_walker_the_header_says_the_agent_ran(tmp_path):
    out = run("""
        import json
        import heapdiff
        real = heapdiff._native

        class Unsupported:  # the extension where its walker cannot run (an untested Python)
            def __getattr__(self, name):
                return getattr(real, name)

            def native_walker_unsupported(self):
                return "simulated"

        heapdiff._api._native = Unsupported()
        try:
            heapdiff.snapshot(walker="native")
            native = None
        except RuntimeError as e:
            native = str(e)
        print(json.dumps([native, heapdiff.snapshot().header["walker"]]))
    """, tmp_path)
    native, walker = json.loads(out)
    assert native == "the native walker cannot run here: simulated"
    assert walker == "python"


@pytest.mark.parametrize("walker", ["agent", "native"])
def test_interned_strings_are_named_and_never_a_holder(heapdiff_bin, tmp_path, walker):
    run(f"""
        import heapdiff
        from heapdiff import agent
        (agent.dump if {walker!r} == "agent" else heapdiff.dump)("snap.json")
    """, tmp_path)
    snap = tmp_path / "snap.json"
    header = json.loads(snap.read_text().split("\n")[1][len('"header":'):].rstrip(","))
    top = json.loads(subprocess.run([str(heapdiff_bin), "top", str(snap), "--top", "0", "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    if sys.version_info >= (3, 14):  # the collector tracks the interpreter's interned strings
        interned = header["internals"]["interned_strings"]
        assert top["roots"]["internal"] == 1
        assert interned not in {h["id"] for h in top["holders"]}
        shown = json.loads(subprocess.run([str(heapdiff_bin), "show", str(snap), str(interned), "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        assert shown["paths"][0]["text"] == "<interned strings>"
    else:
        assert "internals" not in header and top["roots"]["internal"] == 0
    assert not any(h["path"].startswith("<unreferenced builtins.dict") and h["retained_size"] > 200_000
                   for h in top["holders"])


def test_reports_say_what_an_unverified_layout_left_out(heapdiff_bin, tmp_path):
    run("""
        from heapdiff import agent
        agent._L.pop("keys")   # as if the attribute layout failed its self-check
        agent.dump("snap.json")
    """, tmp_path)
    done = subprocess.run([str(heapdiff_bin), "summary", str(tmp_path / "snap.json")], capture_output=True, text=True)
    assert done.returncode == 0
    version = ".".join(map(str, sys.version_info[:3]))
    assert done.stderr.count("\n") == 1
    assert f"note: {tmp_path / 'snap.json'}: attribute names unavailable on CPython {version}" in done.stderr


@pytest.mark.parametrize("walker", ["agent", "native"])
def test_a_dump_takes_no_reference_to_dead_objects_of_a_free_list(tmp_path, walker):
    # 3.12's _asyncio visits its free list of dead future iterators from its module's traverse: a
    # walker that kept a reference to one freed it twice, and the next collection looped forever
    run(f"""
        import asyncio, gc
        import heapdiff
        from heapdiff import agent

        async def main():
            for _ in range(5):
                fut = asyncio.get_running_loop().create_future()
                asyncio.get_running_loop().call_soon(fut.set_result, 1)
                await fut   # its iterator goes to the free list
        asyncio.run(main())
        st = (agent.dump if {walker!r} == "agent" else heapdiff.dump)("snap.json")
        assert st.error is None, st.error
        gc.collect()
        print("collected")
    """, tmp_path)
