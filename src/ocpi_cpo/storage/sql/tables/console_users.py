"""People who sign in to the operator console (domain.console_users)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

console_users = Table(
    "console_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    # scrypt hash; the password itself is never stored
    Column("password_hash", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
