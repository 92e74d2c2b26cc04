"""Locations: wire JSON per Location, and one row per EVSE.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
        sa.UniqueConstraint("country_code", "party_id", "location_id", name="uq_locations_key"),
    )
    op.create_index("ix_locations_last_updated", "locations", ["last_updated", "visibility"])
    op.create_index(
        "ix_locations_owner",
        "locations",
        ["country_code", "party_id", "visibility", "last_updated"],
    )
    op.create_index("ix_locations_location_id", "locations", ["location_id"])
    op.create_table(
        "location_evses",
        sa.Column("location_pk", sa.Integer, nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("evse_id", sa.String(48)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("location_pk", "uid", name="pk_location_evses"),
        sa.ForeignKeyConstraint(
            ["location_pk"],
            ["locations.id"],
            ondelete="CASCADE",
            name="fk_location_evses_location_pk_locations",
        ),
    )
    op.create_index("ix_location_evses_uid", "location_evses", ["uid"])
    op.create_index("ix_location_evses_evse_id", "location_evses", ["evse_id"])


def downgrade() -> None:
    op.drop_table("location_evses")
    op.drop_table("locations")
