"""Reading list files: gzip transparently, strict UTF-8, file-kind detection by name."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

from exportgate.errors import InputError

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


def read_bytes(path: Path, label: str | None = None) -> bytes:
    """File content, gunzipped when it is gzip (by magic bytes, not by name)."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(label, "file not found") from None
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(label, f"corrupt or truncated gzip data ({exc})") from None
    return raw


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
