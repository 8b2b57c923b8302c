"""The one on-disk cache format of screening: inert data, verified before use.

Screening caches what is slow to rebuild (the parsed list snapshot, the candidate index, the compiled
normalisation tables). Anyone who can write the cache folder chooses what these files contain, so a
cache file must never be able to run code (no pickle, marshal or shelve) and is used only after it is
shown to be exactly what this code would have written for the same inputs:

* a fixed magic and a format number (:data:`FORMAT_VERSION`);
* a JSON header naming what the file is (``kind``), the hash of the code that wrote it and the hash of
  the data it was built from; the reader compares both with the hashes it computes itself, so a file
  from another version of the matcher or of the lists is never used;
* a SHA-256 of all of it: format, header and payload (a truncated or corrupted file fails it);
* the payload: named sections of bytes (UTF-8 text, JSON, packed 32-bit integers or 64-bit floats),
  each within the payload.

Layout::

    b"EXPGCACH" | u32 format | u32 header length | 32-byte SHA-256 (of all else) | header | payload

Anything that does not verify is ignored (``read`` returns None) and the caller rebuilds the cache. Writes
are atomic (a temporary file, then ``os.replace``) and best effort: an unwritable folder only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar, overload

from exportgate import settings
from exportgate.errors import ExportgateError

T = TypeVar("T")

MAGIC = b"EXPGCACH"
FORMAT_VERSION = 1
SUFFIX = ".egcache"
_PREFIX = struct.Struct("<8sII32s")
_SIGNED = struct.Struct("<8sII")  # the prefix fields the digest covers (with the header and the payload)
MAX_HEADER_BYTES = 1 << 20  # the header is a few hundred bytes; more is not a file this code wrote
MAX_FILE_BYTES = 1 << 32  # offsets are 32-bit: no valid cache file is larger
# Section encodings: "bytes", "text" (UTF-8, each item ended by "\n"), "json", "u32" (unsigned 32-bit ints), "f64".
_ITEMSIZE = {"u32": 4, "f64": 8}
_TYPECODE = {"u32": next(c for c in "IL" if array(c).itemsize == 4), "f64": "d"}


class CacheFile:
    """A verified cache file: its header and its sections, decoded on request."""

    __slots__ = ("_payload", "_sections", "header")

    def __init__(self, header: dict[str, Any], payload: memoryview, sections: dict[str, tuple[str, int, int]]) -> None:
        self.header = header
        self._payload = payload
        self._sections = sections

    def raw(self, name: str) -> memoryview:
        """Section ``name`` as it is stored (a view: no copy)."""
        _, start, end = self._section(name, "bytes")
        return self._payload[start:end]

    def text(self, name: str) -> list[str]:
        """Section ``name`` as the list of strings it was written from (one split, no per-item work)."""
        _, start, end = self._section(name, "text")
        if start == end:
            return []
        if self._payload[end - 1] != 0x0A:
            raise CacheError(f"section {name!r} is not newline-terminated")
        return str(self._payload[start : end - 1], "utf-8").split("\n")

    def json(self, name: str) -> Any:
        _, start, end = self._section(name, "json")
        try:
            return json.loads(bytes(self._payload[start:end]))
        except RecursionError:
            raise CacheError(f"section {name!r} is nested too deep") from None

    def u32(self, name: str) -> array[int]:
        return self._numbers(name, "u32")

    def f64(self, name: str) -> array[float]:
        return self._numbers(name, "f64")

    def _numbers(self, name: str, kind: str) -> array[Any]:
        _, start, end = self._section(name, kind)
        out = array(_TYPECODE[kind])
        out.frombytes(self._payload[start:end])
        return out

    def _section(self, name: str, kind: str | None) -> tuple[str, int, int]:
        try:
            found = self._sections[name]
        except KeyError:
            raise CacheError(f"section {name!r} is missing") from None
        if kind is not None and found[0] != kind:
            raise CacheError(f"section {name!r} is {found[0]}, not {kind}")
        return found


class CacheError(ValueError):
    """A cache file that verified but does not hold what its reader expects (it is then rebuilt)."""


class DamagedCache(ExportgateError):
    """A row of a verified cache file that its reader cannot use. The file passed its checksum, so it was
    edited on purpose: one line for the user (never code, never a traceback), naming the file to delete."""


class LazyRows(Sequence[T]):
    """Items stored as one JSON row each (one bytes section and its offsets), decoded the first time they
    are read and kept: a process that needs a few of 50,000 items decodes a few. ``items[i]`` is None until
    item ``i`` is decoded; hot loops read ``items`` and call :meth:`load` on None. Subclasses say how a row
    becomes an item (:meth:`decode`) and what an item is called (``what``)."""

    __slots__ = ("_off", "_rows", "_source", "items")
    what = "row"

    def __init__(
        self, items: list[T | None], rows: bytes | memoryview = b"", off: array[int] | None = None, source: str = ""
    ) -> None:
        self.items = items
        self._rows = rows
        self._off = off if off is not None else array("I")
        self._source = source

    @staticmethod
    def read_rows(cf: CacheFile, prefix: str) -> tuple[list[Any], memoryview, array[int]]:
        """(all None, rows, offsets) of the sections ``<prefix>.rows`` and ``<prefix>.off``."""
        off = cf.u32(f"{prefix}.off")
        rows = cf.raw(f"{prefix}.rows")
        if not off or off[0] != 0 or off[-1] != len(rows):
            raise CacheError(f"{prefix}: offsets do not match the rows")
        return [None] * (len(off) - 1), rows, off

    def row_sections(self, prefix: str, encode_row: Any) -> dict[str, tuple[str, bytes]]:
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
        # Each row ends with a newline, which JSON text never holds raw: all rows parse at once (load_all).
        rows = [(encode(encode_row(item)) + "\n").encode("utf-8") for item in self]
        return {
            f"{prefix}.rows": ("bytes", b"".join(rows)),
            f"{prefix}.off": u32_section(accumulate(map(len, rows), initial=0)),
        }

    def decode(self, row: Any, i: int) -> T:
        """Item ``i`` from its row (parsed JSON); TypeError/ValueError/KeyError if it is not a row this code
        writes."""
        raise NotImplementedError

    def load(self, i: int) -> T:
        """Item ``i``, decoded from its row the first time (DamagedCache when the row is not one this code
        writes)."""
        item = self.items[i]
        if item is None:
            try:
                item = self.decode(json.loads(bytes(self._rows[self._off[i] : self._off[i + 1]])), i)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
                raise self._damaged(i, exc) from None
            self.items[i] = item
        return item

    def load_all(self) -> None:
        """Decode every item not decoded yet, parsing all rows in one go (for a process that will need most
        of them: a third of the time of decoding them one by one)."""
        items = self.items
        if all(items) or not self._rows:
            return
        try:
            rows = json.loads(b"[" + bytes(self._rows).rstrip(b"\n").replace(b"\n", b",") + b"]")
        except (ValueError, RecursionError):
            rows = None
        if not isinstance(rows, list) or len(rows) != len(items):
            for i in range(len(items)):  # one by one: the error names the row
                self.load(i)
            return
        for i, row in enumerate(rows):
            if items[i] is None:
                try:
                    items[i] = self.decode(row, i)
                except (ValueError, TypeError, KeyError, IndexError) as exc:
                    raise self._damaged(i, exc) from None

    def _damaged(self, i: int, exc: Exception) -> DamagedCache:
        return DamagedCache(f"cache {self._source}: {self.what} {i} is unreadable ({exc}); delete the file")

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self.load(k) for k in range(*i.indices(len(self.items)))]
        if i < 0:
            i += len(self.items)
        if not 0 <= i < len(self.items):
            raise IndexError(i)
        return self.items[i] or self.load(i)

    def __iter__(self) -> Iterator[T]:
        items = self.items
        for i in range(len(items)):
            yield items[i] or self.load(i)

    def __repr__(self) -> str:
        decoded = sum(item is not None for item in self.items)
        return f"<{type(self).__name__}: {len(self.items)} {self.what} rows, {decoded} decoded>"


def code_hash(paths: Iterable[Path], *extra: str) -> str:
    """SHA-256 of source files (names and bytes) and extra strings (library versions): what a cache was
    built by. Any edit, upgrade or change of :data:`FORMAT_VERSION` gives another hash."""
    h = hashlib.sha256(f"format={FORMAT_VERSION}".encode())
    for path in paths:
        h.update(b"\x1e" + path.name.encode() + b"\x1f")
        h.update(path.read_bytes())
    for item in extra:
        h.update(b"\x1e" + item.encode())
    return h.hexdigest()


def text_section(items: Iterable[str]) -> tuple[str, bytes]:
    """Encode strings that contain no newline (normalised tokens and forms), each ended by one; ValueError
    when an item has a newline of its own (such text goes in a JSON section)."""
    items = list(items)
    blob = ("\n".join(items) + "\n").encode("utf-8") if items else b""
    if blob.count(b"\n") != len(items):
        raise ValueError("a text section item contains a newline")
    return "text", blob


def json_section(value: Any) -> tuple[str, bytes]:
    return "json", json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def u32_section(values: Iterable[int]) -> tuple[str, bytes]:
    return "u32", array(_TYPECODE["u32"], values).tobytes()


def f64_section(values: Iterable[float]) -> tuple[str, bytes]:
    return "f64", array("d", values).tobytes()


def write(path: Path, kind: str, code: str, data: str, sections: Mapping[str, tuple[str, bytes]]) -> bool:
    """Write a cache file atomically; False when it could not be written (never raises OSError)."""
    table: dict[str, list[Any]] = {}
    offset = 0
    for name, (enc, blob) in sections.items():
        table[name] = [enc, offset, len(blob)]
        offset += len(blob)
    header = json.dumps(
        {"kind": kind, "code": code, "data": data, "byteorder": sys.byteorder, "sections": table},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    digest = hashlib.sha256(_SIGNED.pack(MAGIC, FORMAT_VERSION, len(header)) + header)
    for _, blob in sections.values():
        digest.update(blob)
    tmp = None
    try:
        settings.private_dir(path.parent)  # in the data home: the owner's only
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), digest.digest()))
            fh.write(header)
            for _, blob in sections.values():
                fh.write(blob)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def read(path: Path, kind: str, code: str, data: str) -> CacheFile | None:
    """The cache file at ``path`` if it verifies (see the module docstring) for this ``kind``, ``code`` and
    ``data`` hash; None when it is absent, unreadable, truncated, corrupt, foreign or stale."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < _PREFIX.size or size > MAX_FILE_BYTES:
                return None
            blob = fh.read()
    except OSError:
        return None
    found = verify(blob, kind, code, data)
    if found is not None:  # a use: prune() keeps the recently used files, not the recently built ones
        with contextlib.suppress(OSError):
            os.utime(path)
    return found


