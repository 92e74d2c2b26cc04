"""``ocpi-cpo outbox list|show|retry|purge``: see and act on the delivery queue and dead letters."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import orjson
import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import StorageContext, fail, run, settings_from, storage_context
from ocpi_cpo.domain.delivery import (
    MessageState,
    PartnerDelivery,
    QueuedMessage,
    QueueFilter,
    delivery_view,
    describe_delivery,
)

app = typer.Typer(
    help="The delivery queue (store-and-forward) and its dead letters.", no_args_is_help=True
)

PartnerOption = Annotated[str | None, typer.Option("--partner", help="partner name")]
ModuleOption = Annotated[
    str | None, typer.Option("--module", help="locations, sessions, cdrs, tariffs, commands")
]
StateOption = Annotated[
    str | None, typer.Option("--state", help="PENDING, DELIVERED, DEAD or SUPERSEDED")
]


async def _filters(
    context: StorageContext, partner: str | None, module: str | None, state: str | None
) -> QueueFilter:
    parsed_state = None
    if state is not None:
        try:
            parsed_state = MessageState(state.upper())
        except ValueError:
            fail(
                f"--state {state!r}: expected one of {', '.join(s.value for s in MessageState)}", 2
            )
    partner_id = None
    if partner is not None:
        from ocpi_cpo.services.partners import get_partner

        async with context.storage.read() as uow:
            partner_id = (await get_partner(uow, partner)).id
    return QueueFilter(partner_id=partner_id, module=module, state=parsed_state)


def _row(message: QueuedMessage, names: dict[int, str]) -> list[str]:
    return [
        str(message.id),
        names.get(message.partner_id, str(message.partner_id)),
        message.module,
        message.method,
        message.url if len(message.url) < 50 else message.url[:47] + "...",
        message.state.value,
        str(message.attempts),
        message.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        (message.last_error or "")[:60],
    ]


@app.command("list")
def list_messages(
    ctx: typer.Context,
    partner: PartnerOption = None,
    module: ModuleOption = None,
    state: StateOption = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Messages in the queue, newest first, with a count per state."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.services import partner_delivery
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _list() -> tuple[
        list[QueuedMessage], dict[int, str], int, dict[int, PartnerDelivery]
    ]:
        async with storage_context(settings) as context:
            filters = await _filters(context, partner, module, state)
            async with context.storage.read() as uow:
                found = await uow.outbox.find(filters, limit=limit, newest_first=True)
                total = await uow.outbox.count(filters)
                names = {p.id: p.name for p in await uow.partners.all()}
                delivery = await partner_delivery.states(uow)
            return found, names, total, delivery

    try:
        messages, names, total, delivery = run(_list())
    except ServiceError as exc:
        fail(exc.message)
    if json:
        views = [
            {**_as_json(m, names), "partner_delivery": delivery_view(delivery.get(m.partner_id))}
            for m in messages
        ]
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table(
        "id", "partner", "module", "method", "url", "state", "tries", "queued", "last error"
    )
    for message in messages:
        table.add_row(*_row(message, names))
    Console(width=200).print(table)
    typer.echo(f"{len(messages)} shown of {total}")
    for partner_id in sorted({m.partner_id for m in messages}):
        name = names.get(partner_id, str(partner_id))
        typer.echo(f"delivery to {name}: {describe_delivery(delivery.get(partner_id))}")


def _as_json(message: QueuedMessage, names: dict[int, str]) -> dict[str, object]:
    return {
        "id": message.id,
        "partner": names.get(message.partner_id),
        "module": message.module,
        "object_key": message.object_key,
        "method": message.method,
        "url": message.url,
        "state": message.state.value,
        "attempts": message.attempts,
        "created_at": message.created_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat(),
        "last_error": message.last_error,
        "reply_location": message.reply_location,
    }


@app.command()
def show(ctx: typer.Context, message_id: int) -> None:
    """One message, its body and every attempt to deliver it."""
    from rich.console import Console
    from rich.table import Table

    settings = settings_from(ctx)

    async def _show() -> None:
        async with storage_context(settings) as context, context.storage.read() as uow:
            message = await uow.outbox.get(message_id)
            if message is None:
                fail(f"no message {message_id} in the outbox")
            attempts = await uow.outbox.attempts(message_id)
            names = {p.id: p.name for p in await uow.partners.all()}
        typer.echo(orjson.dumps(_as_json(message, names), option=orjson.OPT_INDENT_2).decode())
        if message.body:
            typer.echo("body: " + message.body.decode("utf-8", errors="replace")[:2000])
        table = Table("time", "worker", "HTTP", "OCPI", "ms", "outcome", "error / answer")
        for a in attempts:
            table.add_row(
                a.attempted_at.strftime("%H:%M:%S.%f")[:-3],
                a.worker,
                str(a.http_status or "-"),
                str(a.ocpi_status or "-"),
                f"{a.latency_ms:.0f}",
                a.outcome.value,
                (a.error or a.excerpt or "")[:80],
            )
        Console(width=200).print(table)

    run(_show())


@app.command()
@audited("outbox.retry", "outbox")
def retry(
    ctx: typer.Context,
    message_ids: Annotated[list[int] | None, typer.Argument(help="dead letters to resend")] = None,
    partner: PartnerOption = None,
    module: ModuleOption = None,
) -> None:
    """Put dead letters back in the queue (all matching the filters, or the ids given)."""
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _retry() -> int:
        async with storage_context(settings) as context:
            filters = await _filters(context, partner, module, None)
            async with context.storage.transaction() as uow:
                return await uow.outbox.retry(filters, message_ids or [], context.clock.now())

    try:
        count = run(_retry())
    except ServiceError as exc:
        fail(exc.message)
    typer.echo(f"{count} dead letters queued again")


@app.command()
@audited("outbox.purge", "outbox")
def purge(
    ctx: typer.Context,
    partner: PartnerOption = None,
    module: ModuleOption = None,
    state: StateOption = None,
    older_than_days: Annotated[
        float | None, typer.Option(help="only messages queued before")
    ] = None,
) -> None:
    """Delete finished messages (delivered, dead, superseded). Waiting ones are never purged."""
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    if state is not None and state.upper() == MessageState.PENDING.value:
        fail("waiting (PENDING) messages are never purged: nothing queued is ever dropped", 2)

    async def _purge() -> int:
        async with storage_context(settings) as context:
            filters = await _filters(context, partner, module, state)
            cutoff = None
            if older_than_days is not None:
                cutoff = context.clock.now() - timedelta(days=older_than_days)
            async with context.storage.transaction() as uow:
                return await uow.outbox.purge(filters, cutoff)

    try:
        count = run(_purge())
    except ServiceError as exc:
        fail(exc.message)
    typer.echo(f"{count} messages purged")
