"""Locations: each Location's wire JSON beside the columns that filters and pagination need, and one
row per EVSE for status changes and lookups by EVSE uid (architecture.md, "Measured on this machine").
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

locations = Table(
    "locations",
    metadata,
    # Creation order: the Sender's stable page order (transport_and_format, pagination).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("location_id", String(36), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    # The Location's wire JSON (OCPI 2.2.1), served as is.
    Column("document", LargeBinary, nullable=False),
    UniqueConstraint("country_code", "party_id", "location_id", name="uq_locations_key"),
    # date_from / date_to and their counts read this index only.
    Index("ix_locations_last_updated", "last_updated", "visibility"),
    # Counts of one operation's Locations (a request addressed to it) read this index only.
    Index("ix_locations_owner", "country_code", "party_id", "visibility", "last_updated"),
    # The Sender's GET of one Location names only its id.
    Index("ix_locations_location_id", "location_id"),
)

location_evses = Table(
    "location_evses",
    metadata,
    Column(
        "location_pk",
        Integer,
        ForeignKey("locations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("uid", String(36), primary_key=True),
    Column("evse_id", String(48)),
    Column("status", String(12), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    Index("ix_location_evses_uid", "uid"),
    Index("ix_location_evses_evse_id", "evse_id"),
)
