"""The schema revision without Alembic: what every command checks before it starts.

Importing Alembic costs about 0.3 s, more than a whole ``ocpi-cpo evses set-status`` may take,
so the check reads ``alembic_version`` with one SELECT and takes the head from the file names
in ``migrations/versions`` (``NNNN_what.py`` holds revision ``NNNN``; the history is linear, so
the highest number is the head). ``tests/unit/test_migration_history.py`` checks both rules
against Alembic's own reading of the scripts.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_SCRIPT = re.compile(r"^(\d{4})_\w+\.py$")


@cache
def quick_head() -> str:
    """The newest revision shipped in the package (the single head of a linear history)."""
    revisions = [m.group(1) for p in VERSIONS.iterdir() if (m := _SCRIPT.match(p.name))]
    return max(revisions)


async def applied_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None when it has no schema yet."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None  # no alembic_version table: an empty database
        versions = sorted(str(v) for v in result.scalars())
    return "+".join(versions) if versions else None
