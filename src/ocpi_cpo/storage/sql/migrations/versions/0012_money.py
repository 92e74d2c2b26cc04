"""Held CDRs and one-use authorizations (issue "Money right").

* ``cdrs.held_reason``, ``cdrs.held_since``: a CDR that could not be priced is kept, not sent,
  with why and since when (NULL for every CDR that was sent).
* ``authorizations.session_id``: the session that used a decision (a decision serves one session).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cdrs") as batch:
        batch.add_column(sa.Column("held_reason", sa.Text))
        batch.add_column(sa.Column("held_since", UtcDateTime))
    op.create_index("ix_cdrs_held_since", "cdrs", ["held_since"])
    with op.batch_alter_table("authorizations") as batch:
        batch.add_column(sa.Column("session_id", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("authorizations") as batch:
        batch.drop_column("session_id")
    op.drop_index("ix_cdrs_held_since", "cdrs")
    with op.batch_alter_table("cdrs") as batch:
        batch.drop_column("held_since")
        batch.drop_column("held_reason")
