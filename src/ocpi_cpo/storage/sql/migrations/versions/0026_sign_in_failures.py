"""Failed console sign-ins in the database: the limit (5 per name, 20 per address in 5 minutes)
holds across every ``serve`` instance on the database and through a restart, instead of once per
process. Keys are kept as SHA-256 digests; rows older than the window are dropped as new ones
come.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_key_digest", "sign_in_failures", ["key_digest", "at"])
    op.create_index("ix_sign_in_failures_at", "sign_in_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_at", "sign_in_failures")
    op.drop_index("ix_sign_in_failures_key_digest", "sign_in_failures")
    op.drop_table("sign_in_failures")
