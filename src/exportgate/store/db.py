"""Where the store lives and how it is opened and migrated.

Database URL, first found wins: the ``url`` argument (``--db``), ``EXPORTGATE_DB_URL``, else a SQLite
file ``exportgate.db`` in ``EXPORTGATE_HOME`` (default ``~/.exportgate``). A value without ``://`` is
taken as a path to a SQLite file. PostgreSQL: ``postgresql+psycopg://user@host:5432/dbname`` (psycopg 3).

The schema is made and kept current by the Alembic migrations shipped in ``store/migrations``, run
from code (:func:`migrate`); no ``alembic.ini`` is read. Commands that only read the ledger open it
with :func:`existing_engine`, which never creates a file or migrates a schema.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

try:
    import fcntl
except ImportError:  # Windows: its writers wait in SQLite's busy handler, each process's threads taking turns
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from exportgate import settings
from exportgate.errors import InputError

if TYPE_CHECKING:  # Alembic is imported where a schema revision is read or changed, not by every reader
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
DB_FILE = settings.DB_FILE
#: PostgreSQL advisory lock key held while migrating (any fixed 64-bit number; "expgate" in ASCII)
MIGRATION_LOCK = 0x65787067617465
#: how long a SQLite writer waits for another one's lock before the attempt fails (ms), and how many
#: attempts :func:`write` makes (a writer waiting longer than timeout x attempts has met a stuck one)
BUSY_TIMEOUT_MS = 15000
WRITE_ATTEMPTS = 5
#: PostgreSQL SQLSTATEs that mean "run the transaction again": serialization failure, deadlock
RETRY_SQLSTATES = ("40001", "40P01")
T = TypeVar("T")


def home() -> Path:
    """The data home (``exportgate.settings.home``)."""
    return settings.home()


def resolve_url(url: str | None = None) -> str:
    """The database URL to use (``exportgate.settings.db_url``; see the module docstring for the order)."""
    return settings.db_url(url)


def redact(url: str) -> str:
    """The URL with any password hidden (for messages and the audit log)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL: readers do not wait for the writer, and a commit is one append. The file keeps it once set (a new
    # file is set when it is made, see make_engine); switching needs the database to itself, so a file made
    # before WAL is switched by the first connection that finds no other writer.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        with contextlib.suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


#: the execution option of an engine whose sessions only read (:func:`reader`)
READ_ONLY = "exportgate_read_only"


def _sqlite_begin(conn: Any) -> None:
    # Every transaction takes the write lock when it starts: DDL is transactional too (migrations are
    # all or nothing), and two writers queue (busy_timeout) instead of failing on lock upgrade. A reader's
    # (READ_ONLY) begins deferred: in WAL it takes no lock and never waits for a writer.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def reader(engine: Engine) -> Engine:
    """``engine`` for sessions that only read (the same pool): on SQLite their transactions begin deferred, so a
    read (an API key looked up on every request) neither takes the write lock nor waits behind the writers for
    it, as every transaction's ``BEGIN IMMEDIATE`` does. A write in such a session can fail as busy: never write
    through it. PostgreSQL: the same engine."""
    return engine.execution_options(**{READ_ONLY: True})


#: connections an engine keeps open once used, and how many more it may open at once: a served worker's request
#: threads (AnyIO's default limiter: 40 at once, ``anyio.to_thread.current_default_thread_limiter``) and the
#: job and lock-holding threads beside them
POOL_SIZE = 40
POOL_OVERFLOW = 10


def make_engine(url: str, create: bool = True) -> Engine:
    """An engine for ``url``; an unusable URL is an :class:`InputError` on field ``db``. With ``create``,
    the directory of a SQLite file is made if missing (the file itself is made on first connect)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError("db", f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError("db", f"unsupported database {backend!r}: use sqlite:///PATH or postgresql+psycopg://...")
    if backend == "postgresql" and parsed.get_driver_name() not in ("psycopg", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if create and backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        try:
            settings.private_dir(path.parent)
            if not path.exists():
                # owner-only from the first byte (SQLite gives its -wal and -shm files the same mode), in WAL mode
                # from the start (two processes opening a new ledger at once must not race to switch it)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, settings.PRIVATE_FILE_MODE))
                with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as new, \
                        contextlib.suppress(sqlite3.OperationalError):  # another process is at it: it sets WAL
                    new.execute("PRAGMA journal_mode=WAL")
        except OSError as exc:
            raise InputError("db", f"cannot create {path}: {exc.strerror}") from None
    # A served worker runs up to POOL_SIZE requests at once, each in a thread with a connection of its own:
    # a smaller pool closes a connection as soon as it is returned beyond its size and opens a new one for the
    # next request (SQLite: its connect pragmas again), the churn a load of many clients at once then pays.
    pool = {} if backend == "sqlite" and (not parsed.database or parsed.database == ":memory:") else {
        "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    try:
        engine = create_engine(parsed, future=True, **pool)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InputError("db", f"cannot use {redact(url)}: {exc}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic Config built in code (no ini file), pointing at the shipped migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def existing_engine(url: str, missing_ok: bool = False) -> Engine | None:
    """An engine on a ledger that already exists at the current schema revision, for commands that only
    read: nothing is created, nothing is migrated.

    A missing SQLite file, or a database that holds no ledger yet, is ``None`` with ``missing_ok`` (the
    caller reads it as an empty ledger) and an :class:`InputError` on ``db`` otherwise. A ledger at
    another schema revision is an error that says how to bring it up to date.
    """
    engine = make_engine(url, create=False)
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        if not path.is_file():
            engine.dispose()
            if missing_ok:
                return None
            raise InputError("db", f"no database at {path}")
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise InputError("db", f"cannot open {redact(str(engine.url))}: {_first_line(exc)}") from None
    if current is None:
        engine.dispose()
        if missing_ok:
            return None
        raise InputError("db", f"no ledger in {redact(str(engine.url))} (nothing has been recorded there)")
    head = head_revision()
    if current != head:
        engine.dispose()
        raise InputError(
            "db",
            f"the ledger in {redact(str(engine.url))} is at schema revision {current}, this exportgate reads "
            f"{head}: run `exportgate ledger migrate` (or a command that writes, such as `exportgate ledger "
            "record`) to bring it up to date",
        )
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), in one transaction per migration run."""
    from alembic import command

    cfg = alembic_config(engine)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes opening a new database at once: the second waits, then finds it migrated.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise InputError("db", f"cannot open or migrate {redact(str(engine.url))}: {_first_line(exc)}") from None


class Database:
    """An open store: its engine, its URL with the password hidden, closing, ``with`` use.

    The ledger and the imported TOP500 lists are kept in the same database through subclasses.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Self:
        """Open (creating and migrating as needed) the database at ``url`` (see the module docstring)."""
        engine = make_engine(resolve_url(url))
        migrate(engine)
        return cls(engine)

    @classmethod
    def open_existing(cls, url: str | None = None, *, missing_ok: bool = False) -> Self | None:
        """Open the database at ``url`` for reading only: nothing is created or migrated
        (:func:`existing_engine`). ``None`` when there is no database yet and ``missing_ok``."""
        engine = existing_engine(resolve_url(url), missing_ok=missing_ok)
        return None if engine is None else cls(engine)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return redact(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def insert_rows(session: Session, rows: Sequence[Any], key: tuple[str, ...] = ()) -> None:
    """Write new rows (transient ORM objects of one model, none of its columns with a default) in ``session``'s
    transaction with one ``INSERT ... RETURNING`` of their ids, instead of the unit of work (no flush, no
    attribute events, nothing put in the session); each row's ``id`` is set from what the database returned.
    The rows stay outside the session: written once, as they are now (a later change to them is not stored).
    ``key``: the columns that tell the rows apart when there are several (unique among them): the returned ids
    are matched to the rows by them, not by order (RETURNING's order is not the rows' order on every backend)."""
    if not rows:
        return
    statement, columns = _insert(type(rows[0]), key if len(rows) > 1 else ())
    params = [{name: row.__dict__.get(name) for name in columns} for row in rows]
    if len(rows) == 1:
        rows[0].id = session.execute(statement, params[0]).scalar_one()
        return
    if not key:
        raise ValueError("several rows need a key to match their ids")
    found = {tuple(r[1:]): r[0] for r in session.execute(statement, params)}
    for row, values in zip(rows, params, strict=True):
        row.id = found[tuple(values[k] for k in key)]


def insert_values(session: Session, model: Any, params: list[dict[str, Any]]) -> None:
    """Write new rows of ``model`` from their column values (every column but ``id``, none with a default) with
    one ``INSERT`` (an executemany), in ``session``'s transaction; nothing put in the session."""
    if params:
        session.execute(_insert(model, None)[0], params)


#: (model, returned key) -> the insert statement (built once: building one costs more than running it) and the
#: columns it names
_INSERTS: dict[tuple[Any, tuple[str, ...] | None], tuple[Any, tuple[str, ...]]] = {}


def _insert(model: Any, key: tuple[str, ...] | None) -> tuple[Any, tuple[str, ...]]:
    """The insert of ``model``'s rows: every column but ``id``, returning ``id`` and the ``key`` columns (``None``:
    nothing returned). Refused for a table with a column default (a row built without a value for it would write
    NULL where the unit of work writes the default)."""
    found = _INSERTS.get((model, key))
    if found is None:
        table = model.__table__
        if any(c.default is not None or c.server_default is not None for c in table.columns):
            raise ValueError(f"{table.name} has column defaults: write its rows through the session")
        statement = insert(table)
        if key is not None:
            statement = statement.returning(table.c.id, *(table.c[k] for k in key))
        found = _INSERTS[(model, key)] = (statement, tuple(c.key for c in table.columns if c.key != "id"))
    return found


def _retryable(exc: BaseException) -> bool:
    """A locked SQLite database, or a PostgreSQL serialization failure or deadlock: the same transaction,
    run again, can succeed."""
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


#: one turn per SQLite file (by its absolute path; an in-memory database by its engine): a process's writers
#: take turns, and so do the processes writing to one file
_SQLITE_WRITERS: dict[str | int, _WriterTurn] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


class _WriterTurn:
    """The writers' turn at one SQLite file: the threads of this process one at a time (a reentrant lock), then
    the processes one at a time (an exclusive ``flock`` on ``<file>.writers``, next to the database: the
    kernel wakes a waiting process as soon as the lock is free, and frees it if its holder dies). SQLite's own
    busy handler lets a waiting writer poll with sleeps growing to 100 ms, so between two service workers that
    commit back to back the waiting one could wait for seconds (the p99 of ``/screen`` on SQLite)."""

    def __init__(self, path: Path | None) -> None:
        self.threads = threading.RLock()
        self.path = path
        self.depth = 0  # this process's nested turns (the lock file is held by the outermost)
        self.fd: int | None = None
        self.pid = 0  # the process that opened ``fd`` (a forked child opens its own: a flock is per open file)

    def __enter__(self) -> None:
        self.threads.acquire()
        try:
            if self.depth == 0 and self.path is not None:
                if self.fd is None or self.pid != os.getpid():
                    self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, settings.PRIVATE_FILE_MODE)
                    self.pid = os.getpid()
                fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.threads.release()
            raise
        self.depth += 1

    def __exit__(self, *_exc: object) -> None:
        self.depth -= 1
        try:
            if self.depth == 0 and self.fd is not None and self.pid == os.getpid():
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


