"""Reading list files: gzip transparently, strict UTF-8, file-kind detection by name.

Every read is capped (``exportgate.settings.lists_max_bytes``): a file, or what it decompresses to, is read in
chunks and refused once it passes the cap, so a gzip or ZIP bomb costs at most the cap in memory.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Protocol

from exportgate import settings
from exportgate.errors import InputError

CHUNK = 1 << 20


class Readable(Protocol):
    """A binary stream (a file, a GzipFile, a ZIP member)."""

    def read(self, size: int = -1, /) -> bytes: ...

# File kinds a list version can hold. The legacy OFAC CSV kinds come in two families (SDN, Non-SDN).
KINDS = (
    "sdn",
    "alt",
    "add",
    "sdn_comments",
    "cons_prim",
    "cons_alt",
    "cons_add",
    "cons_comments",
    "csl",
    "csl_json",
    "enhanced_xml",
    "ftm",
)
PRIMARY_KINDS = ("sdn", "cons_prim", "csl", "csl_json", "enhanced_xml", "ftm")

_NAME = re.compile(
    r"^(?P<base>sdn_comments|cons_comments|cons_prim|cons_alt|cons_add|sdn|alt|add|consolidated)"
    r"(?:[_-][A-Za-z0-9_-]*)?\.(?P<ext>csv|json)(?:\.gz)?$"
)


def kind_of(name: str) -> str | None:
    """The file kind for a file name or URL (``SDN.CSV``, ``sdn_2024-05-03.csv.gz``, ``consolidated.json``)."""
    base = name.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    if base.endswith((".ftm.json", ".ftm.json.gz", ".jsonl", ".jsonl.gz")):
        return "ftm"
    if base.endswith((".xml", ".zip", ".xml.gz")):
        return "enhanced_xml"
    m = _NAME.match(base)
    if not m:
        return None
    b, ext = m.group("base"), m.group("ext")
    if b == "consolidated":
        return "csl_json" if ext == "json" else "csl"
    return b if ext == "csv" else None


def read_bytes(path: Path, label: str | None = None, max_bytes: int | None = None) -> bytes:
    """File content, gunzipped when it is gzip (by magic bytes, not by name); at most ``max_bytes``
    (default: the settings' cap) as stored and as decompressed, else an InputError."""
    label = label or path.name
    cap = settings.lists_max_bytes(max_bytes)
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
            fh.seek(0)
            if magic == b"\x1f\x8b":
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        return read_capped(gz, cap, label, "decompressed ")
                except (OSError, EOFError, zlib.error) as exc:
                    raise InputError(label, f"corrupt or truncated gzip data ({exc})") from None
            return read_capped(fh, cap, label)
    except FileNotFoundError:
        raise InputError(label, "file not found") from None
    except IsADirectoryError:
        raise InputError(label, "is a directory, not a list file") from None
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror}") from None


def read_capped(stream: Readable, cap: int, label: str, what: str = "") -> bytes:
    """All of ``stream``, read in chunks; an InputError as soon as it passes ``cap`` bytes."""
    buf = io.BytesIO()  # getvalue() hands over its buffer: no second copy of a large file
    size = 0
    while chunk := stream.read(min(CHUNK, cap + 1 - size)):
        size += len(chunk)
        if size > cap:
            raise InputError(label, f"{what}content larger than {cap:,} bytes (the list-file size cap; "
                             f"raise it with --max-bytes or {settings.LISTS_MAX_BYTES_ENV})")
        buf.write(chunk)
    return buf.getvalue()


def read_zip_member(raw: bytes, label: str, suffix: str, max_bytes: int | None = None) -> bytes:
    """The first member of a ZIP held in ``raw`` whose name ends with ``suffix``, decompressed in chunks up to
    the cap (the sizes a ZIP states are not trusted)."""
    cap = settings.lists_max_bytes(max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = [n for n in zf.namelist() if n.lower().endswith(suffix)]
            if not members:
                raise InputError(label, f"ZIP holds no {suffix} file")
            with zf.open(members[0]) as member:
                return read_capped(member, cap, label, "decompressed ")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputError(label, f"corrupt or truncated ZIP ({exc})") from None


def decode(raw: bytes, label: str) -> str:
    """Strict UTF-8 (BOM tolerated); on failure name the line and byte offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            label, f"line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None


def read_text(path: Path, label: str | None = None) -> str:
    return decode(read_bytes(path, label), label or path.name)
