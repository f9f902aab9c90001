"""pytest plugin (entry point ``pytest11``): fail tests whose repeated calls keep growing the heap.

Inert until used: nothing happens unless a test asks for the ``heapdiff`` fixture, carries the
``heapdiff`` marker, or pytest runs with ``--heapdiff`` (or ``heapdiff = true`` in the ini file).

* fixture ``heapdiff``: ``heapdiff.check(func, *args, rounds=5, warmup=1, max_growth="0 B")`` and
  ``with heapdiff.guard(max_growth="64 KiB"): ...``;
* marker ``@pytest.mark.heapdiff(max_growth="0 B", rounds=3, warmup=1)``: the whole test is the
  function called again and again (its fixtures are set up once);
* ``--heapdiff``: every test is guarded as if it carried the marker, with ``--heapdiff-max-growth``.

How a leak is decided: heapdiff/_leaks.py and docs/PYTHON.md.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator, Optional, Union

import pytest

from heapdiff._leaks import CheckResult, check_calls, guard_block

MARKER = "heapdiff"
#: Whole-test guards (marker, --heapdiff) call the test ``warmup + rounds`` times.
TEST_ROUNDS = 3
TEST_WARMUP = 1


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("heapdiff", "heap growth checks (heapdiff)")
    group.addoption(
        "--heapdiff", action="store_true", default=None,
        help="guard every test: call it again and again and fail it when the heap keeps growing",
    )
    parser.addini("heapdiff", type="bool", default=False, help="guard every test (as --heapdiff)")
    group.addoption(
        "--heapdiff-max-growth", default=None, metavar="SIZE",
        help="growth per call allowed in guarded tests (`0 B`, `4 KiB`); default 0 B",
    )
    parser.addini("heapdiff_max_growth", default="0 B", help="growth per call allowed in guarded tests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "heapdiff(max_growth='0 B', rounds=3, warmup=1): call the test warmup + rounds times and fail it "
        "when the heap keeps growing by more than max_growth per call",
    )


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    return value if value is not None else config.getini(name)


def _guard_options(item: pytest.Item) -> Optional[dict]:
    marker = item.get_closest_marker(MARKER)
    if marker is None and not _option(item.config, "heapdiff"):
        return None
    opts = {"max_growth": _option(item.config, "heapdiff_max_growth"), "rounds": TEST_ROUNDS, "warmup": TEST_WARMUP}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.heapdiff takes keyword arguments only")
        unknown = set(marker.kwargs) - set(opts)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown @pytest.mark.heapdiff argument(s): {sorted(unknown)}")
        opts.update(marker.kwargs)
    return opts


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Optional[bool]:
    opts = _guard_options(pyfuncitem)
    if opts is None:
        return None
    testfunction = pyfuncitem.obj
    if inspect.iscoroutinefunction(testfunction) or inspect.isasyncgenfunction(testfunction):
        return None  # left to the async plugin; not guarded
    funcargs = pyfuncitem.funcargs
    testargs = {arg: funcargs[arg] for arg in pyfuncitem._fixtureinfo.argnames}
    result = check_calls(testfunction, (), testargs, what=pyfuncitem.name, **opts)
    if result.leaked:
        pytest.fail(result.message, pytrace=False)
    return True


class HeapdiffFixture:
    """The ``heapdiff`` fixture: leak checks inside a test."""

    def __init__(self, node: pytest.Item) -> None:
        self._node = node
        self.results: list = []

    def check(self, func: Callable[..., Any], *args: Any, rounds: int = 5, warmup: int = 1,
              max_growth: Union[int, str] = "0 B", **kwargs: Any) -> CheckResult:
        """Call ``func(*args, **kwargs)`` ``warmup`` times, then ``rounds`` times while measuring;
        fail the test when the heap keeps growing by more than ``max_growth`` per call."""
        result = check_calls(func, args, kwargs, rounds=rounds, warmup=warmup, max_growth=max_growth)
        self.results.append(result)
        if result.leaked:
            pytest.fail(result.message, pytrace=False)
        return result

    def guard(self, max_growth: Union[int, str] = "64 KiB") -> "_Guard":
        """``with heapdiff.guard(): ...``: fail the test when the block grew the heap by more than
        ``max_growth`` (no warm-up: the block runs once)."""
        return _Guard(self, max_growth)


class _Guard(guard_block):
    def __init__(self, owner: HeapdiffFixture, max_growth: Union[int, str]) -> None:
        super().__init__(max_growth)
        self._owner = owner

    def __exit__(self, et: Any, ev: Any, tb: Any) -> None:
        super().__exit__(et, ev, tb)
        if self.result is not None:
            self._owner.results.append(self.result)
            if self.result.leaked:
                pytest.fail(self.result.message, pytrace=False)


@pytest.fixture
def heapdiff(request: pytest.FixtureRequest) -> Iterator[HeapdiffFixture]:
    """Leak checks: ``heapdiff.check(func, *args, rounds=5, warmup=1, max_growth="0 B")`` and
    ``with heapdiff.guard(max_growth="64 KiB"): ...``."""
    yield HeapdiffFixture(request.node)
