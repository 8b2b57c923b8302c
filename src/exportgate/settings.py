"""The one reader of the environment: where exportgate keeps its data, its caches and its database.

Every module that needs a path or a URL asks here, so the order of precedence is written once:

- ``EXPORTGATE_HOME``: the data home (updated lists, the SQLite ledger, caches); default ``~/.exportgate``.
- ``EXPORTGATE_CACHE_DIR``: built screening indexes; default ``$EXPORTGATE_HOME/cache`` when the home is
  set, else ``$XDG_CACHE_HOME/exportgate`` (``~/.cache/exportgate``), so a user's caches live with
  their other caches while a test run or a service keeps its own.
- ``EXPORTGATE_DB_URL``: the database; default a SQLite file ``exportgate.db`` in the data home.

Functions, not constants: tests and services change the environment after import.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "EXPORTGATE_HOME"
CACHE_ENV = "EXPORTGATE_CACHE_DIR"
DB_URL_ENV = "EXPORTGATE_DB_URL"
DB_FILE = "exportgate.db"


def home(explicit: Path | str | None = None) -> Path:
    """The data home: ``explicit`` (a ``--home`` option), else ``$EXPORTGATE_HOME``, else ``~/.exportgate``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".exportgate"


def cache_dir() -> Path:
    """Where built screening indexes are cached (see the module docstring for the order)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser() / "cache"
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "exportgate"


def db_url(explicit: str | None = None) -> str:
    """The database URL: ``explicit`` (``--db``), else ``$EXPORTGATE_DB_URL``, else SQLite in the data home.

    A value without ``://`` is a SQLite file path.
    """
    chosen = (explicit or os.environ.get(DB_URL_ENV) or "").strip()
    if not chosen:
        return f"sqlite:///{home() / DB_FILE}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().absolute()}"
    return chosen


# --- limits of `lists update` (issue 12: hostile input) -----------------------------------------------
#
# ``EXPORTGATE_LISTS_DEADLINE``: seconds one ``lists update`` may spend downloading, all files together
# (``--deadline`` raises it for one run). The default (10 minutes) fits the official files (about 60 MB in
# all) on a slow line; a server that trickles bytes can no longer hold an update for ever.
# ``EXPORTGATE_LISTS_MAX_BYTES``: the most bytes one list file may hold, as downloaded and after
# decompression (gzip, ZIP), read in chunks and stopped at the cap (``--max-bytes`` raises it for one run).
# The default (512 MiB) is about five times the largest official list file (OFAC's SDN Enhanced XML);
# a gzip or ZIP bomb stops there with a one-line error instead of exhausting memory.

LISTS_DEADLINE_ENV = "EXPORTGATE_LISTS_DEADLINE"
LISTS_MAX_BYTES_ENV = "EXPORTGATE_LISTS_MAX_BYTES"
DEFAULT_LISTS_DEADLINE_SECONDS = 600.0
DEFAULT_LISTS_MAX_BYTES = 512 * 1024 * 1024


def lists_deadline(explicit: float | None = None) -> float:
    """Seconds for the whole download of one ``lists update``: ``explicit``, else the environment, else the
    default."""
    value = _positive(explicit, LISTS_DEADLINE_ENV)
    return DEFAULT_LISTS_DEADLINE_SECONDS if value is None else value


def lists_max_bytes(explicit: int | None = None) -> int:
    """The most bytes a list file may hold, downloaded or decompressed: ``explicit``, else the environment,
    else the default."""
    value = _positive(explicit, LISTS_MAX_BYTES_ENV)
    return DEFAULT_LISTS_MAX_BYTES if value is None else int(value)


def _positive(explicit: float | None, env: str) -> float | None:
    """``explicit`` or the environment variable ``env``: a positive finite number (else an InputError)."""
    from exportgate.errors import InputError

    raw: object = explicit if explicit is not None else os.environ.get(env, "").strip()
    if raw == "":
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise InputError(env, f"must be a positive number, not {raw!r}")
    return value
