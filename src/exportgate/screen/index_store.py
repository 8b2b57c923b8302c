"""How the candidate index is held in memory and on disk.

An index over the embedded lists has about 45,000 names and 500,000 lookup keys. Held as one Python object
per name and one list per key, and pickled as such (as it once was), loading it meant creating about
800,000 objects and having the garbage collector walk them: most of a warm ``exportgate screen``. The
cache file (:mod:`exportgate.screen.cachefile`) holds columns instead, and a process reads only what its
queries need:

* the big lookup tables (``deletes``, ``folded``, ``skeletons`` -> tokens; ``joined``, ``raw_forms`` ->
  name ids): sorted keys searched by bisection, values sliced from one packed string or integer array
  (:class:`TokenLists`, :class:`IdLists`); as built, and once warmed, plain dicts;
* the names: one JSON row each, with their token weights as packed doubles, decoded the first time a query
  reaches the name, or all at once when warmed (:class:`NameTable`);
* the postings and token frequencies: dicts, built at load from one list of tokens and two integer arrays.

A fresh index and a cached one answer through the same code (tests/screen_match/test_index_cache.py checks
that their answers are identical).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, pairwise
from typing import Any, Generic, TypeVar

from exportgate.screen.cachefile import (
    CacheError,
    CacheFile,
    DamagedCache,
    LazyRows,
    f64_section,
    text_section,
    u32_section,
)
from exportgate.screen.model import EntityType, NameKind

_KINDS = {k.value: k for k in NameKind}
V = TypeVar("V")
ENTITY_TYPES = {t.value: t for t in EntityType}


@dataclass(slots=True)
class NameRecord:
    entity: int  # index into ``Index.entities``
    kind: NameKind
    value: str
    tokens: tuple[str, ...]
    legal: tuple[str, ...]
    weights: tuple[float, ...] = ()  # IDF of each token (set once the index is built)
    bag: str = ""  # NormName.bag: the written words, sorted
    compact: tuple[str, ...] = ()  # NormName.compact: the written words without spaces
    written: tuple[str, ...] = ()  # NormName.written: words mapped to a symbol, as written
    legal_written: tuple[str, ...] = ()  # NormName.legal_written: words of the legal forms as written


class _Table(Generic[V]):
    """key -> value, held one of two ways with the same answers:

    * a dict (as :func:`~exportgate.screen.index.build_index` makes it, or once :meth:`warm`);
    * sorted keys found by binary search (C code, about half a microsecond) with the values sliced from
      packed storage, as read from the cache: a dict of the 500,000 keys of ``deletes``, ``joined`` and
      ``raw_forms`` costs more to build than one query's lookups, so a process that screens one name does
      not build it.
    """

    __slots__ = ("_keys", "_map", "_off")
    empty: V

    def __init__(self, mapping: dict[str, V] | None, keys: list[str], off: array[int]) -> None:
        self._map = mapping
        self._keys = keys
        self._off = off

    def _value(self, row: int) -> V:
        raise NotImplementedError

    def get(self, key: str) -> V:
        """The value of ``key`` (``empty`` when absent)."""
        mapping = self._map
        if mapping is not None:
            return mapping.get(key, self.empty)
        keys = self._keys
        i = bisect_left(keys, key)
        return self._value(i) if i < len(keys) and keys[i] == key else self.empty

    def __contains__(self, key: object) -> bool:
        if self._map is not None:
            return key in self._map
        keys = self._keys
        if not isinstance(key, str):
            return False
        i = bisect_left(keys, key)
        return i < len(keys) and keys[i] == key

    def __len__(self) -> int:
        return len(self._map) if self._map is not None else len(self._keys)

    @property
    def warmed(self) -> bool:
        return self._map is not None

    def warm(self) -> None:
        """Hold the table as a dict from now on (for a process that screens many names)."""
        if self._map is None:
            self._map = dict(zip(self._keys, self._all_values(), strict=True))

    def _all_values(self) -> list[V]:
        return [self._value(i) for i in range(len(self._keys))]

    def sorted_items(self) -> tuple[list[str], list[V]]:
        if self._map is None:
            return self._keys, [self._value(i) for i in range(len(self._keys))]
        keys = sorted(self._map)
        return keys, list(map(self._map.__getitem__, keys))


def _offsets(off: array[int], n_keys: int, total: int, what: str) -> array[int]:
    if len(off) != n_keys + 1 or off[0] != 0 or off[-1] != total:
        raise CacheError(f"{what}: offsets do not match the keys")
    return off


class TokenLists(_Table[Sequence[str]]):
    """key -> vocabulary tokens (``deletes``, ``folded``, ``skeletons``); from the cache, one string of rows,
    each the space-joined tokens of a key (tokens have no spaces) ended by a newline."""

    __slots__ = ("_text",)
    empty: Sequence[str] = ()

    def __init__(
        self, mapping: dict[str, Sequence[str]] | None, keys: list[str], text: str, off: array[int]
    ) -> None:
        super().__init__(mapping, keys, _offsets(off, len(keys), len(text), "token lists"))
        self._text = text

    @classmethod
    def build(cls, table: dict[str, list[str]]) -> TokenLists:
        mapping: dict[str, Sequence[str]] = dict(table)
        return cls(mapping, [], "", array("I", [0]))

    def _value(self, row: int) -> Sequence[str]:
        return self._text[self._off[row] : self._off[row + 1] - 1].split(" ")

    def _all_values(self) -> list[Sequence[str]]:
        rows = self._text.split("\n")
        rows.pop()  # after the last newline
        if len(rows) != len(self._keys):
            raise DamagedCache("screening index cache: a token list holds a newline; delete the cache folder")
        return list(map(str.split, rows))

    def sections(self, prefix: str) -> dict[str, tuple[str, bytes]]:
        keys, values = self.sorted_items()
        rows = [" ".join(v) + "\n" for v in values]
        return {
            f"{prefix}.keys": text_section(keys),
            f"{prefix}.tokens": ("bytes", "".join(rows).encode("utf-8")),
            f"{prefix}.off": u32_section(accumulate(map(len, rows), initial=0)),
        }

    @classmethod
    def read(cls, cf: CacheFile, prefix: str) -> TokenLists:
        text = str(cf.raw(f"{prefix}.tokens"), "utf-8")
        if not text.isascii():  # offsets count characters; normalised tokens are ASCII
            raise CacheError(f"{prefix}: tokens are not ASCII")
        return cls(None, cf.text(f"{prefix}.keys"), text, cf.u32(f"{prefix}.off"))


class IdLists(_Table[Sequence[int]]):
    """key -> name ids (``joined``, ``raw_forms``); from the cache, one packed array of ids sliced per row."""

    __slots__ = ("_flat", "_limit")
    empty: Sequence[int] = ()

    def __init__(
        self, mapping: dict[str, Sequence[int]] | None, keys: list[str], flat: array[int], off: array[int], limit: int
    ) -> None:
        super().__init__(mapping, keys, _offsets(off, len(keys), len(flat), "id lists"))
        self._flat = flat
        self._limit = limit  # ids are below this (checked per row: rows are read one at a time)

    @classmethod
    def build(cls, table: dict[str, list[int]], limit: int) -> IdLists:
        mapping: dict[str, Sequence[int]] = dict(table)
        return cls(mapping, [], array("I"), array("I", [0]), limit)

    def _value(self, row: int) -> Sequence[int]:
        ids = self._flat[self._off[row] : self._off[row + 1]]
        if ids and max(ids) >= self._limit:
            raise DamagedCache("screening index cache: a name id is out of range; delete the cache folder")
        return ids

    def _all_values(self) -> list[Sequence[int]]:
        flat = self._flat.tolist()
        if flat and max(flat) >= self._limit:
            raise DamagedCache("screening index cache: a name id is out of range; delete the cache folder")
        return [flat[a:b] for a, b in pairwise(self._off)]

    def sections(self, prefix: str) -> dict[str, tuple[str, bytes]]:
        keys, values = self.sorted_items()
        return {
            f"{prefix}.keys": text_section(keys),
            f"{prefix}.ids": u32_section(chain.from_iterable(values)),
            f"{prefix}.off": u32_section(accumulate(map(len, values), initial=0)),
        }

    @classmethod
    def read(cls, cf: CacheFile, prefix: str, limit: int) -> IdLists:
        return cls(None, cf.text(f"{prefix}.keys"), cf.u32(f"{prefix}.ids"), cf.u32(f"{prefix}.off"), limit)


class NameTable(LazyRows[NameRecord]):
    """The listed names, each decoded from its JSON row the first time a query reaches it; the token weights
    are one packed array of floats beside the rows (exactly the doubles the build computed)."""

    __slots__ = ("_n_entities", "_weights", "_woff")
    what = "name"

    def __init__(
        self,
        items: list[NameRecord | None],
        rows: bytes | memoryview = b"",
        off: array[int] | None = None,
        source: str = "",
        n_entities: int = 0,
        weights: array[float] | None = None,
        woff: array[int] | None = None,
    ) -> None:
        super().__init__(items, rows, off, source)
        self._n_entities = n_entities
        self._weights = weights if weights is not None else array("d")
        self._woff = woff if woff is not None else array("I", [0])

    @classmethod
    def read(cls, cf: CacheFile, n_entities: int, source: str) -> NameTable:
        items, rows, off = cls.read_rows(cf, "names")
        weights = cf.f64("names.weights")
        woff = _offsets(cf.u32("names.woff"), len(items), len(weights), "names.weights")
        return cls(items, rows, off, source, n_entities, weights, woff)

    def decode(self, row: Any, i: int) -> NameRecord:
        return name_from_row(row, self._n_entities, tuple(self._weights[self._woff[i] : self._woff[i + 1]]))

    def sections(self) -> dict[str, tuple[str, bytes]]:
        records = list(self)
        return {
            **self.row_sections("names", name_row),
            "names.weights": f64_section(chain.from_iterable(r.weights for r in records)),
            "names.woff": u32_section(accumulate((len(r.weights) for r in records), initial=0)),
        }


def name_row(rec: NameRecord) -> list[Any]:
    return [
        rec.entity,
        rec.kind.value,
        rec.value,
        list(rec.tokens),
        list(rec.legal),
        rec.bag,
        list(rec.compact),
        list(rec.written),
        list(rec.legal_written),
    ]


def _strs(value: object) -> tuple[str, ...]:
    if type(value) is not list:
        raise TypeError("expected a list of strings")
    "".join(value)  # TypeError unless every item is a string (checked in C)
    return tuple(value)


def name_from_row(row: object, n_entities: int, weights: tuple[float, ...]) -> NameRecord:
    """A name record from its row and its tokens' weights; TypeError/ValueError/KeyError on anything
    :func:`name_row` would not write (a row of a file written on purpose: it must not fail a query later)."""
    if type(row) is not list or len(row) != 9:
        raise TypeError("a name row is a list of 9 fields")
    entity, kind, value, tokens, legal, bag, compact, written, legal_written = row
    if type(entity) is not int or not 0 <= entity < n_entities:
        raise ValueError("entity out of range")
    if type(value) is not str or type(bag) is not str:
        raise TypeError("value and bag are strings")
    toks = _strs(tokens)
    if not toks or len(weights) != len(toks) or not all(map(_positive, weights)):
        raise ValueError("a name has tokens, each with a positive weight")
    return NameRecord(
        entity,
        _KINDS[kind],
        value,
        toks,
        _strs(legal),
        weights,
        bag,
        _strs(compact),
        _strs(written),
        _strs(legal_written),
    )


def _positive(w: float) -> bool:
    return 0.0 < w < math.inf
