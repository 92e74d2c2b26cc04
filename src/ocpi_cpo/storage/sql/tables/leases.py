"""Leases (domain.leases): one row per held name; times in seconds since the epoch, as the
database's own clock gives them (every instance compares against one clock)."""

from __future__ import annotations

from sqlalchemy import Column, Double, String, Table

from ocpi_cpo.storage.sql.tables.meta import metadata

leases = Table(
    "leases",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("holder", String(120), nullable=False, index=True),
    Column("since", Double, nullable=False),
    Column("renewed", Double, nullable=False),
    Column("expires", Double, nullable=False),
)
