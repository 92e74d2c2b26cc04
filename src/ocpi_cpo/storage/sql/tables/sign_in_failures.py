"""Failed console sign-ins (domain.sign_in_limits): one row per key and failure, the key as its
SHA-256 digest; rows older than the window are dropped as new ones come
(services.sign_in_limits), so the table holds about five minutes of failures."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from ocpi_cpo.storage.sql.tables.meta import metadata
from ocpi_cpo.storage.sql.types import UtcDateTime

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("key_digest", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Index("ix_sign_in_failures_key_digest", "key_digest", "at"),
)
