"""Results of the analyses as plain Python objects (dataclasses with a readable ``repr``).

Each report also keeps the text the ``heapdiff`` command prints for it: ``str(report)`` is that
text, so ``print(snap.top())`` reads exactly like ``heapdiff top SNAP``. Field names are those of
the CLI's ``--json`` output (docs/CLI.md, docs/DIFF.md); sizes are bytes, shares fractions 0..1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, List, Optional, Type, TypeVar

__all__ = [
    "Summary", "TypeRow", "DeviceBytes", "Top", "Holder", "RootCounts", "PathsReport", "ObjectPaths",
    "Path", "CycleReport", "CycleGroup", "Diff", "Side", "Classes", "Suspect", "TypeGrowth", "TypeDelta",
]

R = TypeVar("R", bound="_Record")


class _Record:
    """Built from the dict the native module returns; nested records listed in ``_nested``."""

    _nested: ClassVar[Dict[str, Type["_Record"]]] = {}
    _rename: ClassVar[Dict[str, str]] = {}

    @classmethod
    def _from(cls: Type[R], d: Dict[str, Any], text: Optional[str] = None) -> R:
        kw: Dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for key, value in d.items():
            name = cls._rename.get(key, key)
            if name not in names:
                continue  # a field a newer native module added
            sub = cls._nested.get(name)
            if sub is not None and value is not None:
                value = [sub._from(v) for v in value] if isinstance(value, list) else sub._from(value)
            kw[name] = value
        if text is not None:
            kw["_text"] = text
        return cls(**kw)


class _Report(_Record):
    _text: str

    def __str__(self) -> str:
        return self._text


# -- summary -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TypeRow(_Record):
    name: str
    count: int
    total_size: int
    average_size: int
    share: float
    retained_size: Optional[int] = None


@dataclass(frozen=True)
class DeviceBytes(_Record):
    device: str
    bytes: int


@dataclass(frozen=True)
class Summary(_Report):
    """What fills the heap, per type (``heapdiff summary``)."""

    file: str
    python: str
    pid: int
    time: str
    objects: int
    edges: int
    total_size: int
    native: List[DeviceBytes]
    rss: Optional[int]
    rss_accounted: Optional[float]
    dangling_refs: int
    type_count: int
    types: List[TypeRow]
    _text: str = field(default="", repr=False, compare=False)
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"native": DeviceBytes, "types": TypeRow}


# -- top ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RootCounts(_Record):
    modules: int
    frames: int
    unreferenced: int
    #: Classes no other root reaches, held from C (extension modules, the interpreter).
    c_held: int = 0
    #: The interpreter's own tables the collector tracks (3.14+: interned strings).
    internal: int = 0


@dataclass(frozen=True)
class Holder(_Record):
    id: int
    type: str
    shallow_size: int
    retained_size: int
    retained_objects: int
    share: float
    garbage: bool
    path: str
    name: Optional[str] = None


@dataclass(frozen=True)
class Top(_Report):
    """The objects that retain the most, with their paths (``heapdiff top``)."""

    file: str
    total_size: int
    objects: int
    roots: RootCounts
    unreachable_objects: int
    unreachable_size: int
    holders: List[Holder]
    _text: str = field(default="", repr=False, compare=False)
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"roots": RootCounts, "holders": Holder}


# -- paths -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Path(_Record):
    """A chain of references from a root, as Python reads it (``text``)."""

    start: str
    text: str
    ids: List[int]

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ObjectPaths(_Record):
    id: int
    type: str
    shallow_size: int
    retained_size: int
    garbage: bool
    referrers: int
    paths: List[Path]
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"paths": Path}


@dataclass(frozen=True)
class PathsReport(_Report):
    """Paths from roots to objects (``heapdiff paths``)."""

    file: str
    objects: List[ObjectPaths]
    instances: Optional[int] = None
    _text: str = field(default="", repr=False, compare=False)
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"objects": ObjectPaths}


# -- cycles ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CycleGroup(_Record):
    signature: str
    types: List[str]
    cycles: int
    objects: int
    shallow_size: int
    retained_size: int
    garbage_cycles: int
    garbage_size: int
    finalizer_cycles: int
    finalizer_types: List[str]
    example_objects: int
    example: Path
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"example": Path}


@dataclass(frozen=True)
class CycleReport(_Report):
    """Reference cycles grouped by the types they are made of (``heapdiff cycles``)."""

    file: str
    cycles: int
    objects: int
    shallow_size: int
    garbage_cycles: int
    garbage_objects: int
    garbage_size: int
    group_count: int
    groups: List[CycleGroup]
    _text: str = field(default="", repr=False, compare=False)
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"groups": CycleGroup}


# -- diff --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Side(_Record):
    file: str
    pid: int
    time: float
    time_iso: str
    objects: int
    bytes: int
    rss: Optional[int] = None


@dataclass(frozen=True)
class Classes(_Record):
    new: int
    new_bytes: int
    gone: int
    gone_bytes: int
    survived: int
    grown: int
    grown_bytes: int


@dataclass(frozen=True)
class TypeGrowth(_Record):
    type: str
    objects: int
    bytes: int


@dataclass(frozen=True)
class Suspect(_Record):
    """An object that existed before and holds growth: the answer to "who leaks"."""

    path: str
    type: str
    id: int
    existed_before: bool
    objects: int
    bytes: int
    new_objects: int
    new_bytes: int
    gone_objects: int
    gone_bytes: int
    grown_bytes: int
    rolled_up: int
    types: List[TypeGrowth]
    samples: List[str]
    _nested: ClassVar[Dict[str, Type[_Record]]] = {"types": TypeGrowth}


@dataclass(frozen=True)
class TypeDelta(_Record):
    type: str
    count_before: int
    count_after: int
    count_delta: int
    size_before: int
    size_after: int
    size_delta: int
    retained_before: int
    retained_after: int
    retained_delta: int


@dataclass(frozen=True)
class Diff(_Report):
    """What grew between two snapshots and who holds it (``heapdiff A B``).

    ``growth_bytes`` is the net growth held by the suspects (what ``--fail-over`` compares)."""

    before: Side
    after: Side
    seconds: float
    warnings: List[str]
    classes: Classes
    answer: str
    growth_bytes: int
    garbage_objects: int
    garbage_bytes: int
    suspect_count: int
    suspects: List[Suspect]
    type_count: int
    types: List[TypeDelta]
    _text: str = field(default="", repr=False, compare=False)
    _nested: ClassVar[Dict[str, Type[_Record]]] = {
        "before": Side, "after": Side, "classes": Classes, "suspects": Suspect, "types": TypeDelta,
    }
    _rename: ClassVar[Dict[str, str]] = {"growth": "growth_bytes"}
