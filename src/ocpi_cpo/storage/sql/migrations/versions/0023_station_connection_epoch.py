"""A connection epoch per station (issue 21): every connection bumps it, and a closed
connection's offline writes apply only while it is still the station's last one, so a station
back within a second is not left offline, its EVSEs UNKNOWN, by its old connection's close.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "stations",
        sa.Column("connection_epoch", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("connection_epoch")
