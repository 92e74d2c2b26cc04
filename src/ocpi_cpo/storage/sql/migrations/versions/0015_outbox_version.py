"""Outbox rows record the OCPI version their URL and body were rendered for (issue 17).

Rows queued before this revision were all rendered for OCPI 2.2.1.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("version", sa.String(10)))
    op.execute("UPDATE outbox SET version = '2.2.1' WHERE module <> 'commands'")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("version")
