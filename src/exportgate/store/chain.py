"""The audit log's hash chain: the format of one link (version 1; migration 0005 chained the lines written
before it with this same function, so it never changes — a new format is a new version and a migration).

Each audit line has a place (``seq``: 1, 2, 3 ...), the hash of the line before it (``prev_hash``; the first
line follows :data:`GENESIS`) and its own hash::

    line_hash = SHA-256( prev_hash (64 hex, ASCII) + "\\n" + canonical JSON of the line )

where the canonical JSON is the line's ``at`` (UTC, ISO 8601 with microseconds), ``event``, ``actor``,
``content_hash``, ``payload`` and ``note``, keys sorted, no spaces, UTF-8. The order of the lines is the
chain of ``prev_hash`` links (``seq`` only sorts them): editing a line breaks its own hash, removing or
moving one breaks the link of the line after it (:func:`exportgate.store.audit.verify_chain`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
VERSION = 1


def utc_iso(at: datetime) -> str:
    """``at`` as UTC ISO 8601 with microseconds (a naive value, as SQLite returns it, is UTC)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def canonical(
    at: datetime, event: str, actor: str | None, content_hash: str | None, payload: Any, note: str | None
) -> bytes:
    """The bytes a line's hash covers."""
    body = {"at": utc_iso(at), "event": event, "actor": actor, "content_hash": content_hash, "payload": payload,
            "note": note}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link(prev_hash: str, body: bytes) -> str:
    """The hash of a line whose canonical bytes are ``body`` and which follows the line hashed ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()
