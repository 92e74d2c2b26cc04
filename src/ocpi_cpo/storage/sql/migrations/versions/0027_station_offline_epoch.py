"""A dropped station's EVSEs are marked UNKNOWN only after ``[ocpp] offline_grace`` seconds (a
station back within it shows no flap at the hub): ``stations.offline_epoch`` names the connection
whose end has been reported (its EVSEs set UNKNOWN), so the leader's look for stations offline
past their grace finds those still to report, also after a restart.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("offline_epoch", sa.Integer(), nullable=True))
    # stations offline now were reported offline when they dropped (no grace before this)
    op.execute("UPDATE stations SET offline_epoch = connection_epoch WHERE online = false")


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("offline_epoch")
