"""Compute ledger (records, entries) and the append-only audit log.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_log is append-only"


def upgrade() -> None:
    op.create_table(
        "ledger_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("package_name", sa.String(500), nullable=False),
        sa.Column("source_file", sa.String(1000)),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(30), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_tpp", sa.Double(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_records"),
        sa.UniqueConstraint("content_hash", name="uq_ledger_records_content_hash"),
    )
    op.create_index("ix_ledger_records_source_sha256", "ledger_records", ["source_sha256"])

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("end_user", sa.String(500), nullable=False),
        sa.Column("end_user_key", sa.String(500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("tpp", sa.Double(), nullable=False),
        sa.Column("package_name", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["ledger_records.id"], ondelete="RESTRICT",
            name="fk_ledger_entries_record_id_ledger_records",
        ),
        sa.UniqueConstraint(
            "record_id", "country", "end_user_key", "year", name="uq_ledger_entries_record_id"
        ),
    )
    op.create_index("ix_ledger_entries_country_year", "ledger_entries", ["country", "year"])
    op.create_index("ix_ledger_entries_end_user_key_year", "ledger_entries", ["end_user_key", "year"])
    op.create_index("ix_ledger_entries_as_of", "ledger_entries", ["as_of"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_event", "audit_log", ["event"])
    op.create_index("ix_audit_log_content_hash", "audit_log", ["content_hash"])

    # The audit log is append-only in the database itself, whoever connects to it.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION exportgate_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION exportgate_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION exportgate_audit_log_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS exportgate_audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("ledger_entries")
    op.drop_table("ledger_records")
