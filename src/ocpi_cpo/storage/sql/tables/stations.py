"""Charging stations on the OCPP gateway, their EVSE mapping, and OCPP 1.6 transaction ids."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

stations = Table(
    "stations",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("location_id", String(36), nullable=False, index=True),
    # scrypt hash (domain.station_registry); the password itself is never stored
    Column("password_hash", Text),
    # OCPP security profile 1, 2 or 3 (domain.station_registry); connections below it are refused
    Column("security_profile", Integer, nullable=False, default=1, server_default="1"),
    Column("ocpp_version", String(8)),
    Column("vendor", String(50)),
    Column("model", String(50)),
    Column("firmware_version", String(50)),
    Column("online", Boolean, nullable=False, default=False),
    # bumped by every connection (any instance): a closed connection's offline writes apply only
    # while no newer connection of the station exists (ocpp_gateway.gateway)
    Column("connection_epoch", Integer, nullable=False, default=0, server_default="0"),
    Column("connected_at", UtcDateTime),
    Column("disconnected_at", UtcDateTime),
    # the epoch whose end was reported (EVSEs set UNKNOWN): a dropped connection is reported
    # only after [ocpp] offline_grace, by the leader's look for those still to report
    Column("offline_epoch", Integer),
    Column("last_heartbeat_at", UtcDateTime),
    # last OCPP 2.0.1 remoteStartId issued to this station (a per-station counter)
    Column("remote_start_counter", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
)

station_evses = Table(
    "station_evses",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("stations.station_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # OCPP connectorId (1.6) or evseId (2.0.1)
    Column("ocpp_number", Integer, primary_key=True),
    Column("evse_uid", String(36), nullable=False, unique=True),
)

# One row per OCPP 1.6 StartTransaction: its id is the transactionId we issue, unique across
# stations and restarts (an integer, as OCPP 1.6 requires).
ocpp16_transactions = Table(
    "ocpp16_transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("id_tag", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,
)
