"""The audit log (domain.audit): insert-only; migration 0010 makes the database refuse UPDATE and
DELETE on it."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.tables.outbox import Id
from ocpi_cpo.storage.sql.types import UtcDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(200), nullable=False),
    Column("object", String(500), nullable=False),
    Column("before", Text),
    Column("after", Text),
    Index("ix_audit_log_at", "at"),
)
