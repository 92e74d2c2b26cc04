"""Sessions and CDRs: each one's wire JSON kept ready beside the columns that lookups, audiences
and pagination need (architecture.md: no ORM relationships or encoders on the Sender paths)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.tables.outbox import Id
from ocpi_cpo.storage.sql.types import UtcDateTime

sessions = Table(
    "sessions",
    metadata,
    Column("pk", Id, primary_key=True, autoincrement=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("session_id", String(36), nullable=False),
    Column("station_id", String(48), nullable=False),
    # NULL while PENDING (no transaction yet)
    Column("transaction_id", String(64)),
    Column("status", String(12), nullable=False),
    Column("location_id", String(36), nullable=False),
    Column("evse_uid", String(36), nullable=False),
    Column("connector_id", String(36), nullable=False),
    Column("token_country_code", String(2), nullable=False),
    Column("token_party_id", String(3), nullable=False),
    Column("published", Boolean, nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    # The OCPI 2.2.1 Session object as the Sender serves it.
    Column("document", LargeBinary, nullable=False),
    # The accounting behind it (domain.sessions.ChargeSession.to_state), JSON.
    Column("state", LargeBinary, nullable=False),
    # Set while accepted charging preferences wait for their profile (services.smart_charging):
    # when it is due. A column, so that a restarted instance or the leader finds them.
    Column("profile_due_at", UtcDateTime),
    UniqueConstraint("country_code", "party_id", "session_id", name="uq_sessions_key"),
    Index("ix_sessions_transaction", "station_id", "transaction_id"),
    Index("ix_sessions_session_id", "session_id"),
    Index("ix_sessions_last_updated", "last_updated"),
    Index("ix_sessions_evse_status", "evse_uid", "status"),
    Index("ix_sessions_profile_due_at", "profile_due_at"),
)

cdrs = Table(
    "cdrs",
    metadata,
    Column("pk", Id, primary_key=True, autoincrement=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("cdr_id", String(39), nullable=False),
    Column("session_id", String(36)),
    Column("credit", Boolean, nullable=False),
    Column("credit_reference_id", String(39)),
    Column("token_country_code", String(2), nullable=False),
    Column("token_party_id", String(3), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    # The OCPI 2.2.1 CDR object as POSTed and served (CDRs are final: never rewritten).
    Column("document", LargeBinary, nullable=False),
    # Set while the CDR is held (it could not be priced: never sent, never in a Sender page).
    Column("held_reason", Text),
    Column("held_since", UtcDateTime),
    UniqueConstraint("country_code", "party_id", "cdr_id", name="uq_cdrs_key"),
    Index("ix_cdrs_cdr_id", "cdr_id"),
    Index("ix_cdrs_last_updated", "last_updated"),
    Index("ix_cdrs_credit_reference_id", "credit_reference_id"),
    Index("ix_cdrs_held_since", "held_since"),
)
