"""A counter per kind of cached data (storage.sql.changes): ``credentials``, ``locations``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from ocpi_cpo.storage.sql.tables.meta import metadata

change_versions = Table(
    "change_versions",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("version", BigInteger, nullable=False),
)
