"""``ocpi-cpo sessions`` (list, show, check) and ``ocpi-cpo cdrs`` (list, show, check, credit, held,
reprice, release)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import orjson
import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import EXIT_USAGE, command_context, fail, run, settings_from
from ocpi_cpo.domain.partners import Partner

if TYPE_CHECKING:
    from ocpi_cpo.ocpi.context import OcpiContext
    from ocpi_cpo.ocpi.v2_2_1.sessions.check import ReadBack

T = TypeVar("T")

sessions_app = typer.Typer(help="Charging sessions (OCPI Sessions Sender).", no_args_is_help=True)
cdrs_app = typer.Typer(help="CDRs, credit CDRs (OCPI CDRs Sender).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, max=1000, help="how many, newest first")
]


def _run(ctx: typer.Context, work: Callable[[OcpiContext], Awaitable[T]]) -> T:
    from ocpi_cpo.ocpi.transport import TransportError
    from ocpi_cpo.services.errors import RuleViolation, ServiceError

    settings = settings_from(ctx)

    async def _main() -> T:
        async with command_context(settings) as context:
            return await work(context)

    try:
        return run(_main())
    except RuleViolation as exc:
        fail(exc.message, EXIT_USAGE)
    except ServiceError as exc:
        fail(exc.message)
    except TransportError as exc:
        fail(f"the partner cannot be reached: {exc}")


def _price(price: Any) -> str:
    return (
        ""
        if not isinstance(price, dict)
        else f"{price.get('excl_vat')} / {price.get('incl_vat', '-')}"
    )


@sessions_app.command("list")
def list_sessions(ctx: typer.Context, limit: LimitOption = 50, json: JsonOption = False) -> None:
    """The latest sessions: status, energy and cost so far."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.api.admin.sessions import session_view

    async def work(context: OcpiContext) -> list[dict[str, Any]]:
        async with context.storage.read() as uow:
            return [session_view(s) for s in await uow.sessions.recent(limit)]

    views = _run(ctx, work)
    if json:
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table("id", "status", "evse", "token", "kWh", "cost excl/incl", "published", "cdr")
    for view in views:
        s = view["session"]
        token = s["cdr_token"]
        table.add_row(
            s["id"],
            s["status"],
            s["evse_uid"],
            f"{token['country_code']}/{token['party_id']}/{token['uid']}",
            str(s["kwh"]),
            _price(s.get("total_cost")),
            "yes" if view["published"] else "no",
            view["cdr_id"] or "",
        )
    Console().print(table)


@sessions_app.command("show")
def show_session(ctx: typer.Context, session_id: str) -> None:
    """One session as partners see it, and what stands behind it."""
    from ocpi_cpo.api.admin.sessions import session_view
    from ocpi_cpo.services import session_reads

    async def work(context: OcpiContext) -> dict[str, Any]:
        async with context.storage.read() as uow:
            return session_view(await session_reads.one(uow, session_id))

    typer.echo(orjson.dumps(_run(ctx, work), option=orjson.OPT_INDENT_2).decode())


def _report(report: ReadBack, what: str, partner: str) -> None:
    for name, problem in report.problems:
        typer.echo(f"{name}: {problem}")
    typer.echo(f"{report.checked} {what} checked at {partner}, {len(report.problems)} problem(s)")
    if not report.in_sync:
        raise typer.Exit(1)


def _partner_check(
    check: Callable[[OcpiContext, Partner], Awaitable[ReadBack]], partner: str
) -> Callable[[OcpiContext], Awaitable[ReadBack]]:
    from ocpi_cpo.services import partners as partner_service

    async def work(context: OcpiContext) -> ReadBack:
        async with context.storage.read() as uow:
            found = await partner_service.get_partner(uow, partner)
        return await check(context, found)

    return work


@sessions_app.command("check")
def check_sessions_command(ctx: typer.Context, partner: str) -> None:
    """Read every session back from PARTNER's Sessions Receiver and compare."""
    from ocpi_cpo.ocpi.v2_2_1.sessions.check import check_sessions

    _report(_run(ctx, _partner_check(check_sessions, partner)), "session(s)", partner)


