"""A charging profile that waits (issue: accepted preferences lost with the instance): charging
preferences accepted within ``[smart_charging] min_interval`` of the last profile keep the time
their profile is due here until it is sent, so a restarted instance or the leader sends it when
the instance that accepted them is gone (docs/smart-charging.md). NULL: nothing waits.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("profile_due_at", UtcDateTime, nullable=True))
    op.create_index("ix_sessions_profile_due_at", "sessions", ["profile_due_at"])


def downgrade() -> None:
    op.drop_index("ix_sessions_profile_due_at", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("profile_due_at")