def verify(blob: bytes, kind: str, code: str, data: str) -> CacheFile | None:
    """The checks of :func:`read` on a file's bytes."""
    if len(blob) < _PREFIX.size:
        return None
    magic, version, header_len, digest = _PREFIX.unpack_from(blob)
    if magic != MAGIC or version != FORMAT_VERSION or header_len > MAX_HEADER_BYTES:
        return None
    start = _PREFIX.size
    if len(blob) < start + header_len:
        return None
    checked = hashlib.sha256(_SIGNED.pack(magic, version, header_len))
    checked.update(memoryview(blob)[start:])
    if checked.digest() != digest:
        return None
    try:
        header = json.loads(blob[start : start + header_len])
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or (header.get("kind"), header.get("code"), header.get("data")) != (
        kind,
        code,
        data,
    ):
        return None
    if header.get("byteorder") != sys.byteorder:
        return None
    payload = memoryview(blob)[start + header_len :]
    sections: dict[str, tuple[str, int, int]] = {}
    table = header.get("sections")
    if not isinstance(table, dict):
        return None
    for name, entry in table.items():
        if not (isinstance(entry, list) and len(entry) == 3 and entry[0] in ("bytes", "text", "json", "u32", "f64")):
            return None
        enc, offset, length = entry
        if not (isinstance(offset, int) and isinstance(length, int) and 0 <= offset <= offset + length <= len(payload)):
            return None
        if length % _ITEMSIZE.get(enc, 1):
            return None
        sections[name] = (enc, offset, offset + length)
    return CacheFile(header, payload, sections)


def prune(directory: Path, pattern: str, keep: int, current: Path) -> None:
    """Delete all but the ``keep`` most recently used files matching ``pattern`` (never ``current``);
    best effort. A verified :func:`read` counts as a use, so the index of the lists in daily use is not
    pushed out by a few builds over other list versions."""
    with contextlib.suppress(OSError):
        found = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[keep:]:
            if old != current:
                old.unlink(missing_ok=True)
