"""Partner delivery state: backoff per partner, not per message (issue 16 item 1).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partner_delivery",
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("down_since", UtcDateTime),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_probe_at", UtcDateTime),
        sa.Column("probe_message_id", Id),
        sa.Column("probe_until", UtcDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("up_at", UtcDateTime),
        sa.PrimaryKeyConstraint("partner_id", name="pk_partner_delivery"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_partner_delivery_partner_id_partners",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("partner_delivery")
