"""The entities of a cached snapshot: one JSON row per entity, decoded when something asks for it.

Parsing the official list files takes seconds; decoding 20,000 entities from any cache still costs a few
tenths of a second, and screening one name needs only the few entities it matches. So the snapshot cache
(:mod:`exportgate.screen.lists.snapshot`) stores one JSON row per entity and :class:`EntityRecords`
decodes an entity the first time it is read (and keeps it). Rows are plain JSON: reading one can only
give data, and a row that is not exactly what :func:`entity_row` writes is refused.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Any, overload

from exportgate.errors import ExportgateError
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

_TYPES = {t.value: t for t in EntityType}
_KINDS = {k.value: k for k in NameKind}


class DamagedSnapshotCache(ExportgateError):
    """A list cache file that passed its checksum holds an entity row this code does not write (it was
    edited by hand): one line for the user instead of a traceback."""


class EntityRecords(Sequence[ListedEntity]):
    """A snapshot's entities: a list, or rows of a cache file decoded one at a time.

    ``content_key`` identifies the content (the list files and the loaders' code): the index cache is keyed
    on it instead of hashing every name again.
    """

    __slots__ = ("_items", "_off", "_rows", "_source", "content_key")

    def __init__(
        self,
        items: list[ListedEntity | None],
        content_key: str = "",
        rows: bytes | memoryview = b"",
        off: array[int] | None = None,
        source: str = "",
    ) -> None:
        self._items = items
        self.content_key = content_key
        self._rows = rows
        self._off = off if off is not None else array("I")
        self._source = source

    @classmethod
    def of(cls, entities: Sequence[ListedEntity], content_key: str = "") -> EntityRecords:
        items: list[ListedEntity | None] = list(entities)
        return cls(items, content_key)

    def _load(self, i: int) -> ListedEntity:
        try:
            ent = entity_from_row(json.loads(bytes(self._rows[self._off[i] : self._off[i + 1]])))
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
            raise DamagedSnapshotCache(
                f"lists cache {self._source}: entity {i} is unreadable ({exc}); delete the file"
            ) from None
        self._items[i] = ent
        return ent

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> ListedEntity: ...
    @overload
    def __getitem__(self, i: slice) -> list[ListedEntity]: ...
    def __getitem__(self, i: int | slice) -> ListedEntity | list[ListedEntity]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self._items)))]
        return self._items[i] or self._load(i if i >= 0 else i + len(self._items))

    def __iter__(self) -> Iterator[ListedEntity]:
        items = self._items
        for i in range(len(items)):
            yield items[i] or self._load(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        loaded = sum(e is not None for e in self._items)
        return f"<EntityRecords {len(self._items)} entities, {loaded} decoded>"

    def rows(self) -> tuple[bytes, list[int]]:
        """All rows and their offsets (for writing the cache)."""
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
        rows = [encode(entity_row(e)).encode("utf-8") for e in self]
        return b"".join(rows), list(accumulate(map(len, rows), initial=0))


def entity_row(e: ListedEntity) -> list[Any]:
    return [
        e.id,
        e.source,
        e.type.value,
        [[n.value, n.kind.value] for n in e.names],
        [[a.street, a.city, a.state, a.postal_code, a.country] for a in e.addresses],
        e.countries,
        [[i.kind, i.value, i.country] for i in e.identifiers],
        e.dates_of_birth,
        e.programs,
        e.entity_list_footnote,
        e.license_requirement,
        e.license_policy,
        e.list_date,
        e.start_date,
        e.federal_register_notice,
        e.remarks,
    ]


def _str(v: object) -> str:
    if not isinstance(v, str):
        raise TypeError("expected a string")
    return v


def _opt(v: object) -> str | None:
    return None if v is None else _str(v)


def _rows(v: object, width: int) -> list[list[Any]]:
    if not isinstance(v, list) or not all(isinstance(r, list) and len(r) == width for r in v):
        raise TypeError(f"expected rows of {width} fields")
    return v


def _strs(v: object) -> list[str]:
    if not isinstance(v, list):
        raise TypeError("expected a list")
    return [_str(x) for x in v]


def entity_from_row(row: object) -> ListedEntity:
    """The entity :func:`entity_row` wrote; TypeError/ValueError/KeyError on anything else."""
    if not isinstance(row, list) or len(row) != 16:
        raise TypeError("an entity row is a list of 16 fields")
    footnote = row[9]
    if footnote is not None and (not isinstance(footnote, int) or isinstance(footnote, bool)):
        raise TypeError("entity_list_footnote is an integer")
    return ListedEntity(
        id=_str(row[0]),
        source=_str(row[1]),
        type=_TYPES[_str(row[2])],
        names=[Name(_str(v), _KINDS[_str(k)]) for v, k in _rows(row[3], 2)],
        addresses=[Address(*(_opt(x) for x in a)) for a in _rows(row[4], 5)],
        countries=_strs(row[5]),
        identifiers=[Identifier(_str(k), _str(v), _opt(c)) for k, v, c in _rows(row[6], 3)],
        dates_of_birth=_strs(row[7]),
        programs=_strs(row[8]),
        entity_list_footnote=footnote,
        license_requirement=_opt(row[10]),
        license_policy=_opt(row[11]),
        list_date=_opt(row[12]),
        start_date=_opt(row[13]),
        federal_register_notice=_opt(row[14]),
        remarks=_opt(row[15]),
    )
