"""The outbox: messages to partners, written in the same transaction as the change that causes
them, and every attempt to deliver them (architecture.md, "Delivery")."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    false,
)

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

#: the rows the claim walks (the claim repeats the predicate, so that both planners use the index)
HEADS = "head"

# BIGINT ids on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("module", String(20), nullable=False),
    # Messages with the same key are delivered one after the other, in id order.
    Column("object_key", String(200), nullable=False),
    # Not sent while a message of this other object (same partner) is pending: a CDR after its
    # session's final state (issue 16 item 5).
    Column("after_key", String(200)),
    Column("method", String(10), nullable=False),
    # Relative to the partner's endpoint for (module, interface), or an absolute URL.
    Column("interface", String(10)),
    Column("url", String(1000), nullable=False),
    Column("body", LargeBinary),
    Column("from_country_code", String(2)),
    Column("from_party_id", String(3)),
    Column("to_country_code", String(2)),
    Column("to_party_id", String(3)),
    Column("full_replace", Boolean, nullable=False, default=False),
    # The OCPI version the URL and body were rendered for (issue 17); NULL before 0015: 2.2.1.
    Column("version", String(10)),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("last_error", Text),
    # The answer's Location header (CDRs: where the receiver keeps the CDR).
    Column("reply_location", String(1000)),
    # The partner sync that queued it (tables.syncs), for the sync's progress.
    Column("sync_id", Integer),
    # Set on the oldest PENDING message of its object (and maybe a few more pending ones: a
    # message put back by a retry), cleared when a message stops being pending, so the claim
    # walks heads only (ix_outbox_heads); repositories/outbox.py.
    Column("head", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_outbox_due", "state", "next_attempt_at"),
    # Partial indexes: their WHERE (sync_id IS NOT NULL; HEADS) is in their migrations (0019,
    # 0021), not here. Naming it here (sqlite_where=, postgresql_where=) made SQLAlchemy import
    # both dialects to check those keywords: the PostgreSQL one with its five drivers cost
    # every SQLite command about 130 million instructions, 6-7% of `ocpi-cpo outbox list`
    # (docs/performance.md, "The CLI"). Alembic does not compare an index's WHERE.
    Index("ix_outbox_sync", "sync_id", "state"),
    Index("ix_outbox_object", "partner_id", "object_key", "state", "id"),
    Index("ix_outbox_heads", "id"),
)

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "message_id", Id, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("attempted_at", UtcDateTime, nullable=False),
    Column("worker", String(100), nullable=False),
    Column("http_status", Integer),
    Column("ocpi_status", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("error", Text),
    Column("excerpt", Text),
)

# Each partner's delivery state (issue 16): no row, or ``down_since`` NULL, means available.
# While a partner is down only one probe (its oldest due message) is in flight at a time.
partner_delivery = Table(
    "partner_delivery",
    metadata,
    Column(
        "partner_id",
        Integer,
        ForeignKey("partners.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("down_since", UtcDateTime),
    # consecutive failed probes: the exponent of the probe interval
    Column("failures", Integer, nullable=False, default=0),
    Column("next_probe_at", UtcDateTime),
    Column("probe_message_id", Id),
    Column("probe_until", UtcDateTime),
    Column("last_error", Text),
    # when the partner last answered: a failure of a request sent before it says nothing new
    Column("up_at", UtcDateTime),
)
