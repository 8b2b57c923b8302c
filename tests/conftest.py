"""Shared test fixtures.

``shared_dir`` points at ``../shared`` (the project's reference data, present in CI); tests that need
it are skipped cleanly on a fresh clone without it. ``warm_index`` builds the default screener once per
run, so its index is on disk before any test starts a subprocess.

Databases: ``db_url`` runs a test once on SQLite and once on PostgreSQL. PostgreSQL is exercised for real:
one database ``eg_test_<random>`` is created per test session on 127.0.0.1:5432 (trust auth, user
``postgres`` or ``root``) and dropped at the end; every test gets its own schema in it (``search_path`` set
through the URL) so that each starts from an empty, freshly migrated store. The PostgreSQL tests are
skipped, saying why, only if the server is unreachable.

The API: ``make_team(url)`` opens a service on a store with one user of each role (their keys in
``Team.keys``); ``team`` is one on SQLite for a test module, ``team_both`` one on SQLite and then one on
PostgreSQL for a test module, ``api_client(team, role)`` a client signed in as that role (a fixture).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the test run away from the user's own data home (ledger, updated lists, caches).

    One private home per run, and one cache directory (``EXPORTGATE_CACHE_DIR``), shared by in-process
    tests and the subprocesses they start (they inherit the environment): the screening index is built
    once per run, also for a test that gives a subprocess an empty home of its own. Under pytest-xdist
    (``make test``) each worker has a home of its own inside the run's (a test that updates the lists or
    writes the default ledger does not reach the other worker) and the cache is the run's (written
    atomically, so the workers share the built index).
    """
    if "EXPORTGATE_TEST_HOME" not in os.environ:
        os.environ["EXPORTGATE_TEST_HOME"] = tempfile.mkdtemp(prefix="exportgate-test-home-")
        # removed when the run ends (registered first: it runs last, after the index builder is waited for)
        config.add_cleanup(lambda: shutil.rmtree(os.environ.pop("EXPORTGATE_TEST_HOME"), ignore_errors=True))
    run_home = Path(os.environ["EXPORTGATE_TEST_HOME"])
    worker = getattr(config, "workerinput", {}).get("workerid")
    home = run_home / worker if worker else run_home
    home.mkdir(exist_ok=True)
    os.environ["EXPORTGATE_HOME"] = str(home)
    os.environ["EXPORTGATE_CACHE_DIR"] = str(run_home / "cache")
    os.environ.pop("EXPORTGATE_DB_URL", None)
    from web_helpers import cheap_hashes

    cheap_hashes()  # the product's profile is held by test_service_accounts.py
    _build_each_typer_app_once()
    if worker is not None or not getattr(config.option, "numprocesses", None):  # a process that runs tests
        from exportgate.screen import index

        # The run's cache keeps every index built in it: with the product's few, a test that builds indexes over
        # other lists (list updates, rescreens) pushed the default one out, and the next subprocess that needed it
        # built it again (3.5 s). The run's home, cache and all, is removed at the end.
        index.CACHE_KEEP = RUN_CACHE_KEEP
    if worker is None and getattr(config.option, "numprocesses", None):
        _start_building_the_index(config, run_home)


#: the modules that take longest (20-40 s each, one worker each under ``--dist loadscope``), run first: the
#: workers then finish on short modules at about the same time, not one on the browser tests while the
#: other waits
SLOW_MODULES = ("web/test_browser.py", "store/test_service_rescreen.py", "api/test_jobs.py", "api/test_roles.py",
                "landscape/test_landscape_store.py", "screen_lists/test_lists_loaders.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::")[0].removeprefix("tests/")
        return SLOW_MODULES.index(module) if module in SLOW_MODULES else len(SLOW_MODULES)

    items.sort(key=rank)  # a stable sort: every module's tests keep their order


INDEX_LOCK = "warm-index.lock"
#: index files the run's cache keeps (more than a run builds)
RUN_CACHE_KEEP = 100


