"""Reading case files: YAML or JSON, from a path or from standard input (``-``)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from exportgate.errors import InputError


def read_document(source: str, field: str = "FILE") -> Any:
    """Parse a YAML or JSON document from ``source`` (a path, or ``-`` for stdin).

    JSON is a subset of YAML 1.2 in practice, but we try JSON first for exact number handling and
    clearer errors on ``.json`` files.
    """
    if source == "-":
        text = sys.stdin.read()
        name = "<stdin>"
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(field, f"file not found: {source}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(field, f"{source} is not UTF-8 text ({exc.reason})") from None
        name = source
    if not text.strip():
        raise InputError(field, f"{name} is empty")
    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if name.endswith(".json"):
                raise InputError(field, f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(field, f"{name} is not valid YAML{where}") from None


def parse_date(value: object, field: str) -> date:
    """Parse an ISO date (``YYYY-MM-DD``) given by a user; errors name the field."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError(field, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{value!r} is not a date YYYY-MM-DD") from None


def write_atomic(path: Path | str, data: bytes, field: str) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file in the same folder, flushed to disk,
    then renamed over ``path`` (:func:`os.replace`). A failure leaves no partial file, and an earlier
    file at ``path`` stays as it was; a folder that cannot be made is an :class:`InputError` on ``field``."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(field, f"cannot create directory {directory}: {exc.strerror}") from None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return path
