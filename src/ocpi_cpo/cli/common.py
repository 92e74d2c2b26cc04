"""What every command shares: settings loading, the async runner, error exits.

Kept light on purpose (see "A fast CLI" in docs/architecture.md): this module imports typer and
the standard library only; settings, storage and transport are imported when a command runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from ocpi_cpo.config import Settings
    from ocpi_cpo.domain.clock import Clock
    from ocpi_cpo.ocpi.context import OcpiContext
    from ocpi_cpo.services.publishing import Publisher
    from ocpi_cpo.storage.protocols import Storage

T = TypeVar("T")

EXIT_FAILURE = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"ocpi-cpo: {message}", err=True)
    raise typer.Exit(code)


def settings_from(ctx: typer.Context) -> Settings:
    from ocpi_cpo.config import SettingsError, ensure_sqlite_directory, load_settings

    config: Path | None = (ctx.find_root().obj or {}).get("config")
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        for line in exc.lines:
            typer.echo(f"ocpi-cpo: {line}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        ensure_sqlite_directory(settings)
    except OSError as exc:
        fail(f"cannot create the SQLite database's folder ({exc}): check database_url", EXIT_USAGE)
    return settings


def run(coroutine: Awaitable[T]) -> T:
    """Run a command's coroutine; an object that would break a partner's wire is bad input
    (exit 2, the message names the field)."""

    import asyncio

    from ocpi_cpo.services.errors import WireRefused

    async def _main() -> T:
        try:
            return await coroutine
        except WireRefused as exc:
            fail(f"{exc.message}: nothing stored", EXIT_USAGE)

    return asyncio.run(_main())


async def prepare_database(
    settings: Settings, *, auto_upgrade: bool, engine: AsyncEngine | None = None
) -> None:
    """SQLite is upgraded in place; PostgreSQL must be upgraded on purpose (`db upgrade`).

    The check reads ``alembic_version`` with one SELECT and compares it with the newest file in
    the package (``migrate.quick_head``): Alembic itself is imported only to upgrade. ``engine``:
    the command's own (:func:`storage_context`), else one made and disposed here."""
    from sqlalchemy.exc import OperationalError

    from ocpi_cpo.storage.sql.engine import one_shot_engine
    from ocpi_cpo.storage.sql.revision import applied_revision, quick_head

    engine = engine or one_shot_engine(settings.database_url)
    try:
        current = await applied_revision(engine)
        if current == quick_head():
            return
        if auto_upgrade and settings.is_sqlite:
            from ocpi_cpo.storage.sql.migrate import upgrade

            await upgrade(engine)
            return
        fail(
            f"the database schema is at {current or 'nothing'}, this version needs"
            f" {quick_head()}: run 'ocpi-cpo db upgrade'",
            EXIT_USAGE,
        )
    except OSError as exc:
        fail(f"cannot reach the database ({exc}): check database_url", EXIT_USAGE)
    except OperationalError as exc:  # e.g. a SQLite path that is a folder or not writable
        fail(f"cannot open the database ({exc.orig}): check database_url", EXIT_USAGE)
    finally:
        await engine.dispose()


@asynccontextmanager
async def command_context(settings: Settings) -> AsyncIterator[OcpiContext]:
    """Storage, transport and the services for a one-shot command, closed at the end.

    Commands that only read or write the database use :func:`storage_context`: this one loads
    the OCPI layer, aiohttp and the services (about a second of imports)."""
    from ocpi_cpo.domain.clock import SystemClock
    from ocpi_cpo.ocpi.context import OcpiContext
    from ocpi_cpo.outbound.transport import AiohttpTransport
    from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine

    await prepare_database(settings, auto_upgrade=True)
    storage = SqlStorage(create_engine(settings.database_url, pool_size=2))
    transport = AiohttpTransport.for_settings(settings)
    try:
        yield OcpiContext(
            settings=settings, clock=SystemClock(), storage=storage, transport=transport
        )
    finally:
        await transport.close()
        await storage.close()


@dataclass
class StorageContext:
    """What a command that only touches the database needs (no transport, no services)."""

    settings: Settings
    clock: Clock
    storage: Storage

    @cached_property
    def publisher(self) -> Publisher:
        """The OCPI versions' wire for changes that partners receive (made on first use)."""
        from ocpi_cpo.ocpi.publishing import publisher

        return publisher()


@asynccontextmanager
async def storage_context(settings: Settings) -> AsyncIterator[StorageContext]:
    """The database alone for a one-shot command (upgraded first on SQLite), closed at the end.

    SQLite goes through ``sqlite3`` in this thread (``storage.sql.one_shot``): the same storage,
    repositories and transactions as ``serve``, without importing the async stack; the schema
    check, the command and its audit entry share one connection (``command_engine``)."""
    from ocpi_cpo.domain.clock import SystemClock
    from ocpi_cpo.storage.sql.engine import SqlStorage, command_engine

    engine = command_engine(settings.database_url)
    await prepare_database(settings, auto_upgrade=True, engine=engine)
    storage = SqlStorage(engine)
    try:
        yield StorageContext(settings=settings, clock=SystemClock(), storage=storage)
    finally:
        await storage.close()
