"""Partners, the tokens we issued, hub client info."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("profile", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("direction", String(20)),
    Column("versions_url", String(255)),
    Column("version", String(10)),
    Column("endpoints", JSON, nullable=False, default=list),
    Column("roles", JSON, nullable=False, default=list),
    # The token the partner gave us to call it. We must send it, so it cannot be hashed.
    Column("outbound_token", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("registered_at", UtcDateTime),
    Column("last_seen_at", UtcDateTime),
    # The one operation (eMI3 Operator Id, e.g. FR*AB1) this partner is bound to, or NULL for
    # every operation (Gireve 2.1.1 takes one registration per operation: gireve-2.1.1.md §2)
    Column("operation", String(20)),
)

credentials_tokens = Table(
    "credentials_tokens",
    metadata,
    # SHA-256 hex digest of a token we issued; the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column(
        "partner_id",
        Integer,
        ForeignKey("partners.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

hub_client_info = Table(
    "hub_client_info",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("role", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    UniqueConstraint("partner_id", "country_code", "party_id", "role"),
)
