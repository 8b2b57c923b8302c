"""SQLAlchemy 2.0 models of the compute ledger and the audit log.

Portable SQL only (SQLite by default, PostgreSQL through ``postgresql+psycopg://``): no dialect types,
timestamps stored as UTC, JSON through :class:`sqlalchemy.JSON`. The schema is created and changed by
the Alembic migrations in ``store/migrations`` only, never by ``metadata.create_all``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Record(Base):
    """One approved package check result, recorded once (its content hash is unique)."""

    __tablename__ = "ledger_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    package_name: Mapped[str] = mapped_column(String(500), nullable=False)
    source_file: Mapped[str | None] = mapped_column(String(1000))
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    verdict: Mapped[str] = mapped_column(String(30), nullable=False)
    forced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    total_tpp: Mapped[float] = mapped_column(Double, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    #: the licences granted for the lines that need one, with their conditions; migration 0004
    licences: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    #: who prepared, reviewed and approved the export, and when; migration 0004
    signoff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    entries: Mapped[list[Entry]] = relationship(back_populates="record", order_by="Entry.id")

    __table_args__ = (UniqueConstraint("content_hash"),)


class Entry(Base):
    """TPP one recorded package sends to one destination and end user in one calendar year."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("ledger_records.id", ondelete="RESTRICT"), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    end_user: Mapped[str] = mapped_column(String(500), nullable=False)
    #: the end user's name case-folded with whitespace collapsed: what totals group and filter by
    end_user_key: Mapped[str] = mapped_column(String(500), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    tpp: Mapped[float] = mapped_column(Double, nullable=False)
    package_name: Mapped[str] = mapped_column(String(500), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    #: the part of ``tpp`` shipped under License Exception LPP (what LPP's yearly cap counts); migration 0002
    lpp_tpp: Mapped[float] = mapped_column(Double, nullable=False, server_default=text("0"), default=0.0)

    record: Mapped[Record] = relationship(back_populates="entries")

    __table_args__ = (
        UniqueConstraint("record_id", "country", "end_user_key", "year"),
        Index("ix_ledger_entries_country_year", "country", "year"),
        Index("ix_ledger_entries_end_user_key_year", "end_user_key", "year"),
        Index("ix_ledger_entries_as_of", "as_of"),
    )


class AuditEvent(Base):
    """One line of the append-only audit log (database triggers refuse UPDATE and DELETE), hash-chained to the
    line before it (``exportgate.store.chain``; migration 0005)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    event: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    actor: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    #: the line's place in the chain (1, 2, ...); a line without one was not written by exportgate
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    line_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_log_seq", "seq", unique=True),)


class AuditHead(Base):
    """The chain's last line (one row, id 1): taken under the write lock by every writer, so two writers never
    fork the chain, and compared by ``audit verify`` with the last line found (removed last lines)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    line_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class Top500Edition(Base):
    """One TOP500 list imported from the user's own file (``exportgate landscape import``); migration 0003."""

    __tablename__ = "top500_editions"

    #: ``YYYY-MM``
    edition: Mapped[str] = mapped_column(String(7), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    source_file: Mapped[str] = mapped_column(String(1000), nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Top500System(Base):
    """One system of an imported list, in TFlop/s and kW; ``country`` is the landscape's code."""

    __tablename__ = "top500_systems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition: Mapped[str] = mapped_column(
        ForeignKey("top500_editions.edition", ondelete="CASCADE"), nullable=False
    )
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    computer: Mapped[str] = mapped_column(Text, nullable=False)
    site: Mapped[str] = mapped_column(Text, nullable=False)
    manufacturer: Mapped[str] = mapped_column(Text, nullable=False)
    #: the country as the list writes it; ``country`` is its code
    country_name: Mapped[str] = mapped_column(String(100), nullable=False)
    country: Mapped[str] = mapped_column(String(4), nullable=False)
    rmax_tflops: Mapped[float] = mapped_column(Double, nullable=False)
    rpeak_tflops: Mapped[float] = mapped_column(Double, nullable=False)
    cores: Mapped[int | None] = mapped_column(BigInteger)
    accelerator: Mapped[str | None] = mapped_column(Text)
    power_kw: Mapped[float | None] = mapped_column(Double)
    segment: Mapped[str | None] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("edition", "rank"),
        Index("ix_top500_systems_edition_country", "edition", "country"),
        Index("ix_top500_systems_country", "country"),
    )


# The service's tables (users, cases, alerts, list changes) live in their own module on the same metadata.
from exportgate.store import service_models as _service_models  # noqa: E402, F401
