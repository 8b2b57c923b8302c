"""Accounts: the role table, keys and passwords stored as hashes only, authentication, the local actor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import AccessDenied, InputError, NotAuthenticated
from exportgate.store import accounts
from exportgate.store.accounts import PERMISSIONS, ROLE_PERMISSIONS, Actor, Permission
from exportgate.store.service import Service
from exportgate.store.service_models import User

ANALYST = {"screen", "classify", "determine", "check", "cases.read", "alerts.read", "lists.read", "ledger.read",
           "audit.verify"}


@pytest.fixture
def svc(db_url: str, migrated: Any) -> Iterator[Service]:
    service = Service.open(migrated(db_url))
    yield service
    service.close()


def test_the_role_table() -> None:
    as_text = {role: {p.value for p in perms} for role, perms in ROLE_PERMISSIONS.items()}
    assert as_text["analyst"] == ANALYST
    assert as_text["reviewer"] == ANALYST | {"alerts.decide", "cases.sign_off", "ledger.record", "audit.read"}
    assert as_text["admin"] == ANALYST | {"users.manage", "lists.update", "rescreen", "audit.read", "cases.delete"}
    # separation of duties: who hands out accounts and updates lists decides no alert
    assert not Actor("root", "admin").can(Permission.ALERTS_DECIDE)
    assert not Actor("rev", "reviewer").can(Permission.USERS_MANAGE)
    # every permission is described and granted to some role; the local operator of a store without users has all
    assert set(PERMISSIONS) == set(Permission) == set().union(*ROLE_PERMISSIONS.values())
    assert Actor.local("me").permissions == frozenset(Permission)
    with pytest.raises(AccessDenied, match="needs the role reviewer"):
        Actor("ann", "analyst").require(Permission.ALERTS_DECIDE)


def _stored(svc: Service) -> str:
    """Everything the users table and the audit log hold, as one string."""
    with svc.engine.connect() as conn:
        users = conn.execute(text("SELECT * FROM users")).all()
        audit = conn.execute(text("SELECT payload FROM audit_log")).all()
    return json.dumps([list(map(str, r)) for r in users + audit])


def test_keys_and_passwords_are_stored_as_argon2id_hashes_only(svc: Service) -> None:
    local = svc.local_actor("installer")
    admin = svc.users.add(local, "alice", "admin")
    assert admin.api_key.startswith("eg_") and admin.user.role == "admin" and admin.user.has_key
    reviewer = svc.users.add(svc.local_actor("alice"), "bob", "reviewer")
    svc.users.set_password(svc.local_actor("alice"), "bob", "correct horse battery staple")
    with Session(svc.engine) as session:
        bob = session.scalars(select(User).where(User.name == "bob")).one()
        assert bob.key_hash is not None and bob.key_hash.startswith("$argon2id$")
        assert bob.password_hash is not None and bob.password_hash.startswith("$argon2id$")
    stored = _stored(svc)
    secret = reviewer.api_key[len("eg_") + 12 + 1:]  # eg_<12 hex key id>_<secret>: the secret may hold "_" itself
    assert len(secret) == 43
    assert reviewer.api_key not in stored and secret not in stored and admin.api_key not in stored
    assert "correct horse battery staple" not in stored
    # a listing never shows a key or a hash
    listed = json.dumps([u.model_dump(mode="json") for u in svc.users.list(svc.local_actor("alice"))])
    assert "argon2" not in listed and reviewer.api_key not in listed


def test_authentication(svc: Service) -> None:
    local = svc.local_actor("installer")
    svc.users.add(local, "alice", "admin")
    admin = svc.local_actor("alice")
    key = svc.users.add(admin, "bob", "reviewer").api_key
    assert svc.users.authenticate_key(key) == Actor("bob", "reviewer", svc.users.authenticate_key(key).user_id)
    assert svc.users.authenticate_key(key).role == "reviewer"  # the second time from the verified-key memory
    for bad in ("", "Bearer x", key[:-1] + ("A" if key[-1] != "A" else "B"), "eg_000000000000_" + "x" * 43,
                key + "x", "x" * 5000):
        with pytest.raises(NotAuthenticated):
            svc.users.authenticate_key(bad)
    new = svc.users.rotate_key(admin, "bob").api_key
    with pytest.raises(NotAuthenticated):
        svc.users.authenticate_key(key)  # the old key, though this process verified it before
    assert svc.users.authenticate_key(new).name == "bob"
    svc.users.disable(admin, "bob")
    with pytest.raises(NotAuthenticated, match="disabled"):
        svc.users.authenticate_key(new)
    svc.users.enable(admin, "bob")
    assert svc.users.authenticate_key(new).name == "bob"

    with pytest.raises(InputError, match="12 to"):
        svc.users.set_password(admin, "bob", "short")
    svc.users.set_password(admin, "bob", "a long enough passphrase")
    assert svc.users.authenticate_password("bob", "a long enough passphrase").role == "reviewer"
    for name, password in (("bob", "a long enough passphrasE"), ("nobody", "a long enough passphrase")):
        with pytest.raises(NotAuthenticated, match="wrong user name or password"):
            svc.users.authenticate_password(name, password)
    # a user may set its own password, not someone else's
    svc.users.add(admin, "carol", "analyst")
    carol = svc.local_actor("carol")
    svc.users.set_password(carol, "carol", "carol's own passphrase")
    with pytest.raises(AccessDenied):
        svc.users.set_password(carol, "bob", "not carol's to set!")


def test_local_actor_and_user_management_rules(svc: Service) -> None:
    assert svc.local_actor("anyone").role is None  # no users yet: the local operator
    svc.users.add(svc.local_actor("anyone"), "alice", "admin")
    with pytest.raises(AccessDenied, match="no user 'anyone'"):
        svc.local_actor("anyone")
    admin = svc.local_actor("alice")
    with pytest.raises(InputError, match="last enabled admin"):
        svc.users.disable(admin, "alice")
    with pytest.raises(InputError, match="already exists"):
        svc.users.add(admin, "alice", "analyst")
    with pytest.raises(InputError, match="must be one of analyst, reviewer, admin"):
        svc.users.add(admin, "dave", "root")
    with pytest.raises(InputError, match="a user name"):
        svc.users.add(admin, "../etc", "analyst")
    svc.users.add(admin, "erin", "analyst")
    with pytest.raises(AccessDenied, match="erin \\(analyst\\) may not add"):
        svc.users.add(svc.local_actor("erin"), "frank", "admin")
    svc.users.disable(admin, "erin")
    with pytest.raises(AccessDenied, match="disabled"):
        svc.local_actor("erin")
    events = [(e.event, e.actor, e.payload.get("name")) for e in svc.audit_log.events() if e.event.startswith("users.")]
    assert events == [("users.add", "anyone", "alice"), ("users.add", "alice", "erin"),
                      ("users.disable", "alice", "erin")]


def test_users_from_the_command_line(tmp_path: Any) -> None:
    db = str(tmp_path / "store.db")

    def run(*args: str, stdin: str | None = None) -> Any:
        return CliRunner().invoke(app, [*args, "--db", db], input=stdin, catch_exceptions=False)

    out = run("users", "add", "alice", "--role", "admin")
    assert out.exit_code == 0, out.output
    key = out.stdout.strip().splitlines()[-1]
    assert key.startswith("eg_") and "shown once" in out.stdout
    assert run("users", "add", "bob", "--role", "analyst", "--as", "alice").exit_code == 0
    out = run("users", "add", "carol", "--role", "admin", "--as", "bob")
    assert out.exit_code == 2 and out.stderr.startswith("error: actor: bob (analyst) may not add")
    out = run("users", "list", "--as", "alice", "--json")
    assert [(u["name"], u["role"]) for u in json.loads(out.stdout)] == [("alice", "admin"), ("bob", "analyst")]
    assert key not in out.stdout
    out = run("users", "passwd", "bob", "--password-stdin", "--as", "bob", stdin="bob's new passphrase\n")
    assert out.exit_code == 0, out.output
    assert run("users", "rotate-key", "bob", "--as", "alice").stdout.strip().splitlines()[-1].startswith("eg_")
    assert run("users", "disable", "bob", "--as", "alice").exit_code == 0
    out = run("users", "list", "--as", "bob")
    assert out.exit_code == 2 and "error: --as: user 'bob' is disabled" in out.stderr


def test_the_data_home_and_the_database_are_the_owners_only(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    from exportgate.screen.lists.versions import changing
    from exportgate.store.signing import signing_key

    old = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless made otherwise
    try:
        home = tmp_path / "fresh" / "home"
        monkeypatch.setenv("EXPORTGATE_HOME", str(home))
        with Service.open() as svc:
            svc.audit_log.write("test", {})  # WAL and journal files come and go with the same mode
        mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
        assert mode(home) == 0o700 and mode(home / "exportgate.db") == 0o600
        assert mode(tmp_path / "fresh") == 0o700  # every folder made on the way
        other = tmp_path / "other"
        with changing(other):
            pass
        assert mode(other) == 0o700 and mode(other / "lists") == 0o700
        signing_key(tmp_path / "third")
        assert mode(tmp_path / "third") == 0o700 and mode(tmp_path / "third" / "keys") == 0o700
    finally:
        os.umask(old)


def test_the_web_sign_in_locks_a_user_out_after_repeated_failures(svc: Service) -> None:
    from datetime import UTC, datetime

    from exportgate.store.accounts import SIGNIN_FAILURES_LIMIT, SIGNIN_LOCKOUT, LockedOut

    svc.users.add(svc.local_actor("setup"), "alice", "admin")
    admin = svc.users.actor("alice")
    assert admin is not None
    svc.users.add(admin, "bob", "reviewer")
    svc.users.set_password(admin, "bob", "a long enough passphrase")
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    # failures short of the limit, then a good sign-in: the count starts again
    for _ in range(SIGNIN_FAILURES_LIMIT - 1):
        with pytest.raises(NotAuthenticated, match="wrong user name or password"):
            svc.users.sign_in("bob", "wrong", now)
    assert svc.users.sign_in("bob", "a long enough passphrase", now).name == "bob"
    for _ in range(SIGNIN_FAILURES_LIMIT - 1):
        with pytest.raises(NotAuthenticated) as failed:
            svc.users.sign_in("bob", "wrong", now)
        assert not isinstance(failed.value, LockedOut)
    with pytest.raises(LockedOut, match="locked until 2026-12-01 09:15 UTC"):
        svc.users.sign_in("bob", "wrong", now)
    # while locked, even the right password is refused; after the lock-out it works again
    with pytest.raises(LockedOut):
        svc.users.sign_in("bob", "a long enough passphrase", now + SIGNIN_LOCKOUT / 2)
    assert svc.users.sign_in("bob", "a long enough passphrase", now + SIGNIN_LOCKOUT).name == "bob"
    locks = svc.audit_lines(admin, "users.locked_out")
    assert [line.payload["name"] for line in locks] == ["bob"] and svc.audit_verify(admin).ok
    # an admin setting a new password ends a lock-out at once
    for _ in range(SIGNIN_FAILURES_LIMIT):
        with pytest.raises(NotAuthenticated):
            svc.users.sign_in("bob", "wrong", now)
    svc.users.set_password(admin, "bob", "another long passphrase")
    assert svc.users.sign_in("bob", "another long passphrase", now).name == "bob"
    # an unknown name is refused the same way and locks nothing
    with pytest.raises(NotAuthenticated, match="wrong user name or password"):
        svc.users.sign_in("nobody", "wrong", now)


def test_the_product_hashes_with_rfc_9106_low_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run argon2 at its cheapest (``tests/conftest.py``); the product's own hasher, made on first
    use, is argon2id with RFC 9106's low-memory profile, and a hash it makes names those parameters."""
    from argon2.profiles import RFC_9106_LOW_MEMORY

    monkeypatch.setattr(accounts, "_HASHER", None)
    assert accounts.hasher()._parameters == RFC_9106_LOW_MEMORY
    stored = accounts.hash_secret("a long enough password")
    assert stored.startswith(f"$argon2id$v=19$m={RFC_9106_LOW_MEMORY.memory_cost},t={RFC_9106_LOW_MEMORY.time_cost},"
                             f"p={RFC_9106_LOW_MEMORY.parallelism}$")
    assert accounts.verify_secret(stored, "a long enough password")


