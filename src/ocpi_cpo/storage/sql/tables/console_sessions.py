"""Signed-in console browsers (domain.console_users.ConsoleSession): only the SHA-256 digest of
each session id is kept, so that any ``serve`` instance on the database accepts the cookie."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, String, Table

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
