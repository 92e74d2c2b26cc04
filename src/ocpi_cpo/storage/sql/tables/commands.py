"""Commands of eMSPs and their one result each (domain.commands: PENDING, then DONE)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.tables.outbox import Id
from ocpi_cpo.storage.sql.types import UtcDateTime

commands = Table(
    "commands",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("name", String(20), nullable=False),
    Column("state", String(10), nullable=False),
    Column("response_url", String(1000), nullable=False),
    Column("from_country_code", String(2), nullable=False),
    Column("from_party_id", String(3), nullable=False),
    Column("to_country_code", String(2), nullable=False),
    Column("to_party_id", String(3), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("location_id", String(36)),
    Column("evse_uid", String(36)),
    Column("connector_id", String(36)),
    Column("session_id", String(36)),
    Column("reservation_id", String(36)),
    Column("uid", String(36)),
    Column("token_type", String(20)),
    Column("authorization_reference", String(36)),
    Column("station_id", String(100)),
    Column("transaction_id", String(100)),
    Column("station_reservation_id", Integer),
    Column("result", String(30)),
    Column("message", Text),
    Column("finished_at", UtcDateTime),
    Column("late_result", String(30)),
    Column("document", LargeBinary, nullable=False),
    Index("ix_commands_state", "state", "deadline"),
    Index("ix_commands_reservation_id", "reservation_id", "partner_id"),
)
