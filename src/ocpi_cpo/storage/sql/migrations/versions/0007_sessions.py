"""Sessions and CDRs, each with its wire JSON kept ready.

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("pk", Id, primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("transaction_id", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.Column("evse_uid", sa.String(36), nullable=False),
        sa.Column("connector_id", sa.String(36), nullable=False),
        sa.Column("token_country_code", sa.String(2), nullable=False),
        sa.Column("token_party_id", sa.String(3), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_sessions"),
        sa.UniqueConstraint("country_code", "party_id", "session_id", name="uq_sessions_key"),
    )
    op.create_index("ix_sessions_transaction", "sessions", ["station_id", "transaction_id"])
    op.create_index("ix_sessions_session_id", "sessions", ["session_id"])
    op.create_index("ix_sessions_last_updated", "sessions", ["last_updated"])
    op.create_index("ix_sessions_evse_status", "sessions", ["evse_uid", "status"])
    op.create_table(
        "cdrs",
        sa.Column("pk", Id, primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("cdr_id", sa.String(39), nullable=False),
        sa.Column("session_id", sa.String(36)),
        sa.Column("credit", sa.Boolean, nullable=False),
        sa.Column("credit_reference_id", sa.String(39)),
        sa.Column("token_country_code", sa.String(2), nullable=False),
        sa.Column("token_party_id", sa.String(3), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_cdrs"),
        sa.UniqueConstraint("country_code", "party_id", "cdr_id", name="uq_cdrs_key"),
    )
    op.create_index("ix_cdrs_cdr_id", "cdrs", ["cdr_id"])
    op.create_index("ix_cdrs_last_updated", "cdrs", ["last_updated"])
    op.create_index("ix_cdrs_credit_reference_id", "cdrs", ["credit_reference_id"])


def downgrade() -> None:
    op.drop_table("cdrs")
    op.drop_table("sessions")
