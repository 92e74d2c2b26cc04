"""``ocpi-cpo partners``: invite, register, update, unregister, list, parties."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import orjson
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
from ocpi_cpo.domain.delivery import PartnerDelivery, delivery_view, describe_delivery
from ocpi_cpo.domain.partners import (
    PROFILES,
    ClientInfo,
    OperationError,
    Partner,
    bound_operation,
    partner_view,
)

if TYPE_CHECKING:
    from ocpi_cpo.config import Settings
    from ocpi_cpo.domain.sync import Reconciliation, SyncProgress

    Overview = tuple[Partner, SyncProgress | None, Reconciliation | None]

app = typer.Typer(help="OCPI partners (the Gireve IOP is one).", no_args_is_help=True)

ProfileOption = Annotated[str, typer.Option("--profile", help=f"one of: {', '.join(PROFILES)}")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
VersionOption = Annotated[
    str | None,
    typer.Option(
        "--version", help="pin the OCPI version: 2.1.1 or 2.2.1 (default: the highest both offer)"
    ),
]
OperationOption = Annotated[
    str | None,
    typer.Option(
        "--operation",
        help="bind the partner to one of our operations (eMI3 Operator Id, e.g. FR*AB1): its"
        " 2.1.1 credentials name it and it sees and receives that operation only; required by"
        " Gireve on 2.1.1 when several operations are configured (default: the only one)",
    ),
]


@app.command()
@audited("partners.invite", "partner", "name")
def invite(
    ctx: typer.Context,
    name: str,
    profile: ProfileOption,
    json: JsonOption = False,
    version: VersionOption = None,
    operation: OperationOption = None,
) -> None:
    """Create a one-time registration token for a partner that registers with us (FromIOP)."""
    from ocpi_cpo.services import partners as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    _refuse_insecure(settings, profile, {"public_url": settings.public_url})
    _check_version(profile, version)
    bound = _bound(settings, profile, version, operation)

    async def _invite() -> str:
        async with storage_context(settings) as context, context.storage.transaction() as uow:
            return await service.invite(uow, name, profile, context.clock.now(), version, bound)

    try:
        token = run(_invite())
    except ServiceError as exc:
        fail(exc.message)
    if json:
        typer.echo(orjson.dumps({"token": token, "versions_url": settings.versions_url}).decode())
        return
    scope = f", bound to operation {bound}" if bound else ""
    typer.echo(f"partner {name} invited with profile {profile}{scope}; hand it these two values:")
    typer.echo(f"  versions URL:        {settings.versions_url}")
    typer.echo(f"  registration token:  {token}")
    typer.echo("The token works once, for versions and credentials only.")
    typer.echo(_push_hint(name, profile))


@app.command()
@audited("partners.register", "partner", "name")
def register(
    ctx: typer.Context,
    name: str,
    versions_url: Annotated[str, typer.Option("--versions-url", help="the partner's versions URL")],
    token: Annotated[str, typer.Option("--token", help="the registration token it gave us")],
    profile: ProfileOption,
    version: VersionOption = None,
    operation: OperationOption = None,
) -> None:
    """Start the handshake ourselves (ToIOP): POST our credentials to the partner."""
    from ocpi_cpo.outbound import registration

    settings = settings_from(ctx)
    _check_version(profile, version)
    _refuse_insecure(
        settings, profile, {"public_url": settings.public_url, "--versions-url": versions_url}
    )
    bound = _bound(settings, profile, version, operation)

    async def _register() -> Partner:
        async with command_context(settings) as context:
            return await registration.register(
                context, name, versions_url, token, profile, version, bound
            )

    from ocpi_cpo.services.errors import RuleViolation

    try:
        partner = run(_register())
    except registration.RegistrationError as exc:
        fail(f"registration with {name} failed: {exc}")
    except RuleViolation as exc:
        fail(f"registration with {name} refused: {exc.message}", EXIT_USAGE)
    scope = f", bound to operation {partner.operation}" if partner.operation else ""
    typer.echo(
        f"registered with {name} ({_identity(partner)}), OCPI {partner.version},"
        f" {len(partner.endpoints)} endpoints{scope}"
    )
    typer.echo(_push_hint(name, partner.profile_name))


def _bound(
    settings: Settings, profile: str, version: str | None, operation: str | None
) -> str | None:
    """The operation the partner is bound to (``--operation``, or the only one where the
    profile at the pinned version takes one registration per operation); exit 2 when
    ``--operation`` is missing or names none of ours (docs/gireve-2.1.1.md §2)."""
    found = PROFILES.get(profile)
    if found is None:
        return operation  # an unknown profile is reported by the command itself
    operators = [str(o.operator) for o in settings.operations]
    try:
        return bound_operation(found.at(version or found.version), operators, operation)
    except OperationError as exc:
        fail(str(exc), EXIT_USAGE)


def _push_hint(name: str, profile_name: str) -> str:
    """What happens to our Locations and tariffs once the partner is registered (issue 16 item 3):
    pushed, or, for a profile whose hub pulls our Senders (Gireve), left to its pull."""
    if PROFILES[profile_name].push_everything_on_registration:
        return (
            "Every tariff and Location it may see is pushed to it once it is registered"
            " ('ocpi-cpo partners list' shows the sync)."
        )
    return (
        f"Profile {profile_name}: nothing is pushed on registration, the hub pulls our Locations"
        f" and Tariffs itself; to push them anyway: ocpi-cpo partners sync {name}"
    )


@app.command()
@audited("partners.update", "partner", "name")
def update(ctx: typer.Context, name: str, version: VersionOption = None) -> None:
    """Refresh the partner's endpoints and rotate both tokens (credentials PUT); with --version,
    move it to that OCPI version (what is still queued in the old one is not sent)."""
    from ocpi_cpo.outbound import registration
    from ocpi_cpo.services import https_rule
    from ocpi_cpo.services.errors import ConflictError, RuleViolation

    settings = settings_from(ctx)

    async def _update() -> Partner | list[str]:
        async with command_context(settings) as context:
            if not settings.allow_insecure_http:
                refused = await https_rule.partner_problems(
                    context.storage, settings.public_url, name
                )
                if refused:
                    return refused
            return await registration.update(context, name, version)

    try:
        partner = run(_update())
    except registration.RegistrationError as exc:
        fail(str(exc))
    except RuleViolation as exc:
        fail(f"update of {name} refused: {exc.message}", EXIT_USAGE)
    except ConflictError as exc:
        fail(f"update of {name} stopped: {exc.message}")
    if isinstance(partner, list):
        fail(partner[0], EXIT_USAGE)
    typer.echo(
        f"updated {name}: OCPI {partner.version}, {len(partner.endpoints)} endpoints,"
        " tokens rotated"
    )


@app.command()
@audited("partners.unregister", "partner", "name")
def unregister(
    ctx: typer.Context,
    name: str,
    force: Annotated[
        bool, typer.Option(help="end it on our side even if the partner cannot be told")
    ] = False,
) -> None:
    """Unregister: tell the partner (credentials DELETE), then stop accepting its token."""
    from ocpi_cpo.outbound import registration

    settings = settings_from(ctx)

    async def _unregister() -> str | None:
        async with command_context(settings) as context:
            return await registration.unregister(context, name, force=force)

    try:
        warning = run(_unregister())
    except registration.RegistrationError as exc:
        fail(str(exc))
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"unregistered {name}; anything still queued for it is kept")


def _identity(partner: Partner) -> str:
    return ", ".join(str(r) for r in partner.roles) or "-"


@app.command("list")
def list_partners(ctx: typer.Context, json: JsonOption = False) -> None:
    """Each partner: identity and roles, version, endpoints, state, when it last called us, its
    delivery state (available, or probing since when, next probe, last error), its last sync
    (queued, delivered, failed) and its last reconciliation (differences, repaired)."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.services import partner_delivery, partner_sync

    settings = settings_from(ctx)

    async def _list() -> tuple[list[Overview], dict[int, PartnerDelivery]]:
        async with storage_context(settings) as context, context.storage.read() as uow:
            return await partner_sync.overview(uow), await partner_delivery.states(uow)

    found, delivery = run(_list())
    if json:
        views = [
            {**partner_view(p, s, r), "delivery": delivery_view(delivery.get(p.id))}
            for p, s, r in found
        ]
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table(
        "name",
        "profile",
        "state",
        "identity",
        "version",
        "operation",
        "endpoints",
        "last call",
        "delivery",
        "sync",
        "reconciled",
    )
    for p, sync, reconciliation in found:
        modules = ", ".join(f"{e.identifier}:{e.role[0]}" for e in p.endpoints) or "-"
        seen = p.last_seen_at.strftime("%Y-%m-%d %H:%M:%S") if p.last_seen_at else "never"
        table.add_row(
            p.name,
            p.profile_name,
            p.state.value,
            _identity(p),
            p.version or "-",
            p.operation or "all",
            modules,
            seen,
            describe_delivery(delivery.get(p.id)),
            _sync_cell(sync),
            _reconciled_cell(reconciliation),
        )
    Console(width=240).print(table)