def _writers(engine: Engine) -> contextlib.AbstractContextManager[Any]:
    """On SQLite, the writers' turn at ``engine``'s file (:class:`_WriterTurn`). SQLite's busy handler does not
    queue waiting writers, it lets each poll with growing sleeps: many writers waiting at once (a worker's
    thread pool, or the workers of ``serve --workers N``) wait long and in no order (seconds, at the tail).
    Taking turns first leaves SQLite no waiter. PostgreSQL queues waiters itself: no lock."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    database = engine.url.database
    file = Path(database).absolute() if database and database != ":memory:" else None
    key: str | int = str(file) if file is not None else id(engine)
    with _SQLITE_WRITERS_GUARD:
        turn = _SQLITE_WRITERS.get(key)
        if turn is None:
            lock = file.with_name(file.name + ".writers") if file is not None and fcntl is not None else None
            turn = _SQLITE_WRITERS[key] = _WriterTurn(lock)
        return turn


def write(engine: Engine, work: Callable[[Session], T], attempts: int = WRITE_ATTEMPTS) -> T:
    """Run ``work(session)`` in one transaction and commit it; run it again (with a short random pause) when
    the database was locked or the transaction lost a serialization race, up to ``attempts`` times. ``work``
    must do nothing outside the session that it cannot do twice. On SQLite, a process's writers take turns
    (:func:`_writers`)."""
    for attempt in range(1, attempts + 1):
        try:
            with _writers(engine), Session(engine) as session, session.begin():
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


# --- group commit -------------------------------------------------------------------------------------------

#: the most writes one group commit carries
GROUP_MAX = 64


class _Pending:
    """One write waiting for its group's commit."""

    __slots__ = ("error", "finished", "result", "wake", "work")

    def __init__(self, work: Callable[[Session], Any]) -> None:
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False
        self.wake = threading.Event()  # set when its group committed (or failed), or when it is to lead the next


