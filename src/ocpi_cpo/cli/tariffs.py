"""``ocpi-cpo tariffs``: import, list, delete, change-price, check (docs/tariffs.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import EXIT_USAGE, command_context, fail, run, settings_from
from ocpi_cpo.domain.tariffs import Party, Tariff

if TYPE_CHECKING:
    from ocpi_cpo.config import Settings
    from ocpi_cpo.ocpi.v2_2_1.tariffs.client import Mismatch
    from ocpi_cpo.services import tariffs as service

app = typer.Typer(
    help="Tariffs we publish (OCPI Tariffs Sender, Gireve rules).", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
OperationOption = Annotated[
    str | None,
    typer.Option(
        "--operation", help="owner operation, e.g. FR*AB1 (replaces country_code/party_id)"
    ),
]


def _documents(settings: Settings, file: Path, operation: str | None) -> list[Tariff]:
    from ocpi_cpo.api.admin.tariffs import owner_of
    from ocpi_cpo.cli.price import read_json
    from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import TariffDocumentError, read_tariffs
    from ocpi_cpo.services.errors import ServiceError

    document = read_json(file, "tariff")
    try:
        owner = owner_of(settings, operation)
        return read_tariffs(document, owner=owner, now=datetime.now(UTC))
    except TariffDocumentError as exc:
        fail(f"{file}: {exc}", EXIT_USAGE)
    except ServiceError as exc:
        fail(exc.message, EXIT_USAGE)


def _report(result: service.Published, json: bool) -> None:
    from ocpi_cpo.api.admin.tariffs import published_view

    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if json:
        typer.echo(orjson.dumps(published_view(result)).decode())
        return
    for label, keys in (
        ("created", result.created),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
        ("deleted", result.deleted),
    ):
        for key in keys:
            typer.echo(f"{label} {key}")
    if result.connectors:
        typer.echo(f"{result.connectors} connector(s) now list both tariff ids")
    typer.echo(f"{result.queued} message(s) queued for partners")


@app.command("import")
@audited("tariffs.import", "tariffs file", "file")
def import_tariffs(
    ctx: typer.Context, file: Path, operation: OperationOption = None, json: JsonOption = False
) -> None:
    """Publish the Tariff (or list of Tariffs) in FILE; all or nothing."""
    from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import our_parties
    from ocpi_cpo.services import tariffs as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    found = _documents(settings, file, operation)

    async def _import() -> service.Published:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            return await service.publish(
                uow, context.publisher, found, our_parties(settings), context.clock.now()
            )

    try:
        result = run(_import())
    except service.ImpossibleTariff as exc:
        fail(exc.message, EXIT_USAGE)
    except ServiceError as exc:
        fail(exc.message)
    _report(result, json)


@app.command("list")
def list_tariffs(ctx: typer.Context, json: JsonOption = False) -> None:
    """Every description we publish: id, target eMSP, type, validity, last change."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.api.admin.tariffs import tariff_view

    settings = settings_from(ctx)

    async def _list() -> list[Tariff]:
        async with command_context(settings) as context, context.storage.read() as uow:
            return list(await uow.tariffs.all())

    found = run(_list())
    if json:
        typer.echo(orjson.dumps([tariff_view(t) for t in found]).decode())
        return
    table = Table("owner", "id", "for", "type", "currency", "from", "until", "last updated")
    for t in found:
        view = tariff_view(t)
        table.add_row(
            f"{t.key.country_code}/{t.key.party_id}",
            t.key.id,
            view["target"] or "default",
            t.type or "-",
            t.currency,
            view["start_date_time"] or "-",
            view["end_date_time"] or "-",
            view["last_updated"],
        )
    Console().print(table)
    typer.echo(f"{len(found)} description(s)")


def _sole_owner(settings: Settings, operation: str | None) -> Party:
    from ocpi_cpo.api.admin.tariffs import owner_of
    from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import our_parties
    from ocpi_cpo.services.errors import ServiceError

    try:
        owner = owner_of(settings, operation)
    except ServiceError as exc:
        fail(exc.message, EXIT_USAGE)
    if owner is not None:
        return owner
    parties = sorted(our_parties(settings))
    if len(parties) != 1:
        fail("several operations are configured: say which with --operation FR*AB1", EXIT_USAGE)
    return parties[0]


