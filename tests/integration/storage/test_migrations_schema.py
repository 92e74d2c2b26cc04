"""The migrations build exactly the tables the code declares (issue 22 item 5), on SQLite and
PostgreSQL, from an empty database; and the newest migration goes down and back up cleanly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from ocpi_cpo.storage.sql.engine import create_engine
from ocpi_cpo.storage.sql.migrate import downgrade, history, upgrade
from ocpi_cpo.storage.sql.revision import applied_revision, quick_head
from ocpi_cpo.storage.sql.tables import metadata
from tests.conftest import POSTGRES_URL, _admin, _database_in, require_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    require_postgres()
    name = f"ocpi_cpo_e_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield _database_in(POSTGRES_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def empty_engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_url)
    yield engine
    await engine.dispose()


def _differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _schema(engine: AsyncEngine) -> tuple[list[Any], set[str]]:
    async with engine.connect() as connection:
        return await connection.run_sync(_differences), await connection.run_sync(_tables)


async def test_upgrade_from_nothing_gives_the_declared_tables(empty_engine: AsyncEngine) -> None:
    assert await applied_revision(empty_engine) is None
    await upgrade(empty_engine)
    assert await applied_revision(empty_engine) == quick_head()
    differences, tables = await _schema(empty_engine)
    assert tables == set(metadata.tables)
    assert differences == [], "migrations and tables/ disagree: add a migration for the change"


async def test_newest_migration_goes_down_and_back_up(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    newest, previous = history()[-1][0], history()[-1][1]
    assert previous is not None and "+" not in previous
    await downgrade(empty_engine)
    assert await applied_revision(empty_engine) == previous
    await upgrade(empty_engine)
    assert await applied_revision(empty_engine) == newest
    differences, tables = await _schema(empty_engine)
    assert differences == [] and tables == set(metadata.tables)
