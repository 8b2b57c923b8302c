"""The append-only, hash-chained audit log.

Every change to the store writes one :class:`~exportgate.store.models.AuditEvent` in the same
transaction as the change, so a change without its audit line (or the reverse) cannot be committed.
Lines are never updated or deleted: the session refuses it, and so do database triggers (created by
the initial migration) for anyone else connecting.

Each line is chained to the one before it (:mod:`exportgate.store.chain`): a writer takes the chain's head
(``audit_chain_head``) under the write lock — SQLite's ``BEGIN IMMEDIATE`` holds it for the whole
transaction, PostgreSQL locks the head row (``SELECT ... FOR UPDATE``) until commit — so two writers queue
and never fork the chain, and a writer killed mid-transaction leaves neither its line nor a moved head.
:func:`verify_chain` walks the chain and names the first line that was edited, removed or moved by someone
who got past the triggers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import Engine, Table, event, select, update
from sqlalchemy.orm import Session

from exportgate.errors import ExportgateError
from exportgate.store.chain import GENESIS, canonical, link, utc_iso
from exportgate.store.db import insert_rows
from exportgate.store.models import AuditEvent, AuditHead


class AppendOnlyError(ExportgateError):
    """Somebody tried to change or remove an audit line."""


@dataclass(frozen=True)
class AuditRecord:
    """One audit line as read back."""

    id: int
    at: datetime
    event: str
    actor: str | None
    content_hash: str | None
    payload: dict[str, Any]
    seq: int | None = None
    line_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "event": self.event,
            "actor": self.actor,
            "content_hash": self.content_hash,
            "payload": self.payload,
            "seq": self.seq,
            "line_hash": self.line_hash,
        }


def _jsonable(payload: Any) -> dict[str, Any]:
    """The payload as plain JSON (dates and other values as strings), always a mapping."""
    data = json.loads(json.dumps(payload, default=str, ensure_ascii=False))
    return data if isinstance(data, dict) else {"value": data}


_HEADS = cast(Table, AuditHead.__table__)
#: the chain's head, locked until the transaction ends; moving it (statements built once)
_HEAD = select(_HEADS.c.seq, _HEADS.c.line_hash).where(_HEADS.c.id == 1).with_for_update()
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.id == 1)
#: ``session.info`` key: (the transaction, the head's seq and hash) as the session's last line left them
_HELD = "exportgate.audit_head"


def _transaction(session: Session) -> Any:
    """The transaction (or savepoint) ``session`` writes in now: a head held in another one is read again (a
    savepoint rolled back may have undone it)."""
    return session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("audit_log is append-only: audit lines cannot be changed or deleted")


class AuditLog:
    """Read and append audit lines."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def append(
        session: Session,
        event: str,
        payload: Any,
        actor: str | None = None,
        content_hash: str | None = None,
        note: str | None = None,
    ) -> AuditEvent:
        """Add an audit line, chained to the last one, to ``session``'s current transaction (it commits or
        rolls back with it). The chain's head stays locked until that transaction ends. What the session holds
        is written first; the line and the head are written at once, with plain statements (not the unit of
        work); the line returned is as written (outside the session: lines are not changed). The head is read
        (and locked) by a transaction's first line; its next lines (group commit: many cases in one transaction)
        follow the head it wrote last, unless a savepoint began or ended since (then it is read again)."""
        if not event or not isinstance(event, str):
            raise ValueError("an audit event needs a name")
        session.flush()
        held = session.info.get(_HELD)
        if held is not None and held[0] is _transaction(session):
            _, last_seq, last_hash = held
        else:
            head = session.execute(_HEAD).one_or_none()
            if head is None:  # a schema before the chain cannot be written to (migrate() brings it up to date)
                raise ExportgateError("the audit log has no chain head: run `exportgate ledger migrate`")
            last_seq, last_hash = head.seq, head.line_hash
        at = datetime.now(UTC)
        data = _jsonable(payload)
        seq = last_seq + 1
        line_hash = link(last_hash, canonical(at, event, actor, content_hash, data, note))
        line = AuditEvent(at=at, event=event, actor=actor, content_hash=content_hash, payload=data, note=note,
                          seq=seq, prev_hash=last_hash, line_hash=line_hash)
        insert_rows(session, [line])
        session.execute(_MOVE_HEAD, {"seq": seq, "line_hash": line_hash})
        session.info[_HELD] = (_transaction(session), seq, line_hash)
        return line

    def write(self, event: str, payload: Any, actor: str | None = None, content_hash: str | None = None) -> int:
        """Append one audit line in its own transaction; its id."""
        with Session(self.engine) as session, session.begin():
            return self.append(session, event, payload, actor, content_hash).id

    def events(self, event: str | None = None, content_hash: str | None = None) -> list[AuditRecord]:
        """Audit lines, oldest first, optionally of one event type or about one content hash."""
        query = select(AuditEvent).order_by(AuditEvent.id)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        if content_hash is not None:
            query = query.where(AuditEvent.content_hash == content_hash)
        with Session(self.engine) as session:
            return [
                AuditRecord(
                    id=row.id,
                    at=row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC),
                    event=row.event,
                    actor=row.actor,
                    content_hash=row.content_hash,
                    payload=dict(row.payload),
                    seq=row.seq,
                    line_hash=row.line_hash,
                )
                for row in session.scalars(query)
            ]

    def verify(self) -> ChainReport:
        """Walk the chain (:func:`verify_chain`)."""
        return verify_chain(self.engine)


