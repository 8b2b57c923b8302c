"""The compute landscape: TOP500 lists imported from the user's own files.

Revision ID: 0003_landscape
Revises: 0002_entry_lpp_tpp
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_landscape"
down_revision: str | Sequence[str] | None = "0002_entry_lpp_tpp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "top500_editions",
        sa.Column("edition", sa.String(7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.String(1000), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edition", name="pk_top500_editions"),
    )
    op.create_table(
        "top500_systems",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition", sa.String(7), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("computer", sa.Text(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("manufacturer", sa.Text(), nullable=False),
        sa.Column("country_name", sa.String(100), nullable=False),
        sa.Column("country", sa.String(4), nullable=False),
        sa.Column("rmax_tflops", sa.Double(), nullable=False),
        sa.Column("rpeak_tflops", sa.Double(), nullable=False),
        sa.Column("cores", sa.BigInteger()),
        sa.Column("accelerator", sa.Text()),
        sa.Column("power_kw", sa.Double()),
        sa.Column("segment", sa.String(100)),
        sa.Column("year", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_top500_systems"),
        sa.ForeignKeyConstraint(
            ["edition"], ["top500_editions.edition"], ondelete="CASCADE",
            name="fk_top500_systems_edition_top500_editions",
        ),
        sa.UniqueConstraint("edition", "rank", name="uq_top500_systems_edition"),
    )
    op.create_index("ix_top500_systems_edition_country", "top500_systems", ["edition", "country"])
    op.create_index("ix_top500_systems_country", "top500_systems", ["country"])


def downgrade() -> None:
    op.drop_table("top500_systems")
    op.drop_table("top500_editions")
