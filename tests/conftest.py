"""Shared fixtures: a real database per test, on SQLite and, where reachable, PostgreSQL.

PostgreSQL: ``OCPI_CPO_TEST_POSTGRES_URL`` (default postgres on 127.0.0.1:5432). When it cannot be
reached the PostgreSQL tests are skipped with the reason, unless ``OCPI_CPO_REQUIRE_POSTGRES=1``
(set by .ci/run), in which case they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "OCPI_CPO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("OCPI_CPO_REQUIRE_POSTGRES") == "1"
TEST_DATA = Path(__file__).resolve().parent / "data"


async def _postgres_problem() -> str | None:
    engine = create_async_engine(POSTGRES_URL, connect_args={"timeout": 3})
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({type(exc).__name__}: {exc})"
    finally:
        await engine.dispose()
    return None


_PG_STATE: dict[str, object] = {}

#: folders whose files share a package-wide set-up (the console's demo and browser): under
#: ``--dist loadfile`` (make test) each folder counts as one file, so its set-up starts once
_ONE_WORKER_FOLDERS = ("tests/e2e/console/",)


class _OneWorkerFolders:
    """pytest-xdist's scheduler hook, registered only when xdist runs (``-p no:xdist`` or a venv
    without it would otherwise stop at collection with an unknown hook)."""

    @staticmethod
    def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
        """``--dist loadfile``, with each of ``_ONE_WORKER_FOLDERS`` sent whole to one worker."""
        if config.getoption("dist") != "loadfile":
            return None
        from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

        class _Scheduling(LoadFileScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                for folder in _ONE_WORKER_FOLDERS:
                    if nodeid.startswith(folder):
                        return folder
                scope: str = super()._split_scope(nodeid)
                return scope

        return _Scheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_OneWorkerFolders(), "ocpi-cpo-one-worker-folders")


def postgres_problem() -> str | None:
    if "problem" not in _PG_STATE:
        _PG_STATE["problem"] = asyncio.run(_postgres_problem())
    problem = _PG_STATE["problem"]
    return problem if isinstance(problem, str) else None


def require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"{problem}; OCPI_CPO_REQUIRE_POSTGRES=1 demands it")
    pytest.skip(f"{problem}; set OCPI_CPO_TEST_POSTGRES_URL to run the PostgreSQL tests")


async def _admin(sql: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


def _database_in(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test copies it (much faster than migrating again)."""
    require_postgres()
    name = f"ocpi_cpo_tpl_{os.getpid()}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))

    async def _migrate() -> None:
        engine = create_engine(_database_in(POSTGRES_URL, name))
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_migrate())
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, built once per session (per xdist worker); each test copies it.

    Migrating takes a few hundred milliseconds, copying the file well under one: the same
    schema, migrated by the same ``upgrade``, for several hundred tests."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def _migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_migrate())
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template must be one closed file, found {leftovers}"
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a copy of the migrated SQLite template file, or a copy of the
    PostgreSQL template database."""
    if request.param == "sqlite":
        database = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        yield f"sqlite+aiosqlite:///{database}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"ocpi_cpo_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _database_in(POSTGRES_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[SqlStorage]:
    store = SqlStorage(create_engine(database_url))
    yield store
    await store.close()
