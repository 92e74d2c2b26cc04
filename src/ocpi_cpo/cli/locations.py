"""``ocpi-cpo locations`` (import, list, show, check), ``evses set-status``, ``operations list``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import (
    EXIT_USAGE,
    command_context,
    fail,
    run,
    settings_from,
    storage_context,
)
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.stations import EvseStatus

if TYPE_CHECKING:
    from rich.progress import Progress

    from ocpi_cpo.domain.locations import LocationSummary, Problem
    from ocpi_cpo.ocpi.v2_2_1.locations.check import CheckReport
    from ocpi_cpo.services import locations as service

app = typer.Typer(help="Locations, EVSEs and connectors we publish.", no_args_is_help=True)
evses_app = typer.Typer(help="EVSE statuses.", no_args_is_help=True)
operations_app = typer.Typer(
    help="Operations (eMI3 Operator Ids) and network groups.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]


def _report_problems(path: Path, problems: list[Problem]) -> None:
    for problem in problems:
        typer.echo(f"{path}: {problem}", err=True)
    typer.echo(
        f"ocpi-cpo: {path}: {len(problems)} problem(s), nothing stored: fix them and import again",
        err=True,
    )
    raise typer.Exit(EXIT_USAGE)


def _progress() -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


@app.command("import")
@audited("locations.import", "locations file", "file")
def import_(
    ctx: typer.Context,
    file: Path,
    json: JsonOption = False,
    allow_unknown_tariffs: Annotated[
        bool,
        typer.Option(
            "--allow-unknown-tariffs",
            help="import connectors whose tariff_ids name no published tariff (a warning each;"
            " their CDRs are held until the tariff exists)",
        ),
    ] = False,
) -> None:
    """Import a JSON array of OCPI 2.2.1 Locations (or one); changes are pushed to partners.

    Every connector's tariff_ids must name a tariff of the operation in force, and EVSE uids and
    evse_ids must be unique within the platform; otherwise nothing is stored (exit 2)."""
    from dataclasses import asdict

    import orjson

    from ocpi_cpo.ocpi.v2_2_1.locations.mapping import LocationInputError, parse_locations
    from ocpi_cpo.services import locations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", EXIT_USAGE)

    async def _import(bar: Progress) -> service.ImportResult:
        checking = bar.add_task("checking", total=None)
        operators = [o.operator for o in settings.operations]
        documents, single = parse_locations(
            raw, lambda n: bar.update(checking, completed=n), operators=operators
        )
        bar.update(checking, total=len(documents), completed=len(documents))
        storing = bar.add_task("storing", total=len(documents))
        async with command_context(settings) as context, context.storage.transaction() as uow:
            return await service.import_locations(
                uow,
                context.publisher,
                documents,
                operators,
                context.clock.now(),
                single=single,
                checked=True,
                progress=lambda n: bar.update(storing, completed=n),
                allow_unknown_tariffs=allow_unknown_tariffs,
            )

    try:
        with _progress() as bar:
            result = run(_import(bar))
    except (LocationInputError, service.InvalidLocations) as exc:
        _report_problems(file, exc.problems)
    except ServiceError as exc:
        fail(exc.message)
    for warning in result.warnings:
        typer.echo(f"warning: {file}: {warning}", err=True)
    if json:
        typer.echo(orjson.dumps(asdict(result)).decode())
        return
    typer.echo(
        f"{file}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged;"
        f" {result.queued} pushes queued"
    )


@app.command("list")
def list_locations(
    ctx: typer.Context,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    json: JsonOption = False,
) -> None:
    """Locations in creation order with their EVSE counts per status."""
    import orjson
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.api.admin.locations import summary_view
    from ocpi_cpo.services import locations as service

    settings = settings_from(ctx)

    async def _list() -> tuple[int, list[LocationSummary]]:
        async with storage_context(settings) as context, context.storage.read() as uow:
            return await service.summaries(uow, offset, limit)

    total, found = run(_list())
    if json:
        typer.echo(orjson.dumps([summary_view(s) for s in found]).decode())
        return
    table = Table("location", "visibility", "EVSEs", "statuses", "last updated")
    for s in found:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(s.statuses.items())) or "-"
        updated = s.last_updated.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(s.key), s.visibility.value, str(s.evses), statuses, updated)
    Console().print(table)
    typer.echo(f"{len(found)} of {total} Locations shown (--offset/--limit for more)")


@app.command()
def show(
    ctx: typer.Context,
    location_id: Annotated[str, typer.Argument(metavar="ID", help="id, or CC/PID/ID")],
) -> None:
    """One Location as partners receive it (JSON)."""
    import orjson

    from ocpi_cpo.services import locations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _show() -> bytes:
        async with storage_context(settings) as context, context.storage.read() as uow:
            if location_id.count("/") == 2:
                return (await service.get(uow, LocationKey.parse(location_id))).document
            found = await service.by_location_id(uow, location_id)
            if len(found) > 1:
                owners = ", ".join(str(s.key) for s in found)
                fail(f"several operations use id {location_id!r} ({owners}): give CC/PID/ID")
            if not found:
                fail(f"no Location {location_id!r}: see 'ocpi-cpo locations list'")
            return found[0].document

    try:
        document = run(_show())
    except ServiceError as exc:
        fail(exc.message)
    typer.echo(orjson.dumps(orjson.loads(document), option=orjson.OPT_INDENT_2).decode())


@app.command()
@audited("locations.check --fix", "partner", "partner", only_if="fix")
def check(
    ctx: typer.Context,
    partner: str,
    fix: Annotated[bool, typer.Option("--fix", help="queue the PUTs that repair the copy")] = False,
) -> None:
    """Check EVCI: read every Location back from the partner; show what is missing, different or
    stale there. Exit 1 while differences remain (0 with --fix once repairs are queued)."""
    from ocpi_cpo.ocpi.transport import TransportError
    from ocpi_cpo.ocpi.v2_2_1.locations.check import check_partner
    from ocpi_cpo.ocpi.v2_2_1.locations.client import ReadBackError
    from ocpi_cpo.services import partners as partner_service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _check() -> CheckReport:
        async with command_context(settings) as context:
            async with context.storage.read() as uow:
                found = await partner_service.get_partner(uow, partner)
            return await check_partner(context, found, fix=fix)

    try:
        report = run(_check())
    except ServiceError as exc:
        fail(exc.message)
    except (ReadBackError, TransportError) as exc:
        fail(f"checking {partner} failed: {exc}")
    _print_check(partner, report, fix)


def _print_check(partner: str, report: CheckReport, fix: bool) -> None:
    for difference in report.differences:
        typer.echo(str(difference))
    for key, error in report.unreadable:
        typer.echo(f"{'UNREADABLE':9} {key}: {error}")
    locations = len(report.to_repair)
    typer.echo(
        f"{report.checked} Locations checked with {partner}: {locations} out of sync"
        f" ({len(report.differences)} differences), {len(report.unreadable)} unreadable"
    )
    if fix and report.queued:
        typer.echo(f"queued {report.queued} full PUTs to repair them")
    elif locations:
        typer.echo(f"run 'ocpi-cpo locations check {partner} --fix' to queue the repairs")
    if report.unreadable or (locations and not fix):
        raise typer.Exit(1)


@evses_app.command("set-status")
@audited("evses.set-status", "EVSE", "evse_uid")
def set_status(
    ctx: typer.Context,
    evse_uid: str,
    status: EvseStatus,
    location: Annotated[
        str | None, typer.Option(help="CC/PID/ID when two Locations share the EVSE uid")
    ] = None,
) -> None:
    """Set an EVSE's status; partners get the PATCH (not when the status is unchanged)."""
    from ocpi_cpo.services import locations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    key: LocationKey | None = LocationKey.parse(location) if location else None

    async def _set() -> bool:
        async with storage_context(settings) as context, context.storage.transaction() as uow:
            return await service.set_evse_status(
                uow, context.publisher, evse_uid, status, context.clock.now(), location=key
            )

    try:
        changed = run(_set())
    except ServiceError as exc:
        fail(exc.message)
    if changed:
        typer.echo(f"EVSE {evse_uid} is {status.value}; partners are told")
    else:
        typer.echo(f"EVSE {evse_uid} was already {status.value}; nothing sent")


@operations_app.command("list")
def list_operations(ctx: typer.Context, json: JsonOption = False) -> None:
    """Operations by network group, with their Location and EVSE counts."""
    import orjson
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.api.admin.locations import operations_view
    from ocpi_cpo.services import locations as service

    settings = settings_from(ctx)

    async def _counts() -> list[dict[str, Any]]:
        async with storage_context(settings) as context, context.storage.read() as uow:
            return operations_view(settings, await service.operation_counts(uow))

    views = run(_counts())
    if json:
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table("network group", "operator id", "name", "Locations", "EVSEs", "statuses")
    for view in sorted(views, key=lambda v: (v["network_group"] or "~", v["operator_id"])):
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(view["statuses"].items())) or "-"
        name = view["name"] or "(not configured)"
        table.add_row(
            view["network_group"] or "-",
            view["operator_id"],
            name,
            str(view["locations"]),
            str(view["evses"]),
            statuses,
        )
    Console().print(table)
