"""Commands: each eMSP command accepted, its state and its one result.

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("response_url", sa.String(1000), nullable=False),
        sa.Column("from_country_code", sa.String(2), nullable=False),
        sa.Column("from_party_id", sa.String(3), nullable=False),
        sa.Column("to_country_code", sa.String(2), nullable=False),
        sa.Column("to_party_id", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("deadline", UtcDateTime, nullable=False),
        sa.Column("location_id", sa.String(36)),
        sa.Column("evse_uid", sa.String(36)),
        sa.Column("connector_id", sa.String(36)),
        sa.Column("session_id", sa.String(36)),
        sa.Column("reservation_id", sa.String(36)),
        sa.Column("uid", sa.String(36)),
        sa.Column("token_type", sa.String(20)),
        sa.Column("authorization_reference", sa.String(36)),
        sa.Column("station_id", sa.String(100)),
        sa.Column("transaction_id", sa.String(100)),
        sa.Column("station_reservation_id", sa.Integer),
        sa.Column("result", sa.String(30)),
        sa.Column("message", sa.Text),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("late_result", sa.String(30)),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commands"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_commands_partner_id_partners"
        ),
    )
    op.create_index("ix_commands_state", "commands", ["state", "deadline"])
    op.create_index("ix_commands_reservation_id", "commands", ["reservation_id", "partner_id"])


def downgrade() -> None:
    op.drop_table("commands")
