"""The one reader of the environment: where exportgate keeps its data, its caches and its database.

Every module that needs a path or a URL asks here, so the order of precedence is written once:

- ``EXPORTGATE_HOME``: the data home (updated lists, the SQLite ledger, caches); default ``~/.exportgate``.
- ``EXPORTGATE_CACHE_DIR``: built screening indexes; default ``$EXPORTGATE_HOME/cache`` when the home is
  set, else ``$XDG_CACHE_HOME/exportgate`` (``~/.cache/exportgate``), so a user's caches live with
  their other caches while a test run or a service keeps its own.
- ``EXPORTGATE_DB_URL``: the database; default a SQLite file ``exportgate.db`` in the data home.
- ``EXPORTGATE_USER``: who the command line acts as in the store (cases, alerts, users); default the OS user.
- ``EXPORTGATE_SECURE_COOKIES``: ``1`` marks the web pages' session cookie ``Secure`` even when the request
  reached exportgate over plain HTTP (a TLS proxy in front that does not say so); it is always ``Secure``
  on an ``https`` request.
- ``EXPORTGATE_MAX_*``: the limits on what exportgate reads (:func:`limits`, :data:`LIMITS`).
- ``EXPORTGATE_ALLOWED_HOSTS``: the ``Host`` names the service answers (:func:`allowed_hosts`; default the
  loopback names); ``EXPORTGATE_JOB_SLOTS``: background jobs run at once (``exportgate.api.jobs``; default 1);
  ``EXPORTGATE_JOB_RETENTION_DAYS``: how long a finished job's folder is kept (:func:`job_retention_days`).

Functions, not constants: tests and services change the environment after import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "EXPORTGATE_HOME"
CACHE_ENV = "EXPORTGATE_CACHE_DIR"
DB_URL_ENV = "EXPORTGATE_DB_URL"
DB_FILE = "exportgate.db"
USER_ENV = "EXPORTGATE_USER"
SECURE_COOKIES_ENV = "EXPORTGATE_SECURE_COOKIES"
#: the data home and the folders exportgate makes in it are readable by their owner only (they hold the
#: database, the result-signing key, list versions); files in them are 0600
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def home(explicit: Path | str | None = None) -> Path:
    """The data home: ``explicit`` (a ``--home`` option), else ``$EXPORTGATE_HOME``, else ``~/.exportgate``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".exportgate"


def private_dir(path: Path) -> Path:
    """Make ``path`` and any missing parents readable by their owner only (0700); folders that already
    exist keep their mode. ``path``."""
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # made by a concurrent process
        folder.chmod(PRIVATE_DIR_MODE)  # whatever the umask
    return path


