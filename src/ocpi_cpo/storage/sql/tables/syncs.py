"""Partner syncs (the initial push, ``partners sync``) and the last reconciliation per partner
(domain.sync)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

partner_syncs = Table(
    "partner_syncs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False, index=True),
    # Comma-separated, in push order ("tariffs,locations").
    Column("modules", String(100), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    # The module being queued; NULL once everything is queued.
    Column("phase", String(20)),
    Column("cursor", Integer, nullable=False),
    Column("queued", Integer, nullable=False),
    Column("queued_all_at", UtcDateTime),
)

partner_reconciliations = Table(
    "partner_reconciliations",
    metadata,
    Column("partner_id", Integer, ForeignKey("partners.id"), primary_key=True),
    Column("ran_at", UtcDateTime, nullable=False),
    Column("checked", Integer, nullable=False),
    Column("differences", Integer, nullable=False),
    Column("repaired", Integer, nullable=False),
    Column("problems", Text),
)