@app.command()
@audited("tariffs.delete", "tariff", "tariff_id")
def delete(
    ctx: typer.Context,
    tariff_id: Annotated[str, typer.Argument(metavar="ID")],
    operation: OperationOption = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="only this description: CC/PID of the eMSP, or 'default'"),
    ] = None,
    json: JsonOption = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="first remove it from the connectors naming it (pushed)"),
    ] = False,
) -> None:
    """Remove a tariff (every description, or one with --target) and tell the partners.

    Refused (exit 2, naming them) while connectors name it, unless --force."""
    from ocpi_cpo.api.admin.tariffs import parse_target
    from ocpi_cpo.services import tariffs as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    owner = _sole_owner(settings, operation)

    async def _delete() -> service.Published:
        which = None if target in (None, "default") else parse_target(target or "")
        async with command_context(settings) as context, context.storage.transaction() as uow:
            return await service.delete(
                uow,
                context.publisher,
                owner,
                tariff_id,
                which,
                context.clock.now(),
                every_description=target is None,
                force=force,
            )

    try:
        result = run(_delete())
    except service.TariffInUse as exc:
        fail(exc.message, EXIT_USAGE)
    except ServiceError as exc:
        fail(exc.message)
    _report(result, json)


@app.command("change-price")
@audited("tariffs.change-price", "tariff", "old_id")
def change_price(
    ctx: typer.Context,
    old_id: Annotated[str, typer.Argument(metavar="OLD_ID", help="the tariff whose price changes")],
    file: Annotated[Path, typer.Argument(metavar="NEW.json", help="the new tariff (another id)")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="change date, e.g. 2026-12-01T00:00:00Z (default: the new start)"
        ),
    ] = None,
    operation: OperationOption = None,
    json: JsonOption = False,
) -> None:
    """New tariff from the change date, end_date_time on the old one, both ids on the connectors."""
    from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import TariffDocumentError, our_parties, parse_moment
    from ocpi_cpo.services import tariffs as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    new = _documents(settings, file, operation)
    try:
        when = None if at is None else parse_moment("--at", at)
    except TariffDocumentError as exc:
        fail(str(exc), EXIT_USAGE)

    async def _change() -> service.Published:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            return await service.change_price(
                uow,
                context.publisher,
                old_id,
                new,
                when,
                our_parties(settings),
                context.clock.now(),
            )

    try:
        result = run(_change())
    except ServiceError as exc:
        fail(exc.message)
    if result.connectors == 0:
        result.warnings.append(
            f"no connector lists {old_id}: put the new id in the tariff_ids of the connectors"
            " that should use it"
        )
    _report(result, json)


@app.command()
@audited("tariffs.check --fix", "partner", "partner", only_if="fix")
def check(
    ctx: typer.Context,
    partner: str,
    fix: Annotated[
        bool, typer.Option("--fix", help="queue a PUT of each tariff that differs")
    ] = False,
) -> None:
    """Compare what PARTNER's Tariffs Receiver holds with what we publish."""
    from ocpi_cpo.ocpi.pull import PullError
    from ocpi_cpo.ocpi.transport import TransportError
    from ocpi_cpo.ocpi.v2_2_1.tariffs.client import check_receiver
    from ocpi_cpo.services import partners as partner_service
    from ocpi_cpo.services import tariffs as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _check() -> tuple[int, list[Mismatch], int]:
        async with command_context(settings) as context:
            async with context.storage.read() as uow:
                found = await partner_service.get_partner(uow, partner)
                expected = service.expected_at(found, await uow.tariffs.all())
            mismatches = await check_receiver(
                context.transport, found, expected, timeout=settings.partner_timeout
            )
            queued = 0
            if fix and mismatches:
                ids = sorted({(m.key.country_code, m.key.party_id, m.key.id) for m in mismatches})
                async with context.storage.transaction() as uow:
                    queued = await service.resend(
                        uow, context.publisher, found, ids, context.clock.now()
                    )
            return len(expected), mismatches, queued

    try:
        checked, mismatches, queued = run(_check())
    except ServiceError as exc:
        fail(exc.message)
    except (PullError, TransportError) as exc:
        fail(f"checking tariffs at {partner} failed: {exc}")
    for mismatch in mismatches:
        typer.echo(f"{mismatch.key}: {mismatch.problem}")
    typer.echo(f"{checked} tariff(s) checked at {partner}, {len(mismatches)} differ")
    if fix:
        typer.echo(f"{queued} message(s) queued to fix them")
    if mismatches and not fix:
        raise typer.Exit(1)
