"""A dump leaves nothing behind for the cycle collector: no cyclic garbage made by the agent."""
import gc
import subprocess
import sys
import textwrap
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[2] / "python"


def test_a_dump_leaves_no_cyclic_garbage(tmp_path):
    # GIVEN a process whose garbage is collected, WHEN it dumps twice (the first dump imports what
    # the agent needs), THEN the collector finds nothing the second dump left unreachable.
    code = textwrap.dedent(f"""
        import gc, sys
        sys.path.insert(0, {str(PYTHON_DIR)!r})
        import heapdiff.agent as A
        A.dump({str(tmp_path / 'a.json')!r})
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        st = A.dump({str(tmp_path / 'b.json')!r})
        assert st.error is None, st.error
        gc.collect()
        kinds = sorted({{type(o).__name__ for o in gc.garbage}})
        print(len(gc.garbage), kinds)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []", out.stdout
