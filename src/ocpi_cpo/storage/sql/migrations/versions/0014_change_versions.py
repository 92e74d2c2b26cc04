"""Change versions: a counter per kind of cached data, bumped by each commit that changes it, so
every instance drops its caches of it (issue 18, point 3).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "change_versions",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_change_versions"),
    )
    op.bulk_insert(
        table, [{"name": "credentials", "version": 0}, {"name": "locations", "version": 0}]
    )


def downgrade() -> None:
    op.drop_table("change_versions")
