"""Cost of a guarded test that does not leak, in a process of about 283,000 objects (OBJECTS=200000
plus pytest). Run from bench/fixture_cost/, each line prints the median time of the test call:

    OBJECTS=200000 MODE=base     python -m pytest -q -s -p no:cacheprovider -p no:memray
    OBJECTS=200000 MODE=heapdiff python -m pytest -q -s -p no:cacheprovider -p no:memray --heapdiff
    OBJECTS=200000 MODE=marker   python -m pytest -q -s -p no:cacheprovider -p no:memray
    OBJECTS=200000 MODE=memray   python -m pytest -q -s -p no:cacheprovider --memray   # pytest-memray limit_leaks
"""
import gc, os, statistics, sys, time
import pytest
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import heap
HEAP = heap.build(int(os.environ.get("OBJECTS", "300000")))
gc.collect()
TIMES = []

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    t = time.perf_counter()
    yield
    TIMES.append(time.perf_counter() - t)

def pytest_sessionfinish(session):
    objs = len(gc.get_objects())
    t = sorted(TIMES)
    print("\nRESULT mode=%s tests=%d median_ms=%.3f mean_ms=%.3f tracked=%d" % (
        os.environ.get("MODE"), len(t), statistics.median(t) * 1000, statistics.mean(t) * 1000, objs))
