"""Fixtures for the store tests: a fresh ledger on SQLite and on PostgreSQL.

PostgreSQL is exercised for real: one database ``eg_test_<random>`` is created per test session on
127.0.0.1:5432 (trust auth, user ``postgres`` or ``root``) and dropped at the end; every test gets its
own schema in it (``search_path`` set through the URL) so that each starts from an empty, freshly
migrated ledger. The PostgreSQL tests are skipped, saying why, only if the server is unreachable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

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


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session database; the URL puts it first on the search path."""
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
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url
