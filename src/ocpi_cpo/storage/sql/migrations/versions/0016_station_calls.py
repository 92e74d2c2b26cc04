"""Station calls: a command for a station held by another instance, handed over through the
database (issue 18, point 2).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "station_calls",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_station_calls"),
    )
    op.create_index("ix_station_calls_target", "station_calls", ["target", "state"])


def downgrade() -> None:
    op.drop_table("station_calls")
