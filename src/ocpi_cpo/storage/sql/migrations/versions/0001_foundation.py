"""Foundation: partners, the tokens we issued, hub client info.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ocpi_cpo.storage.sql.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("profile", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(20)),
        sa.Column("versions_url", sa.String(255)),
        sa.Column("version", sa.String(10)),
        sa.Column("endpoints", sa.JSON, nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("outbound_token", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("registered_at", UtcDateTime),
        sa.Column("last_seen_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name", name="uq_partners_name"),
    )
    op.create_table(
        "credentials_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_credentials_tokens"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            ondelete="CASCADE",
            name="fk_credentials_tokens_partner_id_partners",
        ),
    )
    op.create_index("ix_credentials_tokens_partner_id", "credentials_tokens", ["partner_id"])
    op.create_table(
        "hub_client_info",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hub_client_info"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            ondelete="CASCADE",
            name="fk_hub_client_info_partner_id_partners",
        ),
        sa.UniqueConstraint(
            "partner_id", "country_code", "party_id", "role", name="uq_hub_client_info_partner_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("hub_client_info")
    op.drop_index("ix_credentials_tokens_partner_id", table_name="credentials_tokens")
    op.drop_table("credentials_tokens")
    op.drop_table("partners")
