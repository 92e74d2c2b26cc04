"""One linear history from here on: the feature chains 0003-0008 merged.

Every later migration revises the single head before it (a test keeps it that way).

Revision ID: 0009
Revises: 0003, 0004, 0005, 0006, 0007, 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

revision = "0009"
down_revision = ("0003", "0004", "0005", "0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to undo."""
