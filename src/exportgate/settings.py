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