class _Group:
    """The writes of one engine waiting in this process, and whether one of their threads is committing a group."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: list[_Pending] = []
        self.busy = False
        #: groups committed and writes they carried (for tests and benchmarks)
        self.groups = 0
        self.writes = 0


_GROUPS: dict[int, _Group] = {}
_GROUPS_GUARD = threading.Lock()


def write_group(engine: Engine) -> _Group:
    """The group commit state of ``engine`` in this process."""
    with _GROUPS_GUARD:
        return _GROUPS.setdefault(id(engine), _Group())


def write_grouped(engine: Engine, work: Callable[[Session], T], attempts: int = WRITE_ATTEMPTS) -> T:
    """:func:`write`, committed together with the other threads' grouped writes waiting at the same moment
    (group commit): one thread at a time runs the waiting writes (up to :data:`GROUP_MAX`) in one transaction
    and commits them at once; each caller returns (or raises) only after that commit, as with :func:`write`. A
    write that raises is rolled back and its error raised in its own thread; the others commit (the transaction
    is rolled back and they are run again without it: :func:`_run_group`). A locked database or a lost serialization race runs the whole group
    again (:func:`write`'s attempts). Durability is unchanged (the same commit, fewer of them); what it saves is
    a commit (an fsync) and a turn at the write lock per write when many threads write at once. The audit
    chain stays one line after the other: each write appends its line in the group's transaction, in order."""
    group = write_group(engine)
    item = _Pending(work)
    with group.lock:
        group.queue.append(item)
        lead = not group.busy
        group.busy = True
    while not item.finished:
        if not lead:
            item.wake.wait()
            item.wake.clear()
            if item.finished:
                break
        _lead(engine, group, attempts)
        lead = False
    if item.error is not None:
        raise item.error
    return item.result  # type: ignore[no-any-return]


def _lead(engine: Engine, group: _Group, attempts: int) -> None:
    """Commit the writes waiting now (the leader's among them), then hand the lead to the next one waiting."""
    with group.lock:
        batch = group.queue[:GROUP_MAX]
        del group.queue[:GROUP_MAX]
    try:
        _commit_group(engine, batch, attempts)
    finally:
        with group.lock:
            group.groups += 1
            group.writes += len(batch)
            for done in batch:
                done.finished = True
                done.wake.set()
            if group.queue:
                group.queue[0].wake.set()  # it leads the next group
            else:
                group.busy = False


def _commit_group(engine: Engine, batch: list[_Pending], attempts: int) -> None:
    for attempt in range(1, attempts + 1):
        results: dict[int, Any] = {}
        failed: dict[int, BaseException] = {}
        try:
            _run_group(engine, batch, results, failed)
        except DBAPIError as exc:
            if attempt < attempts and _retryable(exc):
                time.sleep(random.uniform(0.01, 0.05) * attempt)
                continue
            for pending in batch:
                pending.error = exc
            return
        except BaseException as exc:  # the commit failed, or the thread is being stopped: no write is stored
            for pending in batch:
                pending.error = exc
            raise
        for n, pending in enumerate(batch):
            if n in failed:
                pending.error = failed[n]
            else:
                pending.result = results[n]
        return


def _run_group(engine: Engine, batch: list[_Pending], results: dict[int, Any],
               failed: dict[int, BaseException]) -> None:
    """Run the writes of ``batch`` one after the other in one transaction and commit it (their results in
    ``results``). A write that raises its own error (not a locked database or a lost race: those propagate, the
    group is run again) is put in ``failed``, the transaction rolled back and the other writes run again in a
    new one: what a savepoint for each write would give (the same writes committed, each failed one rolled back
    entirely), without a savepoint's two statements a write when none fails, as nearly always."""
    while True:
        results.clear()
        with _writers(engine), Session(engine) as session:
            session.begin()
            for n, pending in enumerate(batch):
                if n in failed:
                    continue
                try:
                    results[n] = pending.work(session)
                except DBAPIError as exc:
                    if _retryable(exc):
                        raise  # the group again
                    failed[n] = exc
                    break
                except Exception as exc:  # this write's own error: the others again, without it
                    failed[n] = exc
                    break
            else:
                session.commit()
                return
            session.rollback()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
