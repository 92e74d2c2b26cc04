"""Tariffs: one row per description (default or per target eMSP) with its wire JSON.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("tariff_id", sa.String(36), nullable=False),
        sa.Column("target_country_code", sa.String(2), nullable=False),
        sa.Column("target_party_id", sa.String(3), nullable=False),
        sa.Column("type", sa.String(20)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_date_time", UtcDateTime),
        sa.Column("end_date_time", UtcDateTime),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_tariffs"),
        sa.UniqueConstraint(
            "country_code",
            "party_id",
            "tariff_id",
            "target_country_code",
            "target_party_id",
            name="uq_tariffs_key",
        ),
    )
    op.create_index("ix_tariffs_last_updated", "tariffs", ["last_updated"])


def downgrade() -> None:
    op.drop_table("tariffs")
