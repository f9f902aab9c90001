"""The Python API: take or load a snapshot, ask it the questions the CLI answers.

    snap = heapdiff.snapshot()            # this process, now (no file needed)
    print(snap.top(10))                   # the same text as `heapdiff top`
    later = heapdiff.snapshot()
    d = snap.diff(later)                  # what grew, who holds it
    d.growth_bytes, d.suspects[0].path

Analyses run in the native module with the GIL released; they are computed once per snapshot.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Dict, Iterable, Optional, Tuple, Union

from heapdiff._results import CycleReport, Diff, PathsReport, Summary, Top

try:
    from heapdiff import _native
except ImportError:  # pragma: no cover - a source checkout without the extension built
    _native = None  # type: ignore[assignment]

__all__ = ["Snapshot", "load", "snapshot", "dump", "parse_size", "format_size"]

PathLike = Union[str, "os.PathLike[str]"]


def _need_native() -> Any:
    if _native is None:
        raise ImportError(
            "heapdiff's native module is not built: install the package (`pip install heapdiff`, or "
            "`maturin develop --release` in a checkout); heapdiff.agent works without it"
        )
    return _native


def parse_size(size: Union[int, str]) -> int:
    """Bytes from ``1024``, ``"64KiB"``, ``"10 MB"``, ``"1.5GiB"`` (the CLI's size syntax)."""
    if isinstance(size, int):
        if size < 0:
            raise ValueError(f"a size cannot be negative: `{size}`")
        return size
    return int(_need_native().parse_size(size))


def format_size(n: int) -> str:
    """``3.2 MiB``: bytes as reports print them."""
    return str(_need_native().format_size(max(0, int(n))))


class Snapshot:
    """One heap snapshot: loaded from a file (:func:`load`) or taken in memory (:func:`snapshot`).

    Every method returns a plain Python object whose ``str()`` is the CLI's text for it."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def objects(self) -> int:
        """Number of objects."""
        return int(self._native.objects)

    @property
    def edges(self) -> int:
        """Number of references between them."""
        return int(self._native.edges)

    @property
    def total_size(self) -> int:
        """Total shallow size of every object, in bytes."""
        return int(self._native.total_size)

    @property
    def path(self) -> str:
        """The file it was loaded from (``"<memory>"`` for one taken in memory)."""
        return str(self._native.path)

    @property
    def header(self) -> Dict[str, Any]:
        """The snapshot's header (docs/FORMAT.md): python, pid, time, rss, walker, ..."""
        return dict(self._native.header)

    def __contains__(self, obj_id: int) -> bool:
        return bool(self._native.__contains__(obj_id))

    def __repr__(self) -> str:
        return f"<heapdiff.Snapshot {self.path!r}: {self.objects:,} objects, {format_size(self.total_size)}>"

    def save(self, path: PathLike) -> None:
        """Write it as a snapshot file (``.gz``: compressed) that ``heapdiff`` and :func:`load` read."""
        self._native.save(os.fspath(path))

    def summary(self, top: int = 20) -> Summary:
        """Per-type table: what fills the heap (``heapdiff summary``); ``top=0`` keeps every type."""
        d, text = self._native.summary(top)
        return Summary._from(d, text)

    def top(self, n: int = 20) -> Top:
        """The ``n`` objects that retain the most, with the path that holds each (``heapdiff top``)."""
        d, text = self._native.top(n)
        return Top._from(d, text)

    def paths(self, id: Optional[int] = None, *, type: Optional[str] = None, top: int = 5,
              max_paths: int = 5) -> PathsReport:
        """Paths from roots to the object with this ``id()``, or to the ``top`` largest instances of
        ``type`` (``app.models.User`` or ``User``) (``heapdiff paths``)."""
        if (id is None) == (type is None):
            raise ValueError("paths() needs exactly one of `id` or `type`")
        d, text = self._native.paths(id, type, top, max_paths)
        return PathsReport._from(d, text)

    def cycles(self, top: int = 20) -> CycleReport:
        """Reference cycles grouped by their types; which are cyclic garbage (``heapdiff cycles``)."""
        d, text = self._native.cycles(top)
        return CycleReport._from(d, text)

    def diff(self, after: "Snapshot", top: int = 10, min: Union[int, str] = 0) -> Diff:
        """What grew from this snapshot to ``after`` and who holds it (``heapdiff A B``)."""
        if not isinstance(after, Snapshot):
            raise TypeError(f"diff() needs a heapdiff.Snapshot, not {type(after).__name__}")
        d, text = self._native.diff(after._native, top, parse_size(min))
        return Diff._from(d, text)


def load(path: PathLike) -> Snapshot:
    """Read a snapshot file (``.json`` or ``.json.gz``).

    Raises :class:`heapdiff.SnapshotError` (a ``ValueError``) when the file is not a valid snapshot,
    ``OSError`` when it cannot be read."""
    return Snapshot(_need_native().load(os.fspath(path)))


def _native_walker(walker: str = "auto") -> Any:
    """The extension when its walker runs here; `walker` is "auto", "native" (raise when it
    cannot run, saying why) or "python" (never)."""
    if walker not in ("auto", "native", "python"):
        raise ValueError(f"walker must be 'auto', 'native' or 'python', not {walker!r}")
    if walker == "python":
        return None
    n = _native
    why = "the extension heapdiff._native is not built" if n is None else n.native_walker_unsupported()
    if why is None:
        return n
    if walker == "native":
        raise RuntimeError(f"the native walker cannot run here: {why}")
    return None


def snapshot(exclude_ids: Iterable[int] = (), walker: str = "auto") -> Snapshot:
    """Take a snapshot of this process's heap now, in memory.

    The native walker builds the graph directly; without it (``walker="auto"``) the pure-Python
    agent dumps to a temporary file that is loaded and removed. The snapshot's header says which
    ran (``snap.header["walker"]``: ``"native"`` or ``"python"``); ``walker="native"`` raises
    ``RuntimeError`` with the reason when the native walker cannot run here, ``walker="python"``
    always uses the agent. ``exclude_ids``: ids of the caller's own temporaries to leave out."""
    return _heapdiff_take(tuple(exclude_ids), walker)


def _heapdiff_take(exclude: Tuple[int, ...], walker: str = "auto") -> Snapshot:
    # Named `_heapdiff_*`: the leak checks recognise this frame as heapdiff's own.
    native = _native_walker(walker)
    if native is not None:
        return Snapshot(native.walk(exclude))
    from heapdiff import agent

    fd, path = tempfile.mkstemp(prefix="heapdiff-", suffix=".json")
    os.close(fd)
    try:
        stats = agent.dump(path, exclude_ids=exclude)
        if stats.error:
            raise RuntimeError(f"heapdiff.agent could not take the snapshot: {stats.error}")
        return load(path)
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def dump(path: PathLike, redact: bool = False, compress: Optional[bool] = None,
         exclude_ids: Iterable[int] = (), walker: str = "auto") -> Any:
    """Write a snapshot of this process to ``path``; return stats (``.path``, ``.objects``,
    ``.edges``, ``.bytes_written``, ``.seconds``, ``.error``) like ``heapdiff.agent.dump``.

    Uses the native walker when the extension has it (same file, many times faster), otherwise
    the pure-Python agent (``redact`` too); ``walker`` as for :func:`snapshot` (``"native"`` raises
    when the native walker cannot run here). Otherwise never raises for a failed dump: ``.error``
    says why; the file's header says which walker wrote it."""
    exclude = tuple(exclude_ids) + (id(sys._getframe()),)
    native = _native_walker("python" if redact else walker)
    if native is not None:
        return native.dump(os.fspath(path), compress, exclude)
    from heapdiff import agent

    return agent.dump(path, redact=redact, compress=compress, exclude_ids=exclude)
