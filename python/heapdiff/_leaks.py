"""Deciding whether calling something again and again keeps growing the heap.

The rule (docs/PYTHON.md, "How a leak is decided"):

1. **Warm-up**: call ``warmup`` times and forget what that grew (caches filling, imports done on
   first call, interned strings, type caches, specialized bytecode).
2. **Census** (cheap): freeze the objects that exist now (``gc.freeze``: collections then scan only
   newer ones, so they stay fast on a large heap), then ``rounds`` times: call, ``gc.collect()``,
   read two process-wide counters: pymalloc's allocated blocks (every object of up to 512 bytes)
   and the C heap's bytes in use (``mallinfo2``; bigger objects). No growth beyond the allowance:
   pass. This is all a test that does not leak pays.
3. **Confirmation** (only when the census grew): snapshot A, ``rounds`` calls, snapshot B,
   ``rounds`` calls, snapshot C (each after ``gc.collect()``). It leaks only if the growth held by
   suspects (objects that existed before and hold new ones, heapdiff's diff) is over
   ``max_growth`` per round in **both** intervals: growth that stops (a cache that filled up, an
   import done once) passes. Holders reached only through heapdiff's own frames are ignored,
   and so are objects kept only by pytest's frames (they do not change between A, B and C).
"""

from __future__ import annotations

import gc
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Union

from heapdiff._api import Snapshot, _heapdiff_take, format_size, parse_size
from heapdiff._results import Diff, Suspect

__all__ = ["CheckResult", "check_calls", "guard_block", "leak_message"]

#: A pymalloc block holds an object of at most this many bytes: a growth of n blocks is at most
#: n * 512 bytes, so the census never under-estimates (it only decides when to look closer).
_BLOCK = 512
#: Path prefix of the frames that are heapdiff's own (their functions are named `_heapdiff_*`).
_OWN_FRAME = "frame _heapdiff_"


def _malloc_reader() -> Callable[[], int]:
    """Bytes in use in the C heap (glibc ``mallinfo2``: ordinary + mmapped chunks), or 0 elsewhere."""
    try:
        import ctypes

        class _MallInfo2(ctypes.Structure):
            _fields_ = [(n, ctypes.c_size_t) for n in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                "keepcost")]

        fn = ctypes.CDLL(None).mallinfo2
        fn.restype = _MallInfo2

        def read() -> int:
            m = fn()
            return int(m.uordblks + m.hblkhd)

        read()
        return read
    except Exception:
        return lambda: 0


_malloc_in_use = _malloc_reader()
_blocks = sys.getallocatedblocks
_warmed = False


@dataclass
class CheckResult:
    """What a check found. ``leaked`` is the verdict; ``message`` explains it (empty when it passed)."""

    leaked: bool
    rounds: int
    max_growth: int
    #: Upper bound of the growth per round the census saw (bytes).
    census_growth: int
    #: Whether the snapshots were taken (the census showed growth).
    confirmed_with_snapshots: bool = False
    #: Growth per round held by suspects, in each interval (when snapshots were taken).
    growth_per_round: List[int] = field(default_factory=list)
    diff: Optional[Diff] = field(default=None, repr=False)
    message: str = ""


def _census(out: "array[int]", i: int) -> None:
    out[2 * i] = _blocks()
    out[2 * i + 1] = _malloc_in_use()


def _census_growth(c: "array[int]", a: int, b: int) -> int:
    blocks = c[2 * b] - c[2 * a]
    heap = c[2 * b + 1] - c[2 * a + 1]
    return max(0, blocks) * _BLOCK + max(0, heap)


def _heapdiff_snapshot(exclude: List[int]) -> Snapshot:
    gc.collect()
    return _heapdiff_take(tuple(exclude))


def _heapdiff_warm_machinery() -> None:
    """Take and drop one snapshot: the first one imports and caches what later ones reuse, which
    would otherwise look like growth between A and B."""
    global _warmed
    if not _warmed:
        s = _heapdiff_snapshot([])
        s.diff(s)
        _warmed = True


def _ids(s: Snapshot) -> List[int]:
    """Ids of a snapshot's own Python objects, left out of the next snapshot."""
    return [id(s), id(s._native)]


def own_growth(d: Diff) -> List[Suspect]:
    """The suspects of ``d`` that are not heapdiff's own machinery."""
    return [s for s in d.suspects if _OWN_FRAME not in s.path.split(" local ", 1)[0]]


def _growth(d: Diff) -> int:
    return sum(max(0, s.bytes) for s in own_growth(d))