def _start_building_the_index(config: pytest.Config, run_home: Path) -> None:
    """Under pytest-xdist: the default screener's index built into the run's cache once, by a process started
    here, while the workers start and collect; each worker's ``warm_index`` waits for it (the lock it holds),
    then loads the index from the cache (0.1 s) instead of every worker building the same one (3.5 s of CPU)."""
    import fcntl
    import subprocess
    import sys

    script = "from exportgate.packages.screening import default_screener; default_screener()"
    with (run_home / INDEX_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # taken here, held by the child (the same open file) until it exits
        builder = subprocess.Popen([sys.executable, "-c", script], pass_fds=[lock.fileno()],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    config.add_cleanup(builder.wait)


def _build_each_typer_app_once() -> None:
    """``CliRunner.invoke(app, ...)`` turns the Typer app into a Click command on every call: every signature
    and annotation of the whole command table evaluated again (about 0.1 s; ~17 s of CPU over the suite's
    in-process command runs). The Click command holds no state of a run (each run makes its own context), so
    it is built once per app and reused, and built again if the app's table has changed since."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, tuple[Any, tuple[int, int, bool], Any]] = {}

    def get_command(app: Any) -> Any:
        shape = (len(app.registered_commands), len(app.registered_groups), app.registered_callback is not None)
        hit = built.get(id(app))
        if hit is None or hit[0] is not app or hit[1] != shape:
            hit = built[id(app)] = (app, shape, build(app))
        return hit[2]

    typer.testing._get_command = get_command


@pytest.fixture(scope="session")
def warm_index() -> Any:
    """The default screener (the run's home: the embedded lists), built once per run; its index, cached in
    ``EXPORTGATE_CACHE_DIR``, is what every later subprocess loads instead of building its own."""
    import fcntl

    from exportgate.packages.screening import default_screener

    lock = Path(os.environ["EXPORTGATE_TEST_HOME"]) / INDEX_LOCK
    if lock.exists():  # built by the process _start_building_the_index started: wait for it to finish
        with lock.open() as fh:
            fcntl.flock(fh, fcntl.LOCK_SH)
    return default_screener()  # loaded from the cache; built here if that process could not


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not present")
    return SHARED


class _Planted:
    """Unpickling this creates a marker file: the proof that something loaded a pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.marker), "w"))


@pytest.fixture()
def planted_pickle(tmp_path: Path) -> tuple[bytes, Path]:
    """A pickle that would create a marker file if anything loaded it, and the marker's path (absent)."""
    import pickle

    marker = tmp_path / "planted-pickle-ran"
    return pickle.dumps(_Planted(marker)), marker


# --- databases ------------------------------------------------------------------------------------------

PG_HOST = "127.0.0.1:5432"
PG_USERS = ("postgres", "root")


def _admin_engine() -> tuple[Engine, str] | str:
    """An AUTOCOMMIT engine on database ``test`` and the user it connected as, or why it failed."""
    problems = []
    for user in PG_USERS:
        url = f"postgresql+psycopg://{user}@{PG_HOST}/test?connect_timeout=3"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return engine, user
        except Exception as exc:  # any failure to connect means: skip, with the reason
            problems.append(f"{user}: {str(exc).splitlines()[0]}")
            engine.dispose()
    return "; ".join(problems)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session (dropped afterwards)."""
    admin = _admin_engine()
    if isinstance(admin, str):
        pytest.skip(f"PostgreSQL at {PG_HOST} is unreachable ({admin})")
    engine, user = admin
    name = f"eg_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def _pg_schema(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session database while the block runs; the URL puts it first on the
    search path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session database; the URL puts it first on the search path."""
    with _pg_schema(pg_database) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """``migrated(url)``: ``url``, its store brought to the newest schema first when it is a SQLite file not made
    yet, by copying a store migrated once per session (the same Alembic migrations that opening it runs, ~40 ms
    of CPU every time). For the fixtures of tests about what a store holds, not about migrating one (those use
    ``db_url`` as it is). A PostgreSQL URL is returned as it is: its store is migrated when opened."""
    import contextlib
    import sqlite3

    from exportgate import settings

    made: list[Path] = []

    def ready(url: str) -> str:
        if not url.startswith("sqlite:///"):
            return url
        target = Path(url.removeprefix("sqlite:///"))
        if target.exists():
            return url
        if not made:
            from exportgate.store.db import make_engine, migrate

            path = tmp_path_factory.mktemp("migrated") / "store.db"
            engine = make_engine(f"sqlite:///{path}")
            migrate(engine)
            engine.dispose()
            made.append(path)
        # owner-only from the first byte, as exportgate.store.db.make_engine makes a new store file
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, settings.PRIVATE_FILE_MODE))
        with contextlib.closing(sqlite3.connect(made[0])) as src, contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return url

    return ready


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


