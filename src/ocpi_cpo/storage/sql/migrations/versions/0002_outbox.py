"""Outbox: store-and-forward delivery with every attempt recorded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("module", sa.String(20), nullable=False),
        sa.Column("object_key", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("interface", sa.String(10)),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("body", sa.LargeBinary),
        sa.Column("from_country_code", sa.String(2)),
        sa.Column("from_party_id", sa.String(3)),
        sa.Column("to_country_code", sa.String(2)),
        sa.Column("to_party_id", sa.String(3)),
        sa.Column("full_replace", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", UtcDateTime),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("reply_location", sa.String(1000)),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_outbox_partner_id_partners"
        ),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_object", "outbox", ["partner_id", "object_key", "state", "id"])
    op.create_table(
        "outbox_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("attempted_at", UtcDateTime, nullable=False),
        sa.Column("worker", sa.String(100), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("ocpi_status", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("excerpt", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_attempts"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox.id"],
            ondelete="CASCADE",
            name="fk_outbox_attempts_message_id_outbox",
        ),
    )
    op.create_index("ix_outbox_attempts_message_id", "outbox_attempts", ["message_id"])


def downgrade() -> None:
    op.drop_table("outbox_attempts")
    op.drop_table("outbox")
