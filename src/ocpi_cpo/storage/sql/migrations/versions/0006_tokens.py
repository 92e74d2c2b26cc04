"""Tokens: eMSP tokens we were given, and every authorization decision.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "emsp_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("whitelist", sa.String(20), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.Column("partner_id", sa.Integer),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_emsp_tokens"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_emsp_tokens_partner_id_partners"
        ),
        sa.UniqueConstraint(
            "country_code", "party_id", "uid", "type", name="uq_emsp_tokens_country_code"
        ),
    )
    op.create_index("ix_emsp_tokens_uid", "emsp_tokens", ["uid", "type"])
    op.create_table(
        "authorizations",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("token_type", sa.String(20), nullable=False),
        sa.Column("location_id", sa.String(36)),
        sa.Column("evse_uid", sa.String(36)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("offline", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("authorization_reference", sa.String(36)),
        sa.Column("token_document", sa.LargeBinary),
        sa.PrimaryKeyConstraint("id", name="pk_authorizations"),
    )
    op.create_index("ix_authorizations_uid_at", "authorizations", ["uid", "at"])


def downgrade() -> None:
    op.drop_table("authorizations")
    op.drop_table("emsp_tokens")
