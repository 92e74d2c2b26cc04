"""Schema migrations (Alembic, shipped inside the package): ``ocpi-cpo db upgrade``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revisions() -> frozenset[str]:
    """Every head: features branch off in their own migration chains, all applied together."""
    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


def head_revision() -> str:
    """The heads as one printable value, e.g. ``0002+0003``."""
    return "+".join(sorted(head_revisions()))


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    def _current(connection: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The applied heads as one printable value, None on an empty database."""
    current = await current_revisions(engine)
    return "+".join(sorted(current)) if current else None


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    def _upgrade(connection: Connection) -> None:
        command.upgrade(_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def downgrade(engine: AsyncEngine, revision: str = "-1") -> None:
    """Go back (one revision by default); every migration has its ``downgrade``."""

    def _downgrade(connection: Connection) -> None:
        command.downgrade(_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_downgrade)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revisions(engine) == head_revisions()


def history() -> list[tuple[str, str | None, str]]:
    """Every revision, oldest first: (revision, the one it revises, its first docstring line)."""
    script = ScriptDirectory.from_config(_config())
    found: list[tuple[str, str | None, str]] = []
    for rev in reversed(list(script.walk_revisions())):
        down = rev.down_revision
        parent = down if isinstance(down, str) or down is None else "+".join(down)
        lines = (rev.doc or "").strip().splitlines()
        found.append((rev.revision, parent, lines[0] if lines else ""))
    return found
