"""The audit log from the CLI: ``@audited`` records a command's change once it has succeeded, and
``ocpi-cpo audit [--since TIME] [--json]`` prints the log (services.audit, docs/security.md).

A recorded CLI change names ``cli:<user>@<host>``, the command (``partners.invite``), its object
(the command's main argument) and, as ``after``, the arguments it was given (secret-named ones
replaced; JSON output flags and options left unset are left out). The entry is written right after the command's own
transaction has committed; storage is imported only then, so ``--help`` stays fast.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from ocpi_cpo.cli.common import EXIT_USAGE, fail, run, settings_from

if TYPE_CHECKING:
    from ocpi_cpo.config import Settings

P = ParamSpec("P")
R = TypeVar("R")

#: parameters that say how to print, not what to change
_OUTPUT = frozenset({"ctx", "json"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path | datetime | date):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def audited(
    action: str, kind: str, key: str | None = None, *, only_if: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record the command as ``action`` on the object ``"<kind> <argument key>"`` once it has
    succeeded (returned, or exited with 0); ``only_if``: only when that flag was given (a check
    that changes something only with ``--fix``)."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = command(*args, **kwargs)
            except typer.Exit as exc:
                if exc.exit_code == 0:
                    _record_if(action, kind, key, only_if, kwargs)
                raise
            _record_if(action, kind, key, only_if, kwargs)
            return result

        return wrapper

    return decorate


def _record_if(
    action: str, kind: str, key: str | None, only_if: str | None, kwargs: dict[str, Any]
) -> None:
    if only_if is not None and not kwargs.get(only_if):
        return
    obj = kind if key is None else f"{kind} {_plain(kwargs.get(key))}"
    params = {k: _plain(v) for k, v in kwargs.items() if k not in _OUTPUT and v is not None}
    settings = settings_from(kwargs["ctx"])  # every audited command takes ctx
    run(_write(settings, action, obj, params))


async def _write(settings: Settings, action: str, obj: str, params: dict[str, Any]) -> None:
    from ocpi_cpo.domain.clock import SystemClock
    from ocpi_cpo.services import audit
    from ocpi_cpo.storage.sql.engine import SqlStorage, command_engine

    storage = SqlStorage(command_engine(settings.database_url))  # the command's, on SQLite
    try:
        await audit.record_alone(
            storage, SystemClock(), audit.cli_actor(), action, obj, after=params or None
        )
    finally:
        await storage.close()


_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``2026-12-03``, ``2026-12-03T04:00:00Z`` (no zone: UTC), or an age: ``30m``, ``2h``, ``7d``."""
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since: {text!r} is neither a date or time (2026-12-03, 2026-12-03T04:00:00Z)"
            " nor an age (30m, 2h, 7d)"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _change(before: Any, after: Any) -> str:
    import orjson

    parts = []
    if before is not None:
        parts.append("before " + orjson.dumps(before).decode())
    if after is not None:
        parts.append("after " + orjson.dumps(after).decode())
    return "; ".join(parts)


def audit(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option("--since", help="from this time: 2026-12-03, 2026-12-03T04:00Z, 2h, 7d"),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Who changed what, when: every change made through the CLI, the admin API or the console."""
    import orjson

    from ocpi_cpo.cli.common import command_context
    from ocpi_cpo.services import audit as service

    settings = settings_from(ctx)
    try:
        start = parse_since(since, datetime.now(UTC)) if since is not None else None
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)

    async def _read() -> list[Any]:
        async with command_context(settings) as context:
            return await service.entries(context.storage, start)

    entries = run(_read())
    if json:
        typer.echo(orjson.dumps([service.as_json(e) for e in entries]).decode())
        return
    if not entries:
        typer.echo("no audit entries" + (f" since {start:%Y-%m-%d %H:%M:%S}Z" if start else ""))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("at (UTC)", "who", "what", "object", "change")
    for entry in entries:
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            str(entry.actor),
            entry.action,
            entry.object,
            _change(entry.before, entry.after),
        )
    Console(width=200).print(table)
