"""The service's tables (migration 0005): accounts, stored cases with their runs and parties, alerts with their
history, remembered false positives, and what each list change added, removed and changed.

Portable SQL only, as :mod:`exportgate.store.models` (whose ``Base`` they share). Who did what is a name
(``created_by``, ``actor``): the user's name at the time, kept as written even if the user is later disabled.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from exportgate.store.models import Base


class User(Base):
    """An account: a role, an API key (its hash only), a password for the web sign-in (its hash only)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the public part of the API key (``eg_<key_id>_<secret>``): finds the user without trying every hash
    key_id: Mapped[str | None] = mapped_column(String(32))
    key_hash: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: consecutive failed web sign-ins since the last good one (migration 0006; ``Accounts.sign_in``)
    failed_signins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: the web sign-in refuses this user until then (after ``SIGNIN_FAILURES_LIMIT`` failures in a row)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: web sessions issued before this are void (signing out, a new password; ``Accounts.session_actor``)
    sessions_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("name"), UniqueConstraint("key_id"))


class Case(Base):
    """A stored screening, determination or package check: its input, and its runs (the first when it was
    stored, another each time a decision or a list change re-checks it)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: screen | determine | check
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    #: clear | license_required | review | blocked (a package's verdict; see exportgate.store.cases)
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    mode: Mapped[str | None] = mapped_column(String(20))
    input: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    sign_off_comment: Mapped[str | None] = mapped_column(Text)
    #: Part 762: the case may not be deleted before this day
    retain_until: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (
        Index("ix_cases_kind_status", "kind", "status"),
        Index("ix_cases_created_at", "created_at"),
    )


class CaseRun(Base):
    """One run of a case: its result, the rules and list versions it used, who ran it and why."""

    __tablename__ = "case_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: stored | alert_decided | rescreen
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    rules_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: {list key: {"as_of", "version", "sha256"}}
    lists: Mapped[Any] = mapped_column(JSON, nullable=False)
    lists_version: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[Any] = mapped_column(JSON, nullable=False)

    __table_args__ = (UniqueConstraint("case_id", "number"),)


class CaseParty(Base):
    """A name a case screened (or, for a determination, names): what a re-screen screens again."""

    __tablename__ = "case_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    #: where it is in the case's input (``query``, ``parties[2].owners[0]``, ``end_user``)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    country: Mapped[str | None] = mapped_column(String(2))
    type: Mapped[str | None] = mapped_column(String(20))
    dob: Mapped[str | None] = mapped_column(String(10))
    identifiers: Mapped[Any] = mapped_column(JSON, nullable=False)
    #: the party as remembered false positives know it (normalised name, country, identifiers)
    party_key: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("case_id", "path"), Index("ix_case_parties_party_key", "party_key"))


class FalsePositive(Base):
    """A false positive decided for a party against a list entry: it suppresses the same alert later, as long
    as the entry is unchanged (``entry_fingerprint``)."""

    __tablename__ = "false_positives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_key: Mapped[str] = mapped_column(String(64), nullable=False)
    party_name: Mapped[str] = mapped_column(Text, nullable=False)
    entity_id: Mapped[str] = mapped_column(String(200), nullable=False)
    entry_fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the alert whose decision this remembers
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="RESTRICT"), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)
    #: no longer applied: the same party was later confirmed on the entry
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_false_positives_party_key_entity", "party_key", "entity_id"),)


class Alert(Base):
    """A potential or strong match of a stored case's party: open until a reviewer decides it."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    party_id: Mapped[int] = mapped_column(ForeignKey("case_parties.id", ondelete="RESTRICT"), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(200), nullable=False)
    list: Mapped[str] = mapped_column(String(50), nullable=False)
    listed_name: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Double)
    strength: Mapped[str | None] = mapped_column(String(20))
    entry_fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: open | confirmed_match | false_positive | escalated | closed
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    #: screen | check | determine | rescreen: what found it
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    #: the match as the screener gave it (its explanation included)
    match: Mapped[Any] = mapped_column(JSON, nullable=False)
    #: the remembered false positive (``false_positives.id``) it was suppressed by, if any (no foreign key: the
    #: two tables name each other)
    suppressed_by: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("case_id", "party_id", "entity_id"),
        Index("ix_alerts_status_opened_at", "status", "opened_at"),
        Index("ix_alerts_entity_id", "entity_id"),
    )


class AlertEvent(Base):
    """One change of an alert: who, when, from which status to which, and why."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="RESTRICT"), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(200))
    #: opened | decided | suppressed | reopened | closed
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    entry_fingerprint: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_alert_events_alert_id", "alert_id"),)


class ListChange(Base):
    """A change of the active list version (update, activate, rollback) and what it changed."""

    __tablename__ = "list_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(200))
    #: lists.update | lists.activate | lists.rollback
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    from_version: Mapped[str] = mapped_column(String(100), nullable=False)
    to_version: Mapped[str] = mapped_column(String(100), nullable=False)
    added: Mapped[int] = mapped_column(Integer, nullable=False)
    removed: Mapped[int] = mapped_column(Integer, nullable=False)
    changed: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the version-log line of the change
    detail: Mapped[Any] = mapped_column(JSON, nullable=False)
    rescreened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rescreened_by: Mapped[str | None] = mapped_column(String(200))
    #: what the re-screen did (counts, cases re-checked)
    rescreen: Mapped[Any | None] = mapped_column(JSON)


class ListChangeEntry(Base):
    """One entry a list change added, removed or changed; the entry itself for added and changed ones (what
    the re-screen indexes)."""

    __tablename__ = "list_change_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("list_changes.id", ondelete="RESTRICT"), nullable=False)
    #: added | removed | changed
    change: Mapped[str] = mapped_column(String(10), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(200), nullable=False)
    list: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    #: for a changed entry: the fields that changed
    fields: Mapped[Any] = mapped_column(JSON, nullable=False)
    fingerprint_before: Mapped[str | None] = mapped_column(String(64))
    fingerprint_after: Mapped[str | None] = mapped_column(String(64))
    #: the entry as listed after the change (``exportgate.screen.lists.records.entity_row``); None if removed
    entity: Mapped[Any | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_list_change_entries_change_id", "change_id"),
        Index("ix_list_change_entries_entity_id", "entity_id"),
    )