def _sync_cell(sync: SyncProgress | None) -> str:
    if sync is None:
        return "-"
    return f"{sync.sync.queued} queued, {sync.delivered} delivered, {sync.failed} failed"


def _reconciled_cell(result: Reconciliation | None) -> str:
    if result is None:
        return "never"
    text = (
        f"{result.ran_at.strftime('%Y-%m-%d %H:%M')}: {result.differences} differed,"
        f" {result.repaired} repaired"
    )
    return text + (" (problems)" if result.problems else "")


class SyncModule(enum.StrEnum):
    locations = "locations"
    tariffs = "tariffs"


def _progress_line(progress: SyncProgress) -> str:
    state = (
        "settled"
        if progress.settled
        else f"queueing {progress.sync.phase}"
        if progress.sync.phase
        else "delivering"
    )
    return (
        f"sync {progress.sync.id} ({state}): queued {progress.sync.queued},"
        f" delivered {progress.delivered}, failed {progress.failed},"
        f" pending {progress.pending}, replaced {progress.replaced}"
    )


@app.command()
@audited("partners.sync", "partner", "name")
def sync(
    ctx: typer.Context,
    name: str,
    module: Annotated[
        SyncModule | None,
        typer.Option("--module", help="only this module (default: tariffs, then locations)"),
    ] = None,
    json: JsonOption = False,
    idle: Annotated[
        float, typer.Option("--idle", help="stop waiting after this many seconds without progress")
    ] = 60.0,
) -> None:
    """Queue every Location and tariff the partner may see as full PUTs, tariffs first, in
    bounded batches, and follow their delivery (queued, delivered, failed)."""
    settings = settings_from(ctx)
    modules = frozenset({module.value} if module else {"tariffs", "locations"})

    from ocpi_cpo.domain.partners import PartnerState
    from ocpi_cpo.domain.sync import SyncReason
    from ocpi_cpo.outbound.partner_sync import SyncDriver
    from ocpi_cpo.services import partner_sync
    from ocpi_cpo.services import partners as service
    from ocpi_cpo.services.errors import RuleViolation, ServiceError

    async def _sync() -> SyncProgress:
        async with command_context(settings) as context:
            async with context.storage.transaction() as uow:
                partner = await service.get_partner(uow, name)
                if partner.state is not PartnerState.REGISTERED:
                    raise RuleViolation(
                        f"partner {name!r} is {partner.state.value.lower()}, not registered"
                    )
                started = await partner_sync.start(
                    uow, partner, SyncReason.ON_DEMAND, context.clock.now(), modules
                )
            driver = SyncDriver(context.storage, context.clock, settings.outbox.sync_batch_size)
            report = (lambda _: None) if json else (lambda p: typer.echo(_progress_line(p)))
            return await driver.drive(started, report, idle)

    try:
        progress = run(_sync())
    except ServiceError as exc:
        fail(exc.message)
    if json:
        typer.echo(orjson.dumps(progress.as_dict()).decode())
    if not progress.settled:
        fail(
            f"sync {progress.sync.id} made no progress for {idle:g} s: is a worker running"
            " ('ocpi-cpo serve' or 'ocpi-cpo worker')? It goes on there, stored"
        )


