"""Commands handed to the instance that holds a station (services.station_relay): NEW, then
TAKEN by that instance, then DONE with the station's outcome."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from ocpi_cpo.storage.sql.tables.meta import metadata

station_calls = Table(
    "station_calls",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("target", String(120), nullable=False),
    Column("method", String(40), nullable=False),
    Column("arguments", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("outcome", String(20)),
    Index("ix_station_calls_target", "target", "state"),
)