@cdrs_app.command("list")
def list_cdrs(ctx: typer.Context, limit: LimitOption = 50, json: JsonOption = False) -> None:
    """The latest CDRs (credit CDRs included)."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.api.admin.sessions import cdr_view

    async def work(context: OcpiContext) -> list[dict[str, Any]]:
        async with context.storage.read() as uow:
            return [cdr_view(c) for c in await uow.cdrs.recent(limit)]

    views = _run(ctx, work)
    if json:
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table("id", "session", "end", "kWh", "hours", "cost excl/incl", "credit of")
    for cdr in views:
        table.add_row(
            cdr["id"],
            cdr.get("session_id") or "",
            cdr["end_date_time"],
            str(cdr["total_energy"]),
            str(cdr["total_time"]),
            _price(cdr["total_cost"]),
            cdr.get("credit_reference_id") or "",
        )
    Console().print(table)


@cdrs_app.command("show")
def show_cdr(ctx: typer.Context, cdr_id: str) -> None:
    """One CDR as it was POSTed."""
    from ocpi_cpo.api.admin.sessions import cdr_view
    from ocpi_cpo.services import cdrs as cdr_service

    async def work(context: OcpiContext) -> dict[str, Any]:
        async with context.storage.read() as uow:
            return cdr_view(await cdr_service.one(uow, cdr_id))

    typer.echo(orjson.dumps(_run(ctx, work), option=orjson.OPT_INDENT_2).decode())


@cdrs_app.command("check")
def check_cdrs_command(ctx: typer.Context, partner: str) -> None:
    """Read every CDR back from PARTNER (at the Location its POST answer gave) and compare."""
    from ocpi_cpo.ocpi.v2_2_1.sessions.check import check_cdrs

    _report(_run(ctx, _partner_check(check_cdrs, partner)), "CDR(s)", partner)


@cdrs_app.command("credit")
@audited("cdrs.credit", "CDR", "cdr_id")
def credit(
    ctx: typer.Context,
    cdr_id: str,
    reason: Annotated[str, typer.Option("--reason", help="why: goes in the Credit CDR's remark")],
) -> None:
    """Create the Credit CDR of CDR_ID (credit=true, negated amounts) and POST it to partners."""
    from ocpi_cpo.services import cdrs as cdr_service

    async def work(context: OcpiContext) -> dict[str, Any]:
        async with context.storage.transaction() as uow:
            return await cdr_service.credit(
                uow, context.publisher, cdr_id, reason, context.clock.now()
            )

    created = _run(ctx, work)
    typer.echo(
        f"credit CDR {created['id']} created for {cdr_id}"
        f" (total_cost {_price(created['total_cost'])}); queued to partners"
    )


@cdrs_app.command("held")
def held(ctx: typer.Context, json: JsonOption = False) -> None:
    """CDRs held because they could not be priced (never sent), oldest first, with the reason."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.services import cdrs as cdr_service

    async def work(context: OcpiContext) -> list[dict[str, Any]]:
        async with context.storage.read() as uow:
            found = await uow.cdrs.held()
        return [cdr_service.held_view(c, context.clock.now()) for c in found]

    views = _run(ctx, work)
    if json:
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table("id", "session", "end", "kWh", "held since", "reason")
    for view in views:
        table.add_row(
            view["id"],
            view["session_id"] or "",
            view["end_date_time"] or "",
            str(view["total_energy"]),
            view["held_since"],
            view["reason"],
        )
    Console().print(table)
    typer.echo(f"{len(views)} held CDR(s)")


@cdrs_app.command("reprice")
@audited("cdrs.reprice", "CDR", "cdr_id")
def reprice(ctx: typer.Context, cdr_id: str) -> None:
    """Price held CDR_ID again (after its tariff was fixed) and send it."""
    from ocpi_cpo.services import cdrs as cdr_service

    async def work(context: OcpiContext) -> dict[str, Any]:
        async with context.storage.transaction() as uow:
            return await cdr_service.reprice(
                uow,
                context.publisher,
                cdr_id,
                context.clock.now(),
                context.settings.pricing.total_decimals,
            )

    cdr = _run(ctx, work)
    typer.echo(f"CDR {cdr_id} priced (total_cost {_price(cdr['total_cost'])}); queued to partners")


@cdrs_app.command("release")
@audited("cdrs.release", "CDR", "cdr_id")
def release(
    ctx: typer.Context,
    cdr_id: str,
    zero_cost: Annotated[
        bool, typer.Option("--zero-cost", help="send it free, on purpose (required)")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="why: goes in the CDR's remark")] = "",
) -> None:
    """Send held CDR_ID at zero cost, on purpose (--zero-cost --reason TEXT)."""
    from ocpi_cpo.services import cdrs as cdr_service

    if not zero_cost:
        fail("a held CDR is released only free and on purpose: add --zero-cost", EXIT_USAGE)
    if not reason.strip():
        fail("give the reason (--reason TEXT): it goes in the CDR's remark", EXIT_USAGE)

    async def work(context: OcpiContext) -> dict[str, Any]:
        async with context.storage.transaction() as uow:
            return await cdr_service.release_free(
                uow, context.publisher, cdr_id, reason, context.clock.now()
            )

    _run(ctx, work)
    typer.echo(f"CDR {cdr_id} released at zero cost; queued to partners")
