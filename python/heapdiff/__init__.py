"""heapdiff: heap snapshots of Python processes, and the analyzer that explains them.

``heapdiff.agent`` (standard library only) writes snapshots; the native module ``heapdiff._native``
(Rust) reads and analyzes them: :func:`snapshot`, :func:`load`, :class:`Snapshot` and its reports,
the ``heapdiff`` command, and the pytest plugin (fixture ``heapdiff``, marker
``@pytest.mark.heapdiff``). docs/PYTHON.md has the whole story.
"""

__version__ = "0.1.0"

try:
    from heapdiff._native import SnapshotError
except ImportError:  # pragma: no cover - the agent alone (no extension built)

    class SnapshotError(ValueError):  # type: ignore[no-redef]
        """A file that is not a valid heapdiff snapshot."""


from heapdiff._api import Snapshot, dump, format_size, load, parse_size, snapshot
from heapdiff._results import (
    CycleReport,
    Diff,
    Holder,
    Path,
    PathsReport,
    Summary,
    Suspect,
    Top,
    TypeDelta,
)

__all__ = [
    "SnapshotError", "Snapshot", "snapshot", "load", "dump", "parse_size", "format_size",
    "Summary", "Top", "Holder", "PathsReport", "Path", "CycleReport", "Diff", "Suspect", "TypeDelta",
]
