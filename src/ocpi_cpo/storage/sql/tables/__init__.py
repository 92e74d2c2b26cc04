"""Table definitions, one file per feature. The schema changes only through the Alembic migrations
in ``migrations/versions`` (each feature has its own chain branching off the foundation)."""

from __future__ import annotations

from ocpi_cpo.storage.sql.tables.audit import audit_log
from ocpi_cpo.storage.sql.tables.change_versions import change_versions
from ocpi_cpo.storage.sql.tables.commands import commands
from ocpi_cpo.storage.sql.tables.console_sessions import console_sessions
from ocpi_cpo.storage.sql.tables.console_users import console_users
from ocpi_cpo.storage.sql.tables.emsp_tokens import authorizations, emsp_tokens
from ocpi_cpo.storage.sql.tables.leases import leases
from ocpi_cpo.storage.sql.tables.locations import location_evses, locations
from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.tables.outbox import outbox, outbox_attempts, partner_delivery
from ocpi_cpo.storage.sql.tables.partners import credentials_tokens, hub_client_info, partners
from ocpi_cpo.storage.sql.tables.sessions import cdrs, sessions
from ocpi_cpo.storage.sql.tables.sign_in_failures import sign_in_failures
from ocpi_cpo.storage.sql.tables.station_calls import station_calls
from ocpi_cpo.storage.sql.tables.stations import ocpp16_transactions, station_evses, stations
from ocpi_cpo.storage.sql.tables.syncs import partner_reconciliations, partner_syncs
from ocpi_cpo.storage.sql.tables.tariffs import tariffs

__all__ = [
    "audit_log",
    "authorizations",
    "cdrs",
    "change_versions",
    "commands",
    "console_sessions",
    "console_users",
    "credentials_tokens",
    "emsp_tokens",
    "hub_client_info",
    "leases",
    "location_evses",
    "locations",
    "metadata",
    "ocpp16_transactions",
    "outbox",
    "outbox_attempts",
    "partner_delivery",
    "partner_reconciliations",
    "partner_syncs",
    "partners",
    "sessions",
    "sign_in_failures",
    "station_calls",
    "station_evses",
    "stations",
    "tariffs",
]
