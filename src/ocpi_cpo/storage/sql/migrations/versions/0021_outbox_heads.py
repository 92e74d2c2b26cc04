"""Outbox heads (issue 18 item 7): ``head`` marks the oldest pending message of each object (and
may mark a few more pending ones, e.g. a message put back by a retry; never a message that is no
longer pending), with a partial index the claim walks, so
a claim reads the heads and not every pending message (it read the whole queue when every head was
in flight: 15 s with 100,000 pending on PostgreSQL).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

HEADS = "head"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("head", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE outbox SET head = true WHERE id IN (SELECT min(id) FROM outbox"
        " WHERE state = 'PENDING' GROUP BY partner_id, object_key)"
    )
    op.create_index(
        "ix_outbox_heads",
        "outbox",
        ["id"],
        sqlite_where=sa.text(HEADS),
        postgresql_where=sa.text(HEADS),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_heads", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("head")
