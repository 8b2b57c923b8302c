"""Ledger records: the licences granted for a recorded package and its sign-off.

``licences``: the licence numbers BIS granted for the lines that need one, with their conditions
(``ledger record --license LINE=NUMBER``); ``signoff``: who prepared, reviewed and approved the export, and when.
Both are JSON, null on records made before this revision (nothing was recorded then).

Revision ID: 0004_licences_granted
Revises: 0003_landscape
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_licences_granted"
down_revision: str | Sequence[str] | None = "0003_landscape"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_records") as batch:
        batch.add_column(sa.Column("licences", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("signoff", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_records") as batch:
        batch.drop_column("signoff")
        batch.drop_column("licences")
