"""Ledger entries: the TPP shipped under License Exception LPP (what its yearly cap counts).

Revision ID: 0002_entry_lpp_tpp
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_entry_lpp_tpp"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries recorded before this column existed shipped nothing under LPP as far as the ledger knew.
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("lpp_tpp", sa.Double(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("lpp_tpp")