def leak_message(what: str, d: Diff, rounds: int, per_round: int, max_growth: int) -> str:
    """The failure text: reads like ``heapdiff A B`` and stays under 30 lines."""
    lines = [f"heapdiff: {what} grew the heap by {format_size(per_round)} per round over {rounds} rounds "
             f"(max_growth {format_size(max_growth)})"]
    sus = own_growth(d)
    if sus:
        s = sus[0]
        origin = "existed before" if s.existed_before else "new"
        lines.append(f"held by {s.path} ({s.type.removeprefix('builtins.')}, {origin}): "
                     f"{s.objects:+,} objects, +{format_size(max(0, s.bytes))}")
        if s.samples:
            lines.append(f"  e.g. {', '.join(s.samples[:5])}")
    grew: dict = {}
    for s in sus:
        for t in s.types:
            n, b = grew.get(t.type, (0, 0))
            grew[t.type] = (n + t.objects, b + t.bytes)
    top = sorted(((b, n, name) for name, (n, b) in grew.items() if b > 0), reverse=True)[:5]
    if top:
        parts = [f"{name.removeprefix('builtins.')} {n:+,} (+{format_size(b)})" for b, n, name in top]
        lines.append("types that grew: " + ", ".join(parts))
    if len(sus) > 1:
        lines.append("suspects:")
        for i, s in enumerate(sus[:8], 1):
            lines.append(f"  {i}. +{format_size(max(0, s.bytes))} {s.objects:+,} objects  {s.path}  "
                         f"({s.type.removeprefix('builtins.')})")
    return "\n".join(lines)


def check_calls(func: Callable[..., Any], args: tuple = (), kwargs: Optional[dict] = None, *, rounds: int = 5,
                warmup: int = 1, max_growth: Union[int, str] = 0, what: Optional[str] = None) -> CheckResult:
    """Call ``func(*args, **kwargs)`` ``warmup + rounds`` times (more when the census grew) and
    decide whether the heap keeps growing (module docstring)."""
    return _heapdiff_check(func, args, kwargs or {}, rounds, warmup, parse_size(max_growth), what)


def _heapdiff_check(func: Callable[..., Any], args: tuple, kwargs: dict, rounds: int, warmup: int, limit: int,
                    what: Optional[str]) -> CheckResult:
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, not {rounds}")
    what = what or getattr(func, "__qualname__", None) or "the call"
    for _ in range(max(0, warmup)):
        func(*args, **kwargs)
    # 1. census: two counters per round, stored in a preallocated array (no objects kept).
    c = array("q", bytes(8 * 2 * (rounds + 1)))
    frozen = False
    try:
        # Freeze first, then collect: garbage that exists now is frozen with the rest and stays
        # constant, and the collection scans only what is not frozen (a full collection of a large
        # heap is the one cost a census must not pay) but still empties the free lists, as the
        # collections after each round do.
        gc.freeze()
        frozen = True
        gc.collect()
        # A `while` loop: a `for` loop's iterator would be one more live block than at the baseline.
        i = 0
        _census(c, 0)
        while i < rounds:
            i += 1
            func(*args, **kwargs)
            gc.collect()
            _census(c, i)
    finally:
        if frozen:
            gc.unfreeze()
    census = _census_growth(c, 0, rounds) // rounds
    if census <= limit:
        return CheckResult(False, rounds, limit, census)
    # 2. confirmation with snapshots A, B, C.
    _heapdiff_warm_machinery()
    a = _heapdiff_snapshot([])
    for _ in range(rounds):
        func(*args, **kwargs)
    b = _heapdiff_snapshot(_ids(a))
    for _ in range(rounds):
        func(*args, **kwargs)
    c2 = _heapdiff_snapshot(_ids(a) + _ids(b))
    d1 = a.diff(b, top=0)
    d2 = b.diff(c2, top=0)
    del a, b, c2
    g = [_growth(d1) // rounds, _growth(d2) // rounds]
    leaked = g[0] > limit and g[1] > limit
    msg = leak_message(what, d2, rounds, g[1], limit) if leaked else ""
    return CheckResult(leaked, rounds, limit, census, True, g, d2, msg)


class guard_block:
    """Context manager: fail when the block grew the heap by more than ``max_growth``.

    A block runs once, so there is no warm-up and no persistence test: snapshot before, census
    after; a snapshot after and a diff only when the census grew."""

    def __init__(self, max_growth: Union[int, str] = "64 KiB", what: str = "the block") -> None:
        self.limit = parse_size(max_growth)
        self.what = what
        self.result: Optional[CheckResult] = None
        self._before: Optional[Snapshot] = None
        self._census = array("q", bytes(8 * 4))

    def __enter__(self) -> "guard_block":
        _heapdiff_warm_machinery()
        self._before = _heapdiff_snapshot([id(self)])
        gc.collect()
        _census(self._census, 0)
        return self

    def __exit__(self, et: Any, ev: Any, tb: Any) -> None:
        _heapdiff_guard_exit(self, et)


def _heapdiff_guard_exit(self: guard_block, et: Any) -> None:
    if et is not None:
        self._before = None
        return
    gc.collect()
    _census(self._census, 1)
    census = _census_growth(self._census, 0, 1)
    before = self._before
    self._before = None
    if census <= self.limit or before is None:
        self.result = CheckResult(False, 1, self.limit, census)
        return
    after = _heapdiff_snapshot([id(self)] + _ids(before))
    d = before.diff(after, top=0)
    g = _growth(d)
    leaked = g > self.limit
    self.result = CheckResult(leaked, 1, self.limit, census, True, [g], d,
                              leak_message(self.what, d, 1, g, self.limit) if leaked else "")
