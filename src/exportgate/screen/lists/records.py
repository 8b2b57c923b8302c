"""The entities of a cached snapshot: one JSON row per entity, decoded when something asks for it.

Parsing the official list files takes seconds; decoding 20,000 entities from any cache still costs a few
tenths of a second, and screening one name needs only the few entities it matches. So the snapshot cache
(:mod:`exportgate.screen.lists.snapshot`) stores one JSON row per entity and :class:`EntityRecords`
decodes an entity the first time it is read (and keeps it). Rows are plain JSON: reading one can only
give data, and a row that is not exactly what :func:`entity_row` writes is refused.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from exportgate.screen.cachefile import CacheFile, LazyRows
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

_TYPES = {t.value: t for t in EntityType}
_KINDS = {k.value: k for k in NameKind}


class EntityRecords(LazyRows[ListedEntity]):
    """A snapshot's entities: a list, or rows of a cache file decoded one at a time.

    ``content_key`` identifies the content (the list files and the loaders' code): the index cache is keyed
    on it instead of hashing every name again.
    """

    __slots__ = ("content_key",)
    what = "entity"

    def __init__(
        self,
        items: list[ListedEntity | None],
        rows: bytes | memoryview = b"",
        off: array[int] | None = None,
        source: str = "",
        content_key: str = "",
    ) -> None:
        super().__init__(items, rows, off, source)
        self.content_key = content_key

    @classmethod
    def of(cls, entities: Sequence[ListedEntity], content_key: str = "") -> EntityRecords:
        items: list[ListedEntity | None] = list(entities)
        return cls(items, content_key=content_key)

    @classmethod
    def read(cls, cf: CacheFile, source: str, content_key: str) -> EntityRecords:
        return cls(*cls.read_rows(cf, "entities"), source, content_key)

    def decode(self, row: Any, i: int) -> ListedEntity:
        return entity_from_row(row)

    def sections(self) -> dict[str, tuple[str, bytes]]:
        return self.row_sections("entities", entity_row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


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
    if type(v) is not str:
        raise TypeError("expected a string")
    return v


def _opt(v: object) -> str | None:
    if v is not None and type(v) is not str:
        raise TypeError("expected a string or null")
    return v


def _rows(v: object, width: int) -> list[list[Any]]:
    if type(v) is not list or not all(type(r) is list and len(r) == width for r in v):
        raise TypeError(f"expected rows of {width} fields")
    return v


def _strs(v: object) -> list[str]:
    if type(v) is not list:
        raise TypeError("expected a list")
    "".join(v)  # TypeError unless every item is a string (checked in C)
    return v


def entity_from_row(row: object) -> ListedEntity:
    """The entity :func:`entity_row` wrote; TypeError/ValueError/KeyError on anything else (a row of a file
    written on purpose: it must not fail a query later)."""
    if type(row) is not list or len(row) != 16:
        raise TypeError("an entity row is a list of 16 fields")
    footnote = row[9]
    if footnote is not None and type(footnote) is not int:
        raise TypeError("entity_list_footnote is an integer")
    return ListedEntity(
        id=_str(row[0]),
        source=_str(row[1]),
        type=_TYPES[_str(row[2])],
        names=[Name(_str(v), _KINDS[_str(k)]) for v, k in _rows(row[3], 2)],
        addresses=[Address(_opt(a), _opt(b), _opt(c), _opt(d), _opt(e)) for a, b, c, d, e in _rows(row[4], 5)],
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
