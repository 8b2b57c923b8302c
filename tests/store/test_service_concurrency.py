"""Writers in separate processes: two at once lose nothing and never fail ("database is locked" on SQLite, a
serialization error on PostgreSQL), and never fork the audit chain; a writer killed mid-transaction leaves the
chain valid and nothing half written."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from service_samples import DETERMINE_CASE
from sqlalchemy import Engine, text

from exportgate.store.audit import verify_chain
from exportgate.store.service import Service

WRITER = textwrap.dedent("""
    import json, sys, time
    from exportgate.store.service import Service
    url, tag, cases, lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    case = json.loads(sys.argv[5])
    with Service.open(url) as svc:
        actor = svc.local_actor(tag)
        print("ready", flush=True)
        sys.stdin.readline()  # both start together
        for i in range(max(cases, lines)):
            if i < cases:
                svc.determine(actor, case)
            if i < lines:
                svc.audit_log.write("test.write", {"writer": tag, "i": i}, actor=tag)
            time.sleep(0.001)  # a breath between transactions, so that the two writers take turns
    print("done", flush=True)
""")

VICTIM = textwrap.dedent("""
    import json, sys, time
    from exportgate.store import audit
    from exportgate.store.service import Service

    original = audit.AuditLog.append

    def append_then_hang(session, *args, **kwargs):
        line = original(session, *args, **kwargs)
        print("in-transaction", flush=True)  # the case, its run, its parties and its audit line are flushed
        time.sleep(120)
        return line

    audit.AuditLog.append = staticmethod(append_then_hang)
    with Service.open(sys.argv[1]) as svc:
        svc.determine(svc.local_actor("victim"), json.loads(sys.argv[2]))
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _counts(svc: Service) -> tuple[int, int, int]:
    with svc.engine.connect() as conn:
        return tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
                     for t in ("cases", "case_runs", "audit_log"))


def _race(db_url: str, tags: tuple[str, str], cases: int, lines: int) -> None:
    """Two writer processes, started together; each exits cleanly, with no lock or serialization error."""
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db_url, tag, str(cases), str(lines),
                               json.dumps(DETERMINE_CASE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env()) for tag in tags]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err and "could not serialize" not in err and out.strip().endswith("done")


def test_two_writers_at_once_lose_nothing(db_url: str, tmp_path: Path) -> None:
    """Every race loses nothing; the test needs one in which the writers really took turns (on a loaded
    machine one may finish before the other starts: that race proves nothing, so it is run again, at most
    three times)."""
    Service.open(db_url).close()  # migrated once, so the writers race on writes, not on the schema
    cases, lines = 12, 60
    for attempt in range(3):
        tags = (f"w1-{attempt}", f"w2-{attempt}")
        with Service.open(db_url) as svc:
            before = _counts(svc)
        _race(db_url, tags, cases, lines)
        with Service.open(db_url) as svc:
            after = _counts(svc)
            assert tuple(a - b for a, b in zip(after, before, strict=True)) == (cases * 2, cases * 2,
                                                                                  2 * (cases + lines))
            report = verify_chain(svc.engine)
            assert report.ok and report.lines == after[2], report.message
            for tag in tags:  # each writer's lines in its own order, none lost
                assert [x.payload["i"] for x in svc.audit_log.events("test.write") if x.actor == tag] == list(
                    range(lines))
            actors = [x.actor for x in svc.audit_log.events() if x.actor in tags]
        if sum(a != b for a, b in itertools.pairwise(actors)) > 1:
            return  # they wrote in turns
    pytest.fail("in three races the two writers never took turns: the race was never run")


