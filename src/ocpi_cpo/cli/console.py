"""``ocpi-cpo console add-user|list-users|remove-user``: who may sign in to the operator console.

The password comes from a hidden prompt (asked twice) or, when standard input is not a
terminal, from its first line; it is kept only as a slow scrypt hash (domain.console_users).
"""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from ocpi_cpo.cli.common import EXIT_USAGE, command_context, fail, run, settings_from
from ocpi_cpo.domain.console_users import ConsoleUser

app = typer.Typer(help="People who may sign in to the operator console.", no_args_is_help=True)


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("add-user")
def add_user(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option("--role", help="viewer (reads) or operator (also acts)")],
) -> None:
    """Add a console user; the password is asked for (or read from standard input)."""
    from ocpi_cpo.services import audit
    from ocpi_cpo.services import console_users as service
    from ocpi_cpo.services.errors import ConflictError, RuleViolation, ServiceError

    settings = settings_from(ctx)
    if role not in ("viewer", "operator"):
        fail(f"--role {role!r}: expected viewer or operator", EXIT_USAGE)
    password = _read_password()

    async def _add() -> ConsoleUser:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            now = context.clock.now()
            user = await service.add(uow, name, role, password, now)
            await audit.record(
                uow, now, audit.cli_actor(), "console.add-user", f"console user {name}",
                after={"role": role},
            )  # fmt: skip
            return user

    try:
        user = run(_add())
    except RuleViolation as exc:
        fail(exc.message, EXIT_USAGE)
    except (ConflictError, ServiceError) as exc:
        fail(exc.message)
    typer.echo(f"console user {user.name} added ({user.role.value})")


@app.command("list-users")
def list_users(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Console users and their roles (never their password hashes)."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.services import console_users as service

    settings = settings_from(ctx)

    async def _list() -> list[ConsoleUser]:
        async with command_context(settings) as context, context.storage.read() as uow:
            return await service.every(uow)

    users = run(_list())
    if json:
        rows = [
            {"name": u.name, "role": u.role.value, "created_at": u.created_at.isoformat()}
            for u in users
        ]
        typer.echo(orjson.dumps(rows).decode())
        return
    table = Table("name", "role", "added")
    for user in users:
        table.add_row(user.name, user.role.value, user.created_at.strftime("%Y-%m-%d %H:%M"))
    Console(width=120).print(table)
    typer.echo(f"{len(users)} console users")


@app.command("remove-user")
def remove_user(ctx: typer.Context, name: str) -> None:
    """Remove a console user (signed-in browsers of that user are signed out)."""
    from ocpi_cpo.services import audit
    from ocpi_cpo.services import console_users as service
    from ocpi_cpo.services.errors import NotFoundError

    settings = settings_from(ctx)

    async def _remove() -> None:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            await service.remove(uow, name)
            await audit.record(
                uow, context.clock.now(), audit.cli_actor(), "console.remove-user",
                f"console user {name}",
            )  # fmt: skip

    try:
        run(_remove())
    except NotFoundError as exc:
        fail(exc.message)
    typer.echo(f"console user {name} removed")
