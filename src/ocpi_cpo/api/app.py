"""create_app: the one composition root. Nothing here is module-level state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ocpi_cpo import __version__, open_files
from ocpi_cpo.api.admin.audit import AdminAuditMiddleware
from ocpi_cpo.api.admin.registry import ADMIN_ROUTERS
from ocpi_cpo.api.console.mount import mount_console
from ocpi_cpo.api.docs import mount_docs
from ocpi_cpo.api.errors import install_error_handlers
from ocpi_cpo.api.health import router as health_router
from ocpi_cpo.api.journal_middleware import JournalMiddleware
from ocpi_cpo.api.limits import LimitsMiddleware
from ocpi_cpo.api.metrics import router as metrics_router
from ocpi_cpo.api.sender_lists import SenderListsMiddleware
from ocpi_cpo.collector import settle_for_long_run
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock, SystemClock
from ocpi_cpo.journal import Journal
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.registry import routers, sender_lists
from ocpi_cpo.ocpi.tracing import TracingMiddleware
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpp_gateway import mount_gateway
from ocpi_cpo.ocpp_gateway.driver import OcppDriver
from ocpi_cpo.outbound.journaled import JournaledTransport
from ocpi_cpo.outbound.partner_sync import SyncDriver, start_driver
from ocpi_cpo.outbound.reconcile import Reconciler
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.outbound.worker import OutboxWorker, start_worker
from ocpi_cpo.services.dropped_stations import DroppedStations, look_every
from ocpi_cpo.services.ports import StationEvents
from ocpi_cpo.services.smart_charging import RESUME_EVERY
from ocpi_cpo.services.station_events import StationEventsService
from ocpi_cpo.services.station_relay import PRESENCE_EVERY, StationRelay
from ocpi_cpo.services.stations import count_stations
from ocpi_cpo.storage.protocols import Storage
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine

LOG = logging.getLogger("ocpi_cpo.serve")


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    transport: Transport | None = None,
    station_events: StationEvents | None = None,
) -> FastAPI:
    """Build the application. Storage and transport made here are closed with the app.

    Stations connect at ``/ocpp/{station_id}``; what they report goes to ``station_events``
    (default: the platform's ``StationEventsService``); the OCPP driver is ``app.state.station_driver``.
    """
    clock = clock or SystemClock()
    owned_storage = storage is None
    owned_transport = transport is None
    journal = Journal()
    context = OcpiContext(
        settings=settings,
        clock=clock,
        storage=storage or SqlStorage(create_engine(settings.database_url)),
        transport=JournaledTransport(transport or AiohttpTransport.for_settings(settings), journal),
        journal=journal,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop_worker: Callable[[], None] | None = None
        worker_task: asyncio.Task[None] | None = None
        if settings.outbox.worker_in_serve:
            worker = OutboxWorker(context.storage, context.transport, settings, clock)
            worker_task, stop_worker = start_worker(worker)
            app.state.worker_task = worker_task
        relay = _relay(context, app.state.ocpp_driver, app.state.station_events)
        await _check_open_files(context)
        await context.storage.watch()
        if relay is not None:
            relay.start()
        # Partner syncs are queued by every serve (the sync's cursor keeps them from doubling).
        sync_task, stop_sync = start_driver(
            SyncDriver(context.storage, clock, settings.outbox.sync_batch_size)
        )
        context.commands.start(context.leadership)
        # Stations that dropped and are not back within the grace: reported offline once,
        # by the leader (and, on SQLite, those the previous process left recorded online).
        grace = settings.ocpp.offline_grace
        dropped = DroppedStations(
            context.storage,
            app.state.station_events,
            clock,
            grace,
            recover_from=clock.now() if getattr(context.storage, "is_sqlite", False) else None,
        )
        context.leadership.every(look_every(grace), dropped.look, name="dropped stations")
        if settings.reconcile.enabled:
            # Once across instances: the leader looks every minute whether a run is due.
            context.leadership.every(60.0, Reconciler(context).tick, name="reconciliation")
        if settings.smart_charging.enabled:
            # Accepted preferences whose profile waits: sent even when the instance that
            # accepted them is gone (at start-up, then by the leader).
            context.leadership.every(
                RESUME_EVERY, context.smart_charging.resume, name="waiting charging profiles"
            )
        context.leadership.start()
        # Objects made during start-up live for the whole run: keep the collector off them
        # (measured: removes 25-45 ms latency spikes), and collect less often (ocpi_cpo.collector).
        settle_for_long_run()
        try:
            yield
        finally:
            stop_sync()
            await asyncio.wait_for(sync_task, timeout=15)
            await context.leadership.close()
            if relay is not None:
                await relay.close()
            await context.smart_charging.close()
            await context.commands.close()
            # Stations first: their last events still reach storage.
            await app.state.ocpp_driver.close()
            if stop_worker is not None and worker_task is not None:
                stop_worker()
                await _stopped(worker_task, context.storage)
            if owned_transport:
                await context.transport.close()
            if owned_storage:
                await context.storage.close()

    app = FastAPI(
        title="ocpi-cpo",
        version=__version__,
        summary="OCPI 2.2.1 CPO platform (Gireve IOP profile)",
        docs_url=None,
        redoc_url=None,
        openapi_url="/admin/openapi.json",
        lifespan=lifespan,
    )
    app.state.ocpi = context
    events = station_events or StationEventsService(
        context.storage, context.authorization, context.sessions
    )
    app.state.station_events = events
    # The commands engineer may wrap station_driver (e.g. with a simulated driver); the OCPP
    # driver itself is closed at shutdown.
    app.state.ocpp_driver = app.state.station_driver = mount_gateway(app, context, events)
    # Commands: OCPP for connected stations, simulated ones when [commands] simulate_stations.
    context.commands.connect(ocpp=app.state.ocpp_driver, events=events, sessions=context.sessions)
    install_error_handlers(app, clock)
    for router, prefix in routers():
        app.include_router(router, prefix=prefix)
    for admin_router in ADMIN_ROUTERS:
        app.include_router(admin_router(), prefix="/admin")
    app.include_router(metrics_router())
    app.include_router(health_router())
    mount_docs(app, "/admin/openapi.json")
    mount_console(app)
    # Innermost: after tracing and limits, before the router (api.sender_lists).
    app.add_middleware(
        SenderListsMiddleware, lists=sender_lists(), exception_handlers=app.exception_handlers
    )
    app.add_middleware(AdminAuditMiddleware)
    app.add_middleware(LimitsMiddleware, limits=settings.limits, clock=clock)
    prefixes = [prefix.split("/") for _, prefix in routers()]
    app.add_middleware(
        JournalMiddleware,
        journal=journal,
        versions={p[2] for p in prefixes if len(p) > 2 and p[2] != "versions"},
        modules={p[3] for p in prefixes if len(p) > 3},
    )
    app.add_middleware(TracingMiddleware)
    return app


#: seconds the outbox worker gets to finish its rounds in flight at shutdown
WORKER_STOP_SECONDS = 15.0


async def _stopped(worker: asyncio.Task[None], storage: Storage) -> None:
    """Wait for the outbox worker to finish its rounds in flight; past WORKER_STOP_SECONDS it is
    cancelled and the shutdown goes on (what it had claimed is released at the next start), with
    an error naming where the worker and the write transaction it waits for were."""
    try:
        await asyncio.wait_for(asyncio.shield(worker), WORKER_STOP_SECONDS)
        return
    except TimeoutError:
        pass
    stack = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(worker.get_stack()))
    holder = getattr(storage, "write_holder", lambda: "")()
    LOG.error(
        "the outbox worker did not stop within %.0f s (at %s); %s; cancelled",
        WORKER_STOP_SECONDS,
        stack,
        holder,
    )
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)


async def _check_open_files(context: OcpiContext) -> None:
    """A warning at start-up when this process may open fewer files than the stations need.

    A database that cannot be read yet (unreachable, not migrated) must not stop start-up:
    ``/ready`` reports it, and the check is skipped with a line saying so."""
    try:
        async with context.storage.read() as uow:
            stations = await count_stations(uow)
    except Exception as exc:  # any storage failure: /ready tells the cause
        LOG.info(
            "open-file limit not checked at start-up: stations not readable (%s)",
            type(exc).__name__,
        )
        return
    enough, reason = open_files.check(stations)
    if not enough:
        LOG.warning("%s", reason)


def _relay(context: OcpiContext, ocpp: OcppDriver, events: StationEvents) -> StationRelay | None:
    """PostgreSQL (several instances possible): commands for stations held by other instances
    go through them (services.station_relay), and the leader reports the stations of an instance
    that died offline. SQLite serves one instance: nothing to relay."""
    storage = context.storage
    if getattr(storage, "is_sqlite", True):
        return None
    relay = StationRelay(
        storage,
        context.leadership.holder,
        ocpp,
        ocpp.connected,
        wait=context.settings.commands.timeout + 5.0,
    )
    ocpp.on_change = relay.stations_changed
    context.commands.drivers.relay = relay

    async def supervise() -> None:
        for station_id in await relay.stations_lost():
            await events.station_offline(station_id, context.clock.now())

    context.leadership.every(PRESENCE_EVERY, supervise, name="stations of dead instances")
    return relay
