"""What every command shares: settings loading, the async runner, error exits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn, TypeVar

import typer

from ocpi_cpo.config import Settings, SettingsError, ensure_sqlite_directory, load_settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.services.errors import WireRefused
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import current_revision, head_revision, upgrade

T = TypeVar("T")

EXIT_FAILURE = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"ocpi-cpo: {message}", err=True)
    raise typer.Exit(code)


def settings_from(ctx: typer.Context) -> Settings:
    config: Path | None = (ctx.obj or {}).get("config")
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        for line in exc.lines:
            typer.echo(f"ocpi-cpo: {line}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    ensure_sqlite_directory(settings)
    return settings


def run(coroutine: Awaitable[T]) -> T:
    """Run a command's coroutine; an object that would break a partner's wire is bad input
    (exit 2, the message names the field)."""

    async def _main() -> T:
        try:
            return await coroutine
        except WireRefused as exc:
            fail(f"{exc.message}: nothing stored", EXIT_USAGE)

    return asyncio.run(_main())


async def prepare_database(settings: Settings, *, auto_upgrade: bool) -> None:
    """SQLite is upgraded in place; PostgreSQL must be upgraded on purpose (`db upgrade`)."""
    engine = create_engine(settings.database_url)
    try:
        current = await current_revision(engine)
        if current == head_revision():
            return
        if auto_upgrade and settings.is_sqlite:
            await upgrade(engine)
            return
        fail(
            f"the database schema is at {current or 'nothing'}, this version needs"
            f" {head_revision()}: run 'ocpi-cpo db upgrade'",
            EXIT_USAGE,
        )
    except OSError as exc:
        fail(f"cannot reach the database ({exc}): check database_url", EXIT_USAGE)
    finally:
        await engine.dispose()


@asynccontextmanager
async def command_context(settings: Settings) -> AsyncIterator[OcpiContext]:
    """Storage and transport for a one-shot command, closed at the end."""
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
