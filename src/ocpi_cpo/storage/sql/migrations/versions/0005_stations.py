"""Stations on the OCPP gateway: registry, EVSE mapping, OCPP 1.6 transaction ids.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("ocpp_version", sa.String(8)),
        sa.Column("vendor", sa.String(50)),
        sa.Column("model", sa.String(50)),
        sa.Column("firmware_version", sa.String(50)),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("connected_at", UtcDateTime),
        sa.Column("disconnected_at", UtcDateTime),
        sa.Column("last_heartbeat_at", UtcDateTime),
        sa.Column("remote_start_counter", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("station_id", name="pk_stations"),
    )
    op.create_index("ix_stations_location_id", "stations", ["location_id"])
    op.create_table(
        "station_evses",
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("ocpp_number", sa.Integer, nullable=False),
        sa.Column("evse_uid", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "ocpp_number", name="pk_station_evses"),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.station_id"],
            ondelete="CASCADE",
            name="fk_station_evses_station_id_stations",
        ),
        sa.UniqueConstraint("evse_uid", name="uq_station_evses_evse_uid"),
    )
    op.create_table(
        "ocpp16_transactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("connector_id", sa.Integer, nullable=False),
        sa.Column("id_tag", sa.String(20), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ocpp16_transactions"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("ocpp16_transactions")
    op.drop_table("station_evses")
    op.drop_index("ix_stations_location_id", table_name="stations")
    op.drop_table("stations")
