"""The web sign-in: each user's consecutive failed sign-ins, until when it is locked out, and when its web
sessions were last ended (signing out, a new password: every session issued before is void).

Revision ID: 0006_signin_lockout
Revises: 0005_service
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_signin_lockout"
down_revision: str | Sequence[str] | None = "0005_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sessions_ended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_ended_at")
        batch.drop_column("locked_until")
        batch.drop_column("failed_signins")
