"""A partner bound to one operation (issue 17 item 4): Gireve on OCPI 2.1.1 takes one
registration per operation (docs/gireve-2.1.1.md §2), so each operation is its own partner,
named by its eMI3 Operator Id (e.g. FR*AB1). NULL: the partner serves every operation.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("partners", sa.Column("operation", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("operation")
