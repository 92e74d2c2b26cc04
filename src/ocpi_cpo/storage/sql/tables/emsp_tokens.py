"""eMSP tokens we were given (Tokens Receiver, pulls) and every authorization decision."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.tables.outbox import Id
from ocpi_cpo.storage.sql.types import UtcDateTime

emsp_tokens = Table(
    "emsp_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("uid", String(36), nullable=False),
    Column("type", String(20), nullable=False),
    Column("contract_id", String(36), nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("whitelist", String(20), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    Column("partner_id", Integer, ForeignKey("partners.id")),
    Column("document", LargeBinary, nullable=False),
    UniqueConstraint("country_code", "party_id", "uid", "type"),
    Index("ix_emsp_tokens_uid", "uid", "type"),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("uid", String(36), nullable=False),
    Column("token_type", String(20), nullable=False),
    Column("location_id", String(36)),
    Column("evse_uid", String(36)),
    Column("outcome", String(20), nullable=False),
    Column("source", String(20), nullable=False),
    Column("offline", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("authorization_reference", String(36)),
    Column("token_document", LargeBinary),
    # The session that used this decision: a decision serves at most one session.
    Column("session_id", String(36)),
    Index("ix_authorizations_uid_at", "uid", "at"),
    # a token's START_SESSION grants, and its last decision at an EVSE (the lookups of a charge)
    Index("ix_authorizations_uid_source_at", "uid", "source", "at"),
    Index("ix_authorizations_uid_evse_uid_at", "uid", "evse_uid", "at"),
)
