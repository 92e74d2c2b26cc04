"""``ocpi-cpo tokens pull|authorize|decisions``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import orjson
import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import command_context, fail, run, settings_from
from ocpi_cpo.domain.authorization import DecisionRecord
from ocpi_cpo.domain.stations import AuthorizationRequest

app = typer.Typer(help="eMSP tokens and real-time authorization.", no_args_is_help=True)


@app.command()
@audited("tokens.pull", "partner", "partner")
def pull(
    ctx: typer.Context,
    partner: str,
    since: Annotated[
        str | None, typer.Option(help="only tokens changed since (RFC 3339 UTC)")
    ] = None,
) -> None:
    """Pull the partner's Tokens Sender list, page by page (Gireve 2.2.1 does not offer it)."""
    from pydantic import TypeAdapter, ValidationError

    from ocpi_cpo.ocpi.pull import PullError
    from ocpi_cpo.ocpi.transport import TransportError
    from ocpi_cpo.ocpi.v2_2_1.tokens.client import pull_tokens
    from ocpi_cpo.ocpi.v2_2_1.tokens.mapping import to_stored
    from ocpi_cpo.ocpi.v2_2_1.types import DateTime
    from ocpi_cpo.services.delivery import routing_for
    from ocpi_cpo.services.errors import ServiceError
    from ocpi_cpo.services.partners import get_partner

    settings = settings_from(ctx)
    since_at: datetime | None = None
    if since is not None:
        try:
            since_at = TypeAdapter(DateTime).validate_python(since)
        except ValidationError:
            fail(
                f"--since {since!r}: expected an RFC 3339 UTC date-time such as 2026-11-24T08:00:00Z",
                2,
            )

    async def _pull() -> tuple[int, int]:
        async with command_context(settings) as context:
            async with context.storage.read() as uow:
                found = await get_partner(uow, partner)
            if found.endpoint("tokens", "SENDER") is None:
                fail(
                    f"partner {partner} offers no Tokens Sender in its version details: nothing to pull"
                )
            owner = settings.operations[0].operator if settings.operations else None
            routing = routing_for(found, owner.country_code, owner.party_id) if owner else None
            pages = stored = 0
            async for tokens in pull_tokens(
                context.transport,
                found,
                since=since_at,
                timeout=settings.partner_timeout,
                routing=routing,
            ):
                pages += 1
                async with context.storage.transaction() as uow:
                    for token in tokens:
                        await uow.emsp_tokens.put(to_stored(token, found.id))
                        stored += 1
            return pages, stored

    try:
        pages, stored = run(_pull())
    except ServiceError as exc:
        fail(exc.message)
    except (PullError, TransportError) as exc:
        fail(f"pulling tokens from {partner} failed: {exc}")
    typer.echo(f"{stored} tokens stored from {pages} pages")


@app.command()
def authorize(
    ctx: typer.Context,
    uid: str,
    evse: Annotated[str, typer.Option("--evse", help="EVSE uid or eMI3 evse_id")],
    token_type: Annotated[
        str, typer.Option("--type", help="RFID, APP_USER, AD_HOC_USER, OTHER")
    ] = "RFID",
) -> None:
    """Decide as for a swipe at an EVSE: locally, through the hub, or by the offline rules."""
    from ocpi_cpo.api.admin.tokens import decision_view

    settings = settings_from(ctx)
    if token_type not in ("RFID", "APP_USER", "AD_HOC_USER", "OTHER"):
        fail(f"--type {token_type!r}: expected RFID, APP_USER, AD_HOC_USER or OTHER", 2)

    async def _authorize() -> DecisionRecord:
        async with command_context(settings) as context:
            await context.authorization.authorize(
                AuthorizationRequest("cli", evse, uid, token_type)
            )
            async with context.storage.read() as uow:
                return (await uow.emsp_tokens.decisions(1))[0]

    record = run(_authorize())
    view = decision_view(record)
    typer.echo(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode())
    if record.outcome.value != "ALLOWED":
        raise typer.Exit(1)


@app.command()
def decisions(
    ctx: typer.Context,
    uid: Annotated[str | None, typer.Option(help="only this uid")] = None,
    limit: int = 20,
) -> None:
    """The latest authorization decisions, with their reason and latency."""
    from rich.console import Console
    from rich.table import Table

    settings = settings_from(ctx)

    async def _list() -> list[DecisionRecord]:
        async with command_context(settings) as context, context.storage.read() as uow:
            return await uow.emsp_tokens.decisions(limit, uid)

    table = Table("time", "uid", "EVSE", "allowed", "how", "offline", "ms", "reason")
    for r in run(_list()):
        table.add_row(
            r.at.strftime("%Y-%m-%d %H:%M:%S"),
            r.uid,
            r.evse_uid or "-",
            r.outcome.value,
            r.source.value,
            "yes" if r.offline else "",
            f"{r.latency_ms:.0f}",
            r.reason[:60],
        )
    Console(width=180).print(table)
