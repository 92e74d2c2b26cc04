"""``ocpi-cpo db upgrade``: apply the migrations shipped in the package."""

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