# --- the API: a team of one user per role ------------------------------------------------------------------

ROLES = ("analyst", "reviewer", "admin")


@dataclass
class Team:
    """A service on a store, with one enabled user per role and their API keys."""

    service: Any
    keys: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def _make_team(url: str, screener: Any) -> Team:
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    svc = Service.open(url, screener=screener)
    team = Team(svc)
    operator = Actor.local("setup")
    admin = svc.users.add(operator, "ada", "admin")
    team.keys["admin"] = admin.api_key
    boss = svc.users.authenticate_key(admin.api_key)
    team.keys["analyst"] = svc.users.add(boss, "ann", "analyst").api_key
    team.keys["reviewer"] = svc.users.add(boss, "rex", "reviewer").api_key
    return team


@pytest.fixture(scope="session")
def make_team(warm_index: Any) -> Iterator[Callable[[str], Team]]:
    """Open a team on a store URL (closed at the end of the session)."""
    made: list[Team] = []

    def make(url: str) -> Team:
        team = _make_team(url, warm_index)
        made.append(team)
        return team

    yield make
    for team in made:
        team.service.close()


@pytest.fixture(scope="module")
def team(make_team: Callable[[str], Team], tmp_path_factory: pytest.TempPathFactory) -> Team:
    """A team on a SQLite store of its own, for one test module."""
    return make_team(f"sqlite:///{tmp_path_factory.mktemp('team') / 'team.db'}")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def team_both(request: pytest.FixtureRequest, make_team: Callable[[str], Team],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """A team for one test module, once on a SQLite store and once on a PostgreSQL schema of its own (the
    module's tests run on the first, then on the second)."""
    if request.param == "sqlite":
        yield make_team(f"sqlite:///{tmp_path_factory.mktemp('team') / 'team.db'}")
        return
    with _pg_schema(request.getfixturevalue("pg_database")) as url:
        team = make_team(url)
        yield team
        team.service.close()  # before its schema is dropped


@pytest.fixture
def team_db(make_team: Callable[[str], Team], db_url: str, migrated: Callable[[str], str]) -> Team:
    """A team on a fresh store, once on SQLite and once on PostgreSQL."""
    return make_team(migrated(db_url))


def _api_client(team: Team, role: str | None = "analyst", **kwargs: Any) -> Any:
    """A test client of the app serving ``team``'s store, signed in as ``role`` (None: no key)."""
    from fastapi.testclient import TestClient

    from exportgate.api import create_app

    app = create_app(kwargs.pop("lim", None), team.service, hosts=["testserver"])
    headers = team.headers(role) if role else {}
    return TestClient(app, headers=headers, **kwargs)


@pytest.fixture(scope="session")
def api_client() -> Callable[..., Any]:
    """``api_client(team, role="analyst", lim=None, **TestClient options)``: a client of the app serving
    ``team``'s store, signed in as ``role`` (None: no key)."""
    return _api_client
