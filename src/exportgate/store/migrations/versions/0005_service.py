"""The service: accounts, stored cases (runs, parties), alerts and their history, remembered false positives,
list changes; the audit log hash-chained (the lines written before are chained here, in id order).

Revision ID: 0005_service
Revises: 0004_licences_granted
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from exportgate.store.chain import GENESIS, canonical, link

revision: str = "0005_service"
down_revision: str | Sequence[str] | None = "0004_licences_granted"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_log is append-only"
_TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], ondelete="RESTRICT",
                                   name=f"fk_{table}_{column}_{referred}")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(32)),
        sa.Column("key_hash", sa.String(255)),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.UniqueConstraint("key_id", name="uq_users_key_id"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(20)),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("signed_off_at", _TS),
        sa.Column("signed_off_by", sa.String(200)),
        sa.Column("sign_off_comment", sa.Text()),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_kind_status", "cases", ["kind", "status"])
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_table(
        "case_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("rules_sha256", sa.String(64), nullable=False),
        sa.Column("lists", sa.JSON(), nullable=False),
        sa.Column("lists_version", sa.String(100)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_runs"),
        _fk("case_runs", "case_id", "cases"),
        sa.UniqueConstraint("case_id", "number", name="uq_case_runs_case_id"),
    )
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("type", sa.String(20)),
        sa.Column("dob", sa.String(10)),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("party_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_parties"),
        _fk("case_parties", "case_id", "cases"),
        sa.UniqueConstraint("case_id", "path", name="uq_case_parties_case_id"),
    )
    op.create_index("ix_case_parties_party_key", "case_parties", ["party_key"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("list", sa.String(50), nullable=False),
        sa.Column("listed_name", sa.Text()),
        sa.Column("score", sa.Double()),
        sa.Column("strength", sa.String(20)),
        sa.Column("entry_fingerprint", sa.String(64)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("suppressed_by", sa.Integer()),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        _fk("alerts", "case_id", "cases"),
        _fk("alerts", "party_id", "case_parties"),
        sa.UniqueConstraint("case_id", "party_id", "entity_id", name="uq_alerts_case_id"),
    )
    op.create_index("ix_alerts_status_opened_at", "alerts", ["status", "opened_at"])
    op.create_index("ix_alerts_entity_id", "alerts", ["entity_id"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(30)),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("entry_fingerprint", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_alert_events"),
        _fk("alert_events", "alert_id", "alerts"),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "false_positives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party_key", sa.String(64), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("entry_fingerprint", sa.String(64), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("revoked_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_false_positives"),
        _fk("false_positives", "alert_id", "alerts"),
    )
    op.create_index("ix_false_positives_party_key_entity", "false_positives", ["party_key", "entity_id"])
    op.create_table(
        "list_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("from_version", sa.String(100), nullable=False),
        sa.Column("to_version", sa.String(100), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("rescreened_at", _TS),
        sa.Column("rescreened_by", sa.String(200)),
        sa.Column("rescreen", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_list_changes"),
    )
    op.create_table(
        "list_change_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("list", sa.String(50), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("fingerprint_before", sa.String(64)),
        sa.Column("fingerprint_after", sa.String(64)),
        sa.Column("entity", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_list_change_entries"),
        _fk("list_change_entries", "change_id", "list_changes"),
    )
    op.create_index("ix_list_change_entries_change_id", "list_change_entries", ["change_id"])
    op.create_index("ix_list_change_entries_entity_id", "list_change_entries", ["entity_id"])

    _chain_the_audit_log()


def _chain_the_audit_log() -> None:
    """Add the chain's columns (plain ALTER TABLE: a SQLite batch copy would drop the append-only triggers),
    chain the lines already written in id order, and record the chain's head."""
    op.add_column("audit_log", sa.Column("seq", sa.Integer()))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64)))
    op.add_column("audit_log", sa.Column("line_hash", sa.String(64)))
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain_head"),
    )
    bind = op.get_bind()
    lines = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()), sa.column("at", _TS), sa.column("event", sa.String()),
        sa.column("actor", sa.String()), sa.column("content_hash", sa.String()), sa.column("payload", sa.JSON()),
        sa.column("note", sa.Text()), sa.column("seq", sa.Integer()), sa.column("prev_hash", sa.String()),
        sa.column("line_hash", sa.String()),
    )
    rows = bind.execute(sa.select(lines.c.id, lines.c.at, lines.c.event, lines.c.actor, lines.c.content_hash,
                                  lines.c.payload, lines.c.note).order_by(lines.c.id)).all()
    prev, seq = GENESIS, 0
    if rows:
        _allow_updates(bind.dialect.name, True)
        for row in rows:
            seq += 1
            line_hash = link(prev, canonical(row.at, row.event, row.actor, row.content_hash, row.payload,
                                             row.note))
            bind.execute(lines.update().where(lines.c.id == row.id).values(seq=seq, prev_hash=prev,
                                                                          line_hash=line_hash))
            prev = line_hash
        _allow_updates(bind.dialect.name, False)
    op.bulk_insert(sa.table("audit_chain_head", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()),
                            sa.column("line_hash", sa.String())), [{"id": 1, "seq": seq, "line_hash": prev}])


def _allow_updates(dialect: str, allow: bool) -> None:
    """Lift (and put back) the append-only trigger on UPDATE for the chaining, inside this transaction."""
    if dialect == "sqlite":
        if allow:
            op.execute("DROP TRIGGER audit_log_no_update")
        else:
            op.execute(f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    elif dialect == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'DISABLE' if allow else 'ENABLE'} TRIGGER audit_log_append_only")


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_log_seq", table_name="audit_log")
    for column in ("line_hash", "prev_hash", "seq"):
        # SQLite 3.35+ drops a column in place (no batch copy, so the triggers stay)
        op.drop_column("audit_log", column)
    for table in ("list_change_entries", "list_changes", "false_positives", "alert_events", "alerts",
                  "case_parties", "case_runs", "cases", "users"):
        op.drop_table(table)
