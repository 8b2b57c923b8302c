"""How the candidate index is held in memory and on disk: a few large arrays and strings, not one object
per listed name.

An index over the embedded lists has about 45,000 names and 500,000 lookup keys. Held as one Python
object per name and one list per key (as it once was, and pickled as such), loading it meant creating
about 800,000 objects and having the garbage collector walk them: most of a warm ``exportgate screen``.
Here every table is columns:

* lookup keys -> names (``joined``, ``raw_forms``): the keys in one dict (key -> row) and the name ids in one
  packed integer array with row offsets (:class:`IdLists`); a row is sliced only when a query asks for it;
* lookup keys -> vocabulary tokens (``deletes``, ``folded``, ``skeletons``): a dict of space-joined tokens
  (tokens have no spaces), built by C code from two lists of strings;
* the names: one JSON row each, decoded the first time a query reaches the name (:class:`NameTable`).

The same columns come from :func:`exportgate.screen.index.build_index` and from the cache file
(:mod:`exportgate.screen.cachefile`), so a fresh index and a cached one answer through the same code.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Any

from exportgate.screen.cachefile import CacheError, CacheFile, DamagedCache, LazyRows, text_section
from exportgate.screen.model import EntityType, NameKind

_KINDS = {k.value: k for k in NameKind}
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


class SortedKeys:
    """Keys in sorted order, found by binary search (C code, about half a microsecond): a dict of the
    500,000 keys of ``deletes``, ``joined`` and ``raw_forms`` would cost more to build at every start than
    all the lookups of a batch of thousands of names."""

    __slots__ = ("keys",)

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def row(self, key: str) -> int:
        """The row of ``key``, -1 when absent."""
        keys = self.keys
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else -1

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.row(key) >= 0

    def __len__(self) -> int:
        return len(self.keys)


def _offsets(off: array[int], n_keys: int, total: int, what: str) -> array[int]:
    if len(off) != n_keys + 1 or off[0] != 0 or off[-1] != total:
        raise CacheError(f"{what}: offsets do not match the keys")
    return off


class TokenLists(SortedKeys):
    """key -> vocabulary tokens (``deletes``, ``folded``, ``skeletons``): the tokens joined by spaces (tokens
    have none), sliced from one string."""

    __slots__ = ("_off", "_text")

    def __init__(self, keys: list[str], text: str, off: array[int]) -> None:
        super().__init__(keys)
        self._text = text
        self._off = _offsets(off, len(keys), len(text), "token lists")

    @classmethod
    def build(cls, table: dict[str, list[str]]) -> TokenLists:
        keys = sorted(table)
        values = [" ".join(table[k]) for k in keys]
        return cls(keys, "".join(values), array("I", accumulate(map(len, values), initial=0)))

    def get(self, key: str) -> str:
        """The tokens of ``key`` joined by spaces ("" when absent)."""
        i = self.row(key)
        return "" if i < 0 else self._text[self._off[i] : self._off[i + 1]]

    def sections(self, prefix: str) -> dict[str, tuple[str, bytes]]:
        return {
            f"{prefix}.keys": text_section(self.keys),
            f"{prefix}.tokens": ("bytes", self._text.encode("utf-8")),
            f"{prefix}.off": ("u32", self._off.tobytes()),
        }

    @classmethod
    def read(cls, cf: CacheFile, prefix: str) -> TokenLists:
        text = str(cf.raw(f"{prefix}.tokens"), "utf-8")
        if not text.isascii():  # offsets count characters; normalised tokens are ASCII
            raise CacheError(f"{prefix}: tokens are not ASCII")
        return cls(cf.text(f"{prefix}.keys"), text, cf.u32(f"{prefix}.off"))


class IdLists(SortedKeys):
    """key -> name ids (``joined``, ``raw_forms``): one packed array of ids, sliced per row on demand."""

    __slots__ = ("_flat", "_limit", "_off")

    def __init__(self, keys: list[str], flat: array[int], off: array[int], limit: int) -> None:
        super().__init__(keys)
        self._flat = flat
        self._off = _offsets(off, len(keys), len(flat), "id lists")
        self._limit = limit  # ids are below this (checked per row: rows are read one at a time)

    @classmethod
    def build(cls, table: dict[str, list[int]], limit: int) -> IdLists:
        keys = sorted(table)
        flat = array("I", chain.from_iterable(table[k] for k in keys))
        off = array("I", accumulate((len(table[k]) for k in keys), initial=0))
        return cls(keys, flat, off, limit)

    def get(self, key: str) -> Sequence[int]:
        i = self.row(key)
        if i < 0:
            return ()
        ids = self._flat[self._off[i] : self._off[i + 1]]
        if ids and max(ids) >= self._limit:
            raise DamagedCache("screening index cache: a name id is out of range; delete the cache folder")
        return ids

    def sections(self, prefix: str) -> dict[str, tuple[str, bytes]]:
        return {
            f"{prefix}.keys": text_section(self.keys),
            f"{prefix}.ids": ("u32", self._flat.tobytes()),
            f"{prefix}.off": ("u32", self._off.tobytes()),
        }

    @classmethod
    def read(cls, cf: CacheFile, prefix: str, limit: int) -> IdLists:
        return cls(cf.text(f"{prefix}.keys"), cf.u32(f"{prefix}.ids"), cf.u32(f"{prefix}.off"), limit)


class NameTable(LazyRows[NameRecord]):
    """The listed names, each decoded from its JSON row the first time a query reaches it. The rows hold no
    weights: ``weigh`` gives a token's weight (computed from df as the build computed it)."""

    __slots__ = ("_n_entities", "_weigh")
    what = "name"

    def __init__(
        self,
        items: list[NameRecord | None],
        rows: bytes | memoryview = b"",
        off: array[int] | None = None,
        source: str = "",
        n_entities: int = 0,
        weigh: Callable[[str], float] | None = None,
    ) -> None:
        super().__init__(items, rows, off, source)
        self._n_entities = n_entities
        self._weigh = weigh

    @classmethod
    def read(cls, cf: CacheFile, n_entities: int, source: str, weigh: Callable[[str], float]) -> NameTable:
        return cls(*cls.read_rows(cf, "names"), source, n_entities, weigh)

    def decode(self, row: Any) -> NameRecord:
        return name_from_row(row, self._n_entities, self._weigh)

    def sections(self) -> dict[str, tuple[str, bytes]]:
        return self.row_sections("names", name_row)


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
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def name_from_row(row: object, n_entities: int, weigh: Callable[[str], float] | None) -> NameRecord:
    """A name record from its row; TypeError/ValueError on anything :func:`name_row` would not write."""
    if not isinstance(row, list) or len(row) != 9:
        raise TypeError("a name row is a list of 9 fields")
    entity, kind, value, tokens, legal, bag, compact, written, legal_written = row
    if not isinstance(entity, int) or isinstance(entity, bool) or not 0 <= entity < n_entities:
        raise ValueError("entity out of range")
    if not isinstance(value, str) or not isinstance(bag, str):
        raise TypeError("value and bag are strings")
    toks = _strs(tokens)
    if not toks:
        raise ValueError("a name has tokens")
    ws = tuple(map(weigh, toks)) if weigh is not None else ()
    if not all(w > 0 for w in ws):  # every token of a listed name is in df (not nan)
        raise ValueError("a token of the name is not in the index")
    return NameRecord(
        entity, _KINDS[kind], value, toks, _strs(legal), ws, bag, _strs(compact), _strs(written), _strs(legal_written)
    )
