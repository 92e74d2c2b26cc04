"""Tariffs we publish: one row per description (default or per target eMSP), its wire JSON kept
ready beside the columns that keys, filters and pagination need (architecture.md)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table, UniqueConstraint

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

tariffs = Table(
    "tariffs",
    metadata,
    # Creation order: the Sender's stable page order (oldest first).
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("tariff_id", String(36), nullable=False),
    # '' for the default description: NULLs would not be equal in the unique key.
    Column("target_country_code", String(2), nullable=False, default=""),
    Column("target_party_id", String(3), nullable=False, default=""),
    Column("type", String(20)),
    Column("currency", String(3), nullable=False),
    Column("start_date_time", UtcDateTime),
    Column("end_date_time", UtcDateTime),
    Column("last_updated", UtcDateTime, nullable=False),
    # The OCPI 2.2.1 Tariff object as sent (last_updated included).
    Column("document", LargeBinary, nullable=False),
    UniqueConstraint(
        "country_code",
        "party_id",
        "tariff_id",
        "target_country_code",
        "target_party_id",
        name="uq_tariffs_key",
    ),
    Index("ix_tariffs_last_updated", "last_updated"),
)
