"""``ocpi-cpo db upgrade | current | history``: the schema migrations shipped in the package."""

from __future__ import annotations

import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import fail, run, settings_from

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@audited("db.upgrade", "database")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema to this version's (safe to run again)."""
    from ocpi_cpo.storage.sql.engine import create_engine
    from ocpi_cpo.storage.sql.migrate import current_revision, head_revision, upgrade

    settings = settings_from(ctx)

    async def _upgrade() -> tuple[str | None, str | None]:
        engine = create_engine(settings.database_url)
        try:
            before = await current_revision(engine)
            await upgrade(engine)
            return before, await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        before, after = run(_upgrade())
    except OSError as exc:
        fail(f"cannot reach the database ({exc}): check database_url", 2)
    if before == after:
        typer.echo(f"database already at {after} (head {head_revision()})")
    else:
        typer.echo(f"database upgraded from {before or 'empty'} to {after}")


@app.command("current")
def db_current(ctx: typer.Context) -> None:
    """The revision the database is at, and whether it is this version's (exit 1 when behind)."""
    from ocpi_cpo.storage.sql.engine import create_engine
    from ocpi_cpo.storage.sql.revision import applied_revision, quick_head

    settings = settings_from(ctx)

    async def _current() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await applied_revision(engine)
        finally:
            await engine.dispose()

    try:
        current = run(_current())
    except OSError as exc:
        fail(f"cannot reach the database ({exc}): check database_url", 2)
    head = quick_head()
    if current == head:
        typer.echo(f"{current} (head: up to date)")
        return
    typer.echo(f"{current or 'empty'} (head {head}: run 'ocpi-cpo db upgrade')")
    raise typer.Exit(1)


@app.command("history")
def db_history() -> None:
    """Every migration shipped, oldest first: revision, the one it revises, what it does."""
    from ocpi_cpo.storage.sql.migrate import history

    for revision, parent, doc in history():
        typer.echo(f"{revision}  <- {parent or '-':<6} {doc}")