def local_user(explicit: str | None = None) -> str:
    """Who the command line acts as: ``explicit`` (``--as``), else ``$EXPORTGATE_USER``, else the OS user."""
    chosen = (explicit or os.environ.get(USER_ENV) or "").strip()
    if chosen:
        return chosen
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def secure_cookies() -> bool:
    """Whether the web pages mark their cookies ``Secure`` on every request (``EXPORTGATE_SECURE_COOKIES``: 1,
    true, yes or on; anything else but empty is an error, not a silent no)."""
    raw = os.environ.get(SECURE_COOKIES_ENV, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    from exportgate.errors import InputError

    raise InputError(SECURE_COOKIES_ENV, f"must be 1 or 0 (true/false, yes/no, on/off), not {raw[:20]!r}")


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


# --- limits -----------------------------------------------------------------------------------------
#
# Everything exportgate reads from a counterparty, a user or the network is bounded, so that a hostile or
# broken input gets one line (``error: field: problem``, exit 2) or a 4xx answer, never a traceback and
# never unbounded memory or time. Each limit has a documented default, an environment variable to
# raise (or lower) it, and, where a command reads the input, a flag (``check --max-lines``,
# ``serve --max-request-bytes`` ...). The table is also in docs/usage/limits.md.


@dataclass(frozen=True)
class Limit:
    """One limit: its name (the :class:`Limits` field), environment variable, default and meaning."""

    name: str
    env: str
    default: int
    meaning: str
    flag: str | None = None


#: every limit, in the order the docs list them
LIMITS: tuple[Limit, ...] = (
    Limit("input_bytes", "EXPORTGATE_MAX_INPUT_BYTES", 16 * 1024 * 1024,
          "bytes read from one input file or standard input (package, case, item file)", "check --max-input-bytes"),
    Limit("request_bytes", "EXPORTGATE_MAX_REQUEST_BYTES", 8 * 1024 * 1024,
          "bytes of one HTTP request body (API and web pages, uploads included; larger: 413)", "serve --max-request-bytes"),
    Limit("depth", "EXPORTGATE_MAX_DEPTH", 64,
          "nesting depth of a YAML/JSON document (mappings and lists inside each other)"),
    Limit("list_items", "EXPORTGATE_MAX_LIST_ITEMS", 10_000,
          "entries of any one list in a document or request (items to classify, parties, lines of a layer)"),
    Limit("lines", "EXPORTGATE_MAX_LINES", 10_000,
          "lines of one package, all layers together", "check --max-lines"),
    Limit("name_chars", "EXPORTGATE_MAX_NAME_CHARS", 1_000,
          "characters of a name to screen (the longest listed names are about 600)"),
    Limit("max_year", "EXPORTGATE_MAX_YEAR", 2199,
          "the latest year of a date to decide on (the rule data describe the law as it stands)"),
    # about five times the largest official list file (OFAC's SDN Enhanced XML): a gzip or ZIP bomb stops there
    Limit("lists_max_bytes", "EXPORTGATE_LISTS_MAX_BYTES", 512 * 1024 * 1024,
          "bytes of one list file as downloaded and after decompression (gzip, ZIP), read in chunks",
          "lists update --max-bytes"),
    # the official files (about 60 MB in all) on a slow line; a server that trickles bytes cannot hold an update
    Limit("lists_deadline", "EXPORTGATE_LISTS_DEADLINE", 600,
          "seconds one `lists update` may spend downloading, all files together", "lists update --deadline"),
)


@dataclass(frozen=True)
class Limits:
    """The limits in force (see :data:`LIMITS` for each one's environment variable and default)."""

    input_bytes: int
    request_bytes: int
    depth: int
    list_items: int
    lines: int
    name_chars: int
    max_year: int
    lists_max_bytes: int
    lists_deadline: int


#: Python's dates end in year 9999; a later limit could not be represented (and leaves no room for the
#: record-keeping period the rules add to a date)
_YEAR_CEILING = 9989


def limits(**overrides: int | None) -> Limits:
    """The limits in force: each from ``overrides`` (a command-line flag) when given, else from its
    environment variable, else its default. A value that is not a whole number > 0 is an
    :class:`~exportgate.errors.InputError` naming the flag or the variable."""
    unknown = set(overrides) - {lim.name for lim in LIMITS}
    if unknown:
        raise TypeError(f"unknown limits: {', '.join(sorted(unknown))}")
    return Limits(**{lim.name: _value(lim, overrides.get(lim.name)) for lim in LIMITS})


def limit(name: str) -> int:
    """One limit in force (its environment variable, else its default), for code on a hot path that
    needs only that one: ``limit("name_chars")``. The variable is read on every call (a change takes effect
    at once); its value is parsed once per value seen."""
    lim = _BY_NAME[name]
    key = (name, os.environ.get(lim.env))
    value = _PARSED.get(key)
    if value is None:
        value = _value(lim, None)  # an InputError for a bad value, every time it is asked for
        _PARSED[key] = value
    return value


_PARSED: dict[tuple[str, str | None], int] = {}  # (limit, its variable's value) -> the limit


def _value(lim: Limit, given: int | None) -> int:
    from exportgate.errors import InputError

    where = lim.flag.split()[-1] if given is not None and lim.flag else lim.env
    raw: object = given if given is not None else os.environ.get(lim.env, "").strip() or lim.default
    try:
        value = int(str(raw).replace("_", ""))
    except ValueError:
        raise InputError(where, f"must be a whole number > 0, not {str(raw)[:40]!r}") from None
    if value <= 0:
        raise InputError(where, f"must be a whole number > 0, not {value}")
    if lim.name == "max_year" and value > _YEAR_CEILING:
        raise InputError(where, f"must be at most {_YEAR_CEILING}")
    return value


_BY_NAME = {lim.name: lim for lim in LIMITS}

#: the list limits' environment variables and default (kept as names: messages and tests cite them)
LISTS_DEADLINE_ENV = "EXPORTGATE_LISTS_DEADLINE"
LISTS_MAX_BYTES_ENV = "EXPORTGATE_LISTS_MAX_BYTES"


def lists_deadline(explicit: float | None = None) -> float:
    """Seconds for the whole download of one ``lists update`` (``--deadline``, else the environment, else the
    default; see :data:`LIMITS`)."""
    if explicit is not None:
        from exportgate.errors import InputError

        if not 0 < explicit < float("inf"):
            raise InputError("--deadline", f"must be a positive number, not {explicit!r}")
        return float(explicit)
    return float(limit("lists_deadline"))


def lists_max_bytes(explicit: int | None = None) -> int:
    """The most bytes a list file may hold, downloaded or decompressed (``--max-bytes``, else the environment,
    else the default; see :data:`LIMITS`)."""
    return limits(lists_max_bytes=explicit).lists_max_bytes


# --- the service ------------------------------------------------------------------------------------

ALLOWED_HOSTS_ENV = "EXPORTGATE_ALLOWED_HOSTS"
#: the Host names a service answers by default: this machine's loopback names only
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(explicit: list[str] | None = None) -> list[str]:
    """The ``Host`` names the service answers (any other: 400): ``explicit`` (``serve --allowed-host``), else
    ``$EXPORTGATE_ALLOWED_HOSTS`` (comma-separated; ``*.example.com`` for subdomains), else the loopback names."""
    if explicit:
        return [h.strip().lower() for h in explicit if h.strip()]
    env = [h.strip().lower() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()]
    return env or list(LOOPBACK_HOSTS)


JOB_RETENTION_ENV = "EXPORTGATE_JOB_RETENTION_DAYS"
#: days a finished job (its upload, its output, its log) is kept before the next submission removes it: a week
#: to download a result; the audit line of its submission stays for good
JOB_RETENTION_DAYS = 7.0


def job_retention_days(explicit: float | None = None) -> float:
    """Days a finished background job's folder is kept (``explicit``, else ``$EXPORTGATE_JOB_RETENTION_DAYS``,
    else :data:`JOB_RETENTION_DAYS`); a positive number."""
    from exportgate.errors import InputError

    raw: object = explicit if explicit is not None else (os.environ.get(JOB_RETENTION_ENV, "").strip() or None)
    if raw is None:
        return JOB_RETENTION_DAYS
    try:
        days = float(raw)  # type: ignore[arg-type]
    except ValueError:
        days = float("nan")
    if not 0 < days < float("inf"):
        raise InputError(JOB_RETENTION_ENV, f"must be a positive number of days, not {str(raw)[:20]!r}")
    return days