@app.command()
def parties(
    ctx: typer.Context,
    name: str,
    pull: Annotated[
        bool, typer.Option("--pull", help="pull the hub's ClientInfo list first")
    ] = False,
) -> None:
    """The parties behind a hub and their status (HubClientInfo)."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.ocpi.pull import PullError
    from ocpi_cpo.ocpi.transport import TransportError
    from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.client import pull_client_info
    from ocpi_cpo.services import partners as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _parties() -> list[ClientInfo]:
        async with command_context(settings) as context:
            async with context.storage.read() as uow:
                partner = await service.get_partner(uow, name)
            if pull:
                pulled = await pull_client_info(
                    context.transport, partner, timeout=settings.partner_timeout
                )
                async with context.storage.transaction() as uow:
                    for info in pulled:
                        await uow.client_info.upsert(partner.id, info)
            async with context.storage.read() as uow:
                return list(await uow.client_info.all(partner.id))

    try:
        infos = run(_parties())
    except ServiceError as exc:
        fail(exc.message)
    except (PullError, TransportError) as exc:
        fail(f"pulling ClientInfo from {name} failed: {exc}")
    table = Table("party", "role", "status", "last updated")
    for info in infos:
        table.add_row(
            f"{info.country_code}/{info.party_id}",
            info.role,
            info.status.value,
            info.last_updated.strftime("%Y-%m-%d %H:%M:%S"),
        )
    Console().print(table)
    typer.echo(f"{len(infos)} parties")


def _refuse_insecure(settings: Settings, profile: str, urls: dict[str, str | None]) -> None:
    """http:// where the profile requires HTTPS is bad input (exit 2 naming the key)."""
    from ocpi_cpo.services import https_rule
    from ocpi_cpo.services.errors import RuleViolation

    try:
        https_rule.refuse_insecure(profile, urls, allowed=settings.allow_insecure_http)
    except RuleViolation as exc:
        fail(exc.message, EXIT_USAGE)


def _check_version(profile: str, version: str | None) -> None:
    """An unknown version, or one the profile contradicts, is bad input (exit 2)."""
    from ocpi_cpo.services import partners as service
    from ocpi_cpo.services.errors import RuleViolation

    try:
        service.pinned_version(profile, version)
    except RuleViolation as exc:
        fail(exc.message, EXIT_USAGE)
    except ValueError:
        pass  # an unknown profile is reported by the command itself