# --- verifying the chain ---------------------------------------------------------------------------------

Problem = Literal["edited", "removed", "reordered", "inserted"]


@dataclass(frozen=True)
class ChainReport:
    """What ``audit verify`` found: the chain intact (``ok``), or the first line where it breaks and how."""

    ok: bool
    lines: int
    #: the last line of the chain as walked, and its hash (write it down: a later verify can compare)
    head_seq: int
    head_hash: str
    problem: Problem | None = None
    #: the line named: its place in the chain as stored (``seq``) and its row id
    line_seq: int | None = None
    line_id: int | None = None
    message: str = "the audit chain is intact"
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "lines": self.lines, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "problem": self.problem, "line_seq": self.line_seq, "line_id": self.line_id,
                "message": self.message, **({"details": self.details} if self.details else {})}


def _describe(row: AuditEvent) -> str:
    return f"line {row.seq} (id {row.id}, {row.event} by {row.actor or 'nobody'} at {utc_iso(row.at)})"


def _content_hash(row: AuditEvent) -> str:
    body = canonical(row.at, row.event, row.actor, row.content_hash, row.payload, row.note)
    return link(row.prev_hash or "", body)


def verify_chain(engine: Engine) -> ChainReport:
    """Walk the audit chain in order and name the first line that breaks it:

    * ``edited``: the line's content no longer gives its hash (or its place number was changed);
    * ``removed``: the line it follows in the chain is missing (or the last lines are: the chain ends before
      the head the writers recorded);
    * ``reordered``: the line is intact but follows another line than the one it was written after;
    * ``inserted``: a line that has no place in the chain (written around exportgate).
    """
    with Session(engine) as session:
        head = session.get(AuditHead, 1)
        known: dict[str, int] = {}  # line hash -> row id, of every line (a moved line, not a removed one)
        for line_hash, row_id in session.execute(select(AuditEvent.line_hash, AuditEvent.id)):
            if line_hash:
                known[line_hash] = row_id
        rows = session.scalars(
            select(AuditEvent)
            .order_by(AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.id)
            .execution_options(yield_per=1000)
        )
        prev, last, count = GENESIS, 0, 0
        for row in rows:
            report = _check_line(row, prev, last, known, count)
            if report is not None:
                return report
            count += 1
            prev, last = str(row.line_hash), int(row.seq or 0)
    if head is not None and head.seq < last:
        return ChainReport(False, count, last, prev, "inserted", head.seq + 1, None,
                           f"the chain goes on after line {head.seq}, the last one exportgate wrote: lines "
                           f"{head.seq + 1}-{last} were added around it")
    if head is None or head.seq != last or head.line_hash != prev:
        recorded = "no head" if head is None else f"line {head.seq}"
        return ChainReport(False, count, last, prev, "removed", last + 1, None,
                           f"the chain ends at line {last} but its head records {recorded}: the last lines were "
                           "removed (or the head was changed)")
    return ChainReport(True, count, last, prev)


def _check_line(row: AuditEvent, prev: str, last: int, known: dict[str, int], count: int) -> ChainReport | None:
    """None when ``row`` continues the chain after the line hashed ``prev`` (at place ``last``); else the report
    naming it."""
    def broken(problem: Problem, message: str, **details: Any) -> ChainReport:
        return ChainReport(False, count, last, prev, problem, row.seq, row.id, message, details)

    if row.seq is None or row.line_hash is None or row.prev_hash is None:
        return broken("inserted", f"line id {row.id} ({row.event}) has no place in the chain: it was written "
                                  "around exportgate")
    if _content_hash(row) != row.line_hash:
        return broken("edited", f"{_describe(row)} was edited: its content no longer matches its hash")
    if row.prev_hash != prev:
        if row.prev_hash == GENESIS or row.prev_hash in known:
            after = "the start of the chain" if row.prev_hash == GENESIS else f"line id {known[row.prev_hash]}"
            return broken("reordered", f"{_describe(row)} is out of order: it was written after {after}",
                          written_after_id=known.get(row.prev_hash))
        return broken("removed", f"the line written before {_describe(row)} was removed from the chain")
    if row.seq != last + 1:
        return broken("edited", f"{_describe(row)} had its place number changed (it follows line {last})")
    return None
