"""Partner syncs and reconciliations (issue 16 items 3 and 4): the sync that queued an outbox
message, the syncs' progress, the last reconciliation per partner.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("sync_id", sa.Integer))
    op.create_index(
        "ix_outbox_sync",
        "outbox",
        ["sync_id", "state"],
        sqlite_where=sa.text("sync_id IS NOT NULL"),
        postgresql_where=sa.text("sync_id IS NOT NULL"),
    )
    op.create_table(
        "partner_syncs",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("modules", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("requested_at", UtcDateTime, nullable=False),
        sa.Column("phase", sa.String(20)),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("queued", sa.Integer, nullable=False),
        sa.Column("queued_all_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_partner_syncs"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_partner_syncs_partner_id_partners"
        ),
    )
    op.create_index("ix_partner_syncs_partner_id", "partner_syncs", ["partner_id"])
    op.create_table(
        "partner_reconciliations",
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("ran_at", UtcDateTime, nullable=False),
        sa.Column("checked", sa.Integer, nullable=False),
        sa.Column("differences", sa.Integer, nullable=False),
        sa.Column("repaired", sa.Integer, nullable=False),
        sa.Column("problems", sa.Text),
        sa.PrimaryKeyConstraint("partner_id", name="pk_partner_reconciliations"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_partner_reconciliations_partner_id_partners",
        ),
    )


def downgrade() -> None:
    op.drop_table("partner_reconciliations")
    op.drop_index("ix_partner_syncs_partner_id", "partner_syncs")
    op.drop_table("partner_syncs")
    op.drop_index("ix_outbox_sync", "outbox")
    op.drop_column("outbox", "sync_id")