def test_a_key_arriving_in_many_requests_at_once_is_verified_once(svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's first burst (many requests with a key it has not verified yet) runs argon2 once; a wrong key
    in the same burst is still refused."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    local = svc.local_actor("installer")
    key = svc.users.add(local, "dora", "analyst").api_key
    monkeypatch.setattr(accounts, "_VERIFIED", {})
    calls: list[str] = []
    real = accounts.verify_secret
    gate = threading.Event()

    def counted(stored: str, secret: str) -> bool:
        calls.append(secret)
        gate.wait(5)  # every request is in flight before the first verification ends
        return real(stored, secret)

    monkeypatch.setattr(accounts, "verify_secret", counted)

    def attempt(k: str) -> str:
        try:
            return svc.users.authenticate_key(k).name
        except NotAuthenticated:
            return "refused"

    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(attempt, key) for _ in range(15)] + [pool.submit(attempt, wrong)]
        gate.set()
        answers = [f.result() for f in futures]
    assert answers == ["dora"] * 15 + ["refused"]
    assert calls.count(key) == 1
    assert calls.count(wrong) <= 1  # verified after the right key's, against the same stored hash: refused


def test_a_key_is_looked_up_without_waiting_for_a_writer(tmp_path: Any) -> None:
    """On SQLite every transaction takes the write lock as it begins (BEGIN IMMEDIATE), except a reader's: the
    key look-up of each API request begins deferred, and answers while another connection holds the write lock
    (it would wait for it, up to the busy timeout, and then fail)."""
    import sqlite3
    import time

    from sqlalchemy import event

    from exportgate.store.db import BUSY_TIMEOUT_MS

    path = tmp_path / "store.db"
    with Service.open(f"sqlite:///{path}") as svc:
        key = svc.users.add(svc.local_actor("installer"), "ann", "analyst").api_key
        svc.users.authenticate_key(key)  # verified once (slow on purpose), then remembered
        begun: list[str] = []
        event.listen(svc.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_rest: begun.append(statement) if "BEGIN" in statement else None)
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")  # another process writing, for longer than a look-up may take
            writer.execute("UPDATE users SET updated_by = 'writer'")
            started = time.monotonic()
            assert svc.users.authenticate_key(key).name == "ann"
            assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000 / 10
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert begun == ["BEGIN"]
        svc.audit_log.write("test.write", {})  # a write: the lock taken as it begins
        assert begun[1:] == ["BEGIN IMMEDIATE"]
