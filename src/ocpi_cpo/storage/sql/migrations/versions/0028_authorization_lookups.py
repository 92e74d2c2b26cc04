"""The lookups a charge makes in the authorizations it follows use an index to the row they want:
the START_SESSION grants of a token (by source) and its last decision at an EVSE. With only
``(uid, at)``, a token used at many EVSEs (a fleet card) had every decision of the last minutes
read and sorted three times per charge: 1.4 ms per lookup with 3,600 decisions of one card, the
largest statement of the 10,000-station benchmark (docs/performance.md).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_authorizations_uid_source_at", "authorizations", ["uid", "source", "at"])
    op.create_index(
        "ix_authorizations_uid_evse_uid_at", "authorizations", ["uid", "evse_uid", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_authorizations_uid_evse_uid_at", table_name="authorizations")
    op.drop_index("ix_authorizations_uid_source_at", table_name="authorizations")
