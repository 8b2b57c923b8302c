"""The append-only audit log.

Every change to the store writes one :class:`~exportgate.store.models.AuditEvent` in the same
transaction as the change, so a change without its audit line (or the reverse) cannot be committed.
Lines are never updated or deleted: the session refuses it, and so do database triggers (created by
the initial migration) for anyone else connecting.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from exportgate.errors import ExportgateError
from exportgate.store.models import AuditEvent


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

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "event": self.event,
            "actor": self.actor,
            "content_hash": self.content_hash,
            "payload": self.payload,
        }


def _jsonable(payload: Any) -> dict[str, Any]:
    """The payload as plain JSON (dates and other values as strings), always a mapping."""
    data = json.loads(json.dumps(payload, default=str, ensure_ascii=False))
    return data if isinstance(data, dict) else {"value": data}


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
    ) -> AuditEvent:
        """Add an audit line to ``session``'s current transaction (it commits or rolls back with it)."""
        if not event or not isinstance(event, str):
            raise ValueError("an audit event needs a name")
        line = AuditEvent(
            at=datetime.now(UTC),
            event=event,
            actor=actor,
            content_hash=content_hash,
            payload=_jsonable(payload),
        )
        session.add(line)
        session.flush()
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
                )
                for row in session.scalars(query)
            ]


def record_list_change(home: Path | None, line: dict[str, Any]) -> list[str]:
    """Copy a list version-log line (``exportgate.screen.lists``: update, activate, rollback) into the ledger's
    audit log when there is a ledger database (none is created); a warning when it cannot be written (the change
    stands: the data home's version log has it)."""
    from sqlalchemy.exc import SQLAlchemyError

    from exportgate import settings
    from exportgate.errors import InputError
    from exportgate.store.ledger import Ledger

    url = settings.db_url(None if os.environ.get(settings.DB_URL_ENV) else str(settings.home(home) / settings.DB_FILE))
    try:
        ledger = Ledger.open_existing(url, missing_ok=True)
        if ledger is None:
            return []
        try:
            payload = {k: v for k, v in line.items() if k not in ("event", "actor")}
            ledger.audit(str(line["event"]), payload, actor=line.get("actor"))
        finally:
            ledger.close()
    except (InputError, SQLAlchemyError) as exc:
        return [f"not written to the ledger's audit log ({exc}); the lists' versions.log has it"]
    return []
