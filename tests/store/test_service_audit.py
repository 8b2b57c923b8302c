"""The hash-chained audit log: intact after writes; lines edited, removed, reordered or slipped in directly in
the database (the append-only trigger disabled, as an attacker with database access would) are named; lines
written before the chain are chained by the migration."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.store.audit import AuditLog, verify_chain
from exportgate.store.db import current_revision, head_revision, make_engine, migrate
from exportgate.store.service import Service


@pytest.fixture
def svc(db_url: str, migrated: Any) -> Iterator[Service]:
    service = Service.open(migrated(db_url))
    for i in range(6):
        service.audit_log.write("test.event", {"n": i, "text": f"line {i} ünïcode", "amount": 1.5e16 + i},
                                actor=f"user{i % 2}")
    yield service
    service.close()


def as_attacker(conn: Connection, statements: Callable[[Connection], None]) -> None:
    """Lift the append-only trigger, change the table, put the trigger back (in one transaction)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        statements(conn)
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        statements(conn)
        for action in ("UPDATE", "DELETE"):
            conn.execute(text(f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                              "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"))


def ids(svc: Service) -> list[int]:
    with svc.engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_log ORDER BY seq")).scalars())


def test_an_untouched_chain_verifies(svc: Service, db_url: str) -> None:
    report = verify_chain(svc.engine)
    assert report.ok and report.lines == 6 and report.head_seq == 6 and len(report.head_hash) == 64
    lines = svc.audit_log.events()
    assert [x.seq for x in lines] == [1, 2, 3, 4, 5, 6]
    out = CliRunner().invoke(app, ["audit", "verify", "--db", db_url, "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["ok"] is True


def test_the_triggers_still_refuse_changes(svc: Service) -> None:
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), svc.engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_chain(svc.engine).ok


def test_an_edited_line_is_named(svc: Service, db_url: str) -> None:
    target = ids(svc)[2]
    with svc.engine.begin() as conn:
        as_attacker(conn, lambda c: c.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = :i"),
                                              {"i": target}))
    report = verify_chain(svc.engine)
    assert (report.ok, report.problem, report.line_id, report.line_seq) == (False, "edited", target, 3)
    assert "line 3" in report.message and "was edited" in report.message
    out = CliRunner().invoke(app, ["audit", "verify", "--db", db_url])
    assert out.exit_code == 1 and "BROKEN (edited)" in out.stdout and f"id {target}" in out.stdout


def test_an_edited_payload_is_named(svc: Service) -> None:
    target = ids(svc)[4]
    payload = json.dumps({"n": 40, "text": "line 4 ünïcode", "amount": 1.5e16 + 4})
    with svc.engine.begin() as conn:
        as_attacker(conn, lambda c: c.execute(text("UPDATE audit_log SET payload = :p WHERE id = :i"),
                                              {"p": payload, "i": target}))
    report = verify_chain(svc.engine)
    assert (report.problem, report.line_id) == ("edited", target)


def test_a_removed_line_is_named(svc: Service) -> None:
    order = ids(svc)
    with svc.engine.begin() as conn:
        as_attacker(conn, lambda c: c.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": order[1]}))
    report = verify_chain(svc.engine)
    assert (report.problem, report.line_id) == ("removed", order[2])
    assert "was removed" in report.message


def test_removed_last_lines_are_named(svc: Service) -> None:
    order = ids(svc)
    with svc.engine.begin() as conn:
        as_attacker(conn, lambda c: c.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": order[-1]}))
    report = verify_chain(svc.engine)
    assert report.problem == "removed" and report.line_seq == 6 and "last lines were removed" in report.message


def test_reordered_lines_are_named(svc: Service) -> None:
    order = ids(svc)

    def swap(c: Connection) -> None:  # swap the places of lines 2 and 4 (through a free place: seq is unique)
        c.execute(text("UPDATE audit_log SET seq = 1000 WHERE id = :i"), {"i": order[1]})
        c.execute(text("UPDATE audit_log SET seq = 2 WHERE id = :i"), {"i": order[3]})
        c.execute(text("UPDATE audit_log SET seq = 4 WHERE id = :i"), {"i": order[1]})

    with svc.engine.begin() as conn:
        as_attacker(conn, swap)
    report = verify_chain(svc.engine)
    assert (report.problem, report.line_id, report.line_seq) == ("reordered", order[3], 2)
    assert "out of order" in report.message


def test_a_line_slipped_in_is_named(svc: Service) -> None:
    with svc.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, event, actor, payload) VALUES "
                          "('2026-01-01 00:00:00', 'ledger.record', 'mallory', '{}')"))
    report = verify_chain(svc.engine)
    assert report.problem == "inserted" and "mallory" not in report.message and "ledger.record" in report.message
    # and writing goes on from the chain's head, not from the line slipped in
    svc.audit_log.write("after", {})
    assert verify_chain(svc.engine).problem == "inserted"


def test_the_migration_chains_the_lines_written_before(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0003_landscape")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_log (at, event, actor, content_hash, payload, note) VALUES "
                              "(:at, 'ledger.record', 'old', NULL, :p, NULL)"),
                         {"at": f"2025-0{i + 1}-01 10:00:00.123456", "p": json.dumps({"record_id": i, "x": [1, 2.5]})})
    migrate(engine)
    assert current_revision(engine) == head_revision()
    report = verify_chain(engine)
    assert report.ok and report.lines == 3
    log = AuditLog(engine)
    log.write("after", {"ok": True})
    assert [(x.seq, x.event) for x in log.events()] == [(1, "ledger.record"), (2, "ledger.record"),
                                                        (3, "ledger.record"), (4, "after")]
    assert verify_chain(engine).ok
    engine.dispose()


def test_every_write_of_the_service_is_a_chained_line(db_url: str, warm_index: Any, monkeypatch: Any) -> None:
    from service_samples import LISTED_LIKE, package_with

    with Service.open(db_url, screener=warm_index) as svc:
        local = svc.local_actor("me")
        case = svc.check(local, package_with(LISTED_LIKE))
        svc.users.add(local, "rev", "reviewer")
        svc.alerts.decide(svc.local_actor("rev"), case.alert_list[0].id, "false_positive", "other company")
        events = [(x.event, x.actor) for x in svc.audit_log.events()]
        assert events == [("case.store", "me"), ("users.add", "me"), ("alert.decide", "rev")]
        assert verify_chain(svc.engine).ok


def test_lines_of_one_transaction_follow_each_other_across_savepoints(svc: Service) -> None:
    """A transaction's later lines follow the head its last line wrote (not read again), except after a savepoint
    began or ended: a line rolled back with its savepoint is not followed, one released with it is."""
    from sqlalchemy.orm import Session

    with Session(svc.engine) as session, session.begin():
        AuditLog.append(session, "test.tx", {"n": 1})
        AuditLog.append(session, "test.tx", {"n": 2})
        with session.begin_nested() as savepoint:
            AuditLog.append(session, "test.tx", {"n": 3})
            savepoint.rollback()
        AuditLog.append(session, "test.tx", {"n": 4})
        with session.begin_nested():
            AuditLog.append(session, "test.tx", {"n": 5})
        AuditLog.append(session, "test.tx", {"n": 6})
    lines = svc.audit_log.events(event="test.tx")
    assert [line.payload["n"] for line in lines] == [1, 2, 4, 5, 6]
    assert [line.seq for line in lines] == list(range(7, 12))  # after the fixture's 6 lines, one after the other
    report = verify_chain(svc.engine)
    assert report.ok and (report.lines, report.head_seq) == (11, 11)