def test_a_writer_killed_mid_transaction_leaves_nothing_half_written(db_url: str) -> None:
    with Service.open(db_url) as svc:
        svc.determine(svc.local_actor("before"), DETERMINE_CASE)
        before = _counts(svc)
    victim = subprocess.Popen([sys.executable, "-c", VICTIM, db_url, json.dumps(DETERMINE_CASE)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert victim.stdout is not None
        line = victim.stdout.readline().strip()
        assert line == "in-transaction", victim.stderr.read() if victim.stderr else ""
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert victim.returncode == -signal.SIGKILL
    with Service.open(db_url) as svc:
        assert _counts(svc) == before  # no case, run, party or audit line of the killed writer
        assert verify_chain(svc.engine).ok
        svc.determine(svc.local_actor("after"), DETERMINE_CASE)  # the lock went with the writer
        report = verify_chain(svc.engine)
        assert report.ok and report.lines == before[2] + 1


def test_group_commit_stores_every_thread_s_case_and_keeps_the_chain(db_url: str, warm_index: object) -> None:
    """Many threads of one process storing screenings at once (a worker's thread pool): their cases share
    commits (group commit), every case is stored with its alerts and its own audit line, in one chain."""
    import threading

    from exportgate.store.db import write_group

    names = ["Bank Melli Iran", "Acme Widgets Ltd", "Rosoboronexport", "Gazprombank"]
    with Service.open(db_url, screener=warm_index) as svc:
        actor = svc.local_actor("pool")
        start = threading.Barrier(12)
        stored: list[object] = []

        def worker(n: int) -> None:
            start.wait()
            for i in range(5):
                stored.append(svc.screen(actor, names[(n + i) % len(names)]))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        group = write_group(svc.engine)
        assert len(stored) == 60 and group.writes >= 60
        assert group.groups < group.writes  # some commits carried more than one case
        ids = {c.id for c in stored}  # type: ignore[attr-defined]
        assert len(ids) == 60
        for case in stored:
            again = svc.cases.get(actor, case.id)  # type: ignore[attr-defined]
            assert again.alerts == case.alerts and again.status == case.status  # type: ignore[attr-defined]
        lines = [line for line in svc.audit_log.events(event="case.store")]
        assert {line.payload["case_id"] for line in lines} >= ids
        assert verify_chain(svc.engine).ok


def _hold_the_writers(engine: Engine) -> tuple[Callable[[], object], Callable[[], object]]:
    """(take, give back) the turn of a store's writers: on SQLite this process's writers' lock, on PostgreSQL the
    audit chain's head row (locked by another connection's transaction)."""
    from exportgate.store.db import _writers

    if engine.dialect.name == "sqlite":
        lock = _writers(engine)
        return lock.__enter__, lambda: lock.__exit__(None, None, None)
    conn = engine.connect()

    def take() -> object:
        conn.begin()
        return conn.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1 FOR UPDATE"))

    def give_back() -> object:
        conn.rollback()
        conn.close()
        return None

    return take, give_back


def test_a_failing_write_in_a_group_is_rolled_back_alone(db_url: str) -> None:
    """Writes waiting together commit together; one that raises is rolled back (the others run again without
    it) and raises in its own thread, the others are stored, and the chain goes on from the last one stored."""
    import threading
    import time

    from sqlalchemy.orm import Session

    from exportgate.errors import InputError
    from exportgate.store.audit import AuditLog
    from exportgate.store.db import write_group, write_grouped

    with Service.open(db_url) as svc:
        engine = svc.engine
        outcome: dict[int, object] = {}

        def submit(n: int) -> None:
            def run(session: Session) -> int:
                line = AuditLog.append(session, "test.group", {"n": n})
                if n == 3:
                    raise InputError("n", "three is refused")
                return line.id

            try:
                outcome[n] = write_grouped(engine, run)
            except InputError as exc:
                outcome[n] = exc

        group = write_group(engine)
        before = (group.groups, group.writes)
        take, give_back = _hold_the_writers(engine)
        take()
        first = threading.Thread(target=submit, args=(0,))
        first.start()
        deadline = time.monotonic() + 10
        while not group.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the first one is at the lock with a group of one
        others = [threading.Thread(target=submit, args=(n,)) for n in range(1, 7)]
        for t in others:
            t.start()
        while len(group.queue) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(group.queue) == 6  # waiting behind the first one's commit, which waits for the lock
        give_back()
        for t in [first, *others]:
            t.join()
        assert (group.groups - before[0], group.writes - before[1]) == (2, 7)  # the first alone, then six together
        assert isinstance(outcome[3], InputError)
        assert all(isinstance(outcome[n], int) for n in (0, 1, 2, 4, 5, 6))
        stored = [line.payload["n"] for line in svc.audit_log.events(event="test.group")]
        assert sorted(stored) == [0, 1, 2, 4, 5, 6]
        assert verify_chain(engine).ok


def test_the_writers_of_another_process_wait_their_turn_at_the_file(tmp_path: Path) -> None:
    """SQLite writers take turns at a lock file beside the database (``<file>.writers``, owner-only): a writer
    waits while another process holds the turn, without polling SQLite's busy handler, and writes as soon as
    the turn is free. (Another open file of the lock is what another process holds: a flock is per open file.)"""
    import fcntl
    import sqlite3
    import threading

    from sqlalchemy import text

    from exportgate.store.db import make_engine, write

    db = tmp_path / "turns.db"
    engine = make_engine(f"sqlite:///{db}")
    write(engine, lambda s: s.execute(text("CREATE TABLE t (x INTEGER)")))
    lock = tmp_path / "turns.db.writers"
    assert lock.is_file() and lock.stat().st_mode & 0o777 == 0o600

    other = os.open(lock, os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)  # the other process's turn
    done = threading.Event()

    def writer() -> None:
        write(engine, lambda s: s.execute(text("INSERT INTO t VALUES (1)")))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert not done.wait(0.5)  # waiting for its turn
        with contextlib.closing(sqlite3.connect(db)) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    assert done.wait(10)
    thread.join()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    engine.dispose()
