"""Two instances on one PostgreSQL database: a command reaches the station wherever its websocket
is (issue 18, points 1 and 2). Both servers are real (uvicorn on 127.0.0.1, their own storage,
start-up and shutdown), the station a real simulated OCPP station."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import uvicorn
from fastapi import FastAPI

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.leases import STATION_PREFIX
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.services.locations import import_locations
from ocpi_cpo.services.station_drivers import StationDrivers
from ocpi_cpo.sim.station import SimStation
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.factories import make_settings
from tests.support.locations import make_location
from tests.support.processes import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


@contextlib.asynccontextmanager
async def instance(database_url: str) -> AsyncIterator[tuple[str, OcpiContext, FastAPI]]:
    settings = make_settings(
        database_url,
        commands={"timeout": 5.0},
        ocpp={"heartbeat_interval": 60, "command_timeout": 3.0, "status_trigger_delay": 0.3},
        outbox={"worker_in_serve": False},
    )
    app = create_app(settings, clock=SystemClock())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/ocpp", app.state.ocpi, app
    finally:
        server.should_exit = True
        await task


async def prepared(storage: SqlStorage) -> None:
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        await import_locations(
            uow,
            publisher(),
            [make_location(1)],
            [OperatorId.parse("FR*AB1")],
            now,
            allow_unknown_tariffs=True,
        )
        await station_service.add_station(uow, "CP1", "LOC1", {1: "E1-1", 2: "E1-2"}, None, now)


async def holder_of(storage: SqlStorage, station_id: str) -> str | None:
    async with storage.read() as uow:
        lease = await uow.leases.get(STATION_PREFIX + station_id)
    return None if lease is None else lease.holder


async def eventually_held(storage: SqlStorage, station_id: str, by: str) -> None:
    for _ in range(200):
        if await holder_of(storage, station_id) == by:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{station_id} never held by {by}")


async def start(drivers: StationDrivers) -> CommandOutcome:
    await drivers.prepare()
    return await drivers.start_session("E1-1", "1", "SIMAPPUSER0001", "APP_USER", 7)


async def test_commands_reach_a_station_held_by_another_instance(
    storage: SqlStorage, database_url: str
) -> None:
    await prepared(storage)
    async with instance(database_url) as (url_a, a, _), instance(database_url) as (url_b, b, _):
        me_a, me_b = a.leadership.holder, b.leadership.holder
        # Connected nowhere: both answer as today for an offline station.
        assert await start(a.commands.drivers) is CommandOutcome.FAILED
        async with SimStation(url_b, "CP1", "1.6", connectors=2) as station:
            await station.boot()
            await eventually_held(storage, "CP1", me_b)
            async with storage.read() as uow:
                held = (await station_service.presence(uow))["CP1"]
            assert held.holder == me_b and held.since <= held.renewed < held.expires
            # START through A: handed to B, carried out on the station, the answer back in A.
            assert await start(a.commands.drivers) is CommandOutcome.ACCEPTED
            transaction = await station.wait_for("started")
            drivers = a.commands.drivers
            await drivers.prepare()
            assert drivers.is_online("E1-1")
            outcome = await drivers.stop_session("CP1", transaction)
            assert outcome is CommandOutcome.ACCEPTED
            assert await station.wait_for("stopped") == transaction
            assert await b.commands.drivers.unlock_connector("E1-1", "1") in {
                CommandOutcome.ACCEPTED,
                CommandOutcome.REJECTED,
            }  # B drives its own station directly
            # The station moves: it reconnects to A, and A now drives it itself.
            await station.disconnect()
            station.url = url_a + "/CP1"
            await station.connect()
            await station.boot()
            await eventually_held(storage, "CP1", me_a)
            await b.commands.drivers.prepare()
            assert b.commands.drivers.is_online("E1-1")  # B sees it at A
            assert await start(b.commands.drivers) is CommandOutcome.ACCEPTED
            await station.wait_for("started")
        # Gone: the lease is released, both answer as for an offline station again.
        for _ in range(100):
            if await holder_of(storage, "CP1") is None:
                break
            await asyncio.sleep(0.05)
        assert await holder_of(storage, "CP1") is None
        assert await start(b.commands.drivers) is CommandOutcome.FAILED


async def test_a_charging_profile_reaches_a_station_held_by_another_instance(
    storage: SqlStorage, database_url: str
) -> None:
    await prepared(storage)
    async with (
        instance(database_url) as (_, a, _app),
        instance(database_url) as (url_b, b, _),
        SimStation(url_b, "CP1", "2.0.1", connectors=2) as station,
    ):
        await station.boot()
        await eventually_held(storage, "CP1", b.leadership.holder)
        assert await start(a.commands.drivers) is CommandOutcome.ACCEPTED
        transaction = await station.wait_for("started")
        profile = {
            "start": datetime.now(UTC).isoformat(),
            "periods": [{"start_s": 0, "limit_w": 7000}, {"start_s": 3600, "limit_w": 0}],
            "phases": 3,
            "planned_wh": 7000,
        }
        drivers = a.commands.drivers
        await drivers.prepare()
        outcome = await drivers.set_charging_profile("CP1", transaction, "E1-1", profile)
        assert outcome is CommandOutcome.ACCEPTED  # carried out by B, answered in A
        assert station.limit_w(1) == 7000 and station.limit_w(2) is None
        station.replies["SetChargingProfile"] = "Rejected"
        outcome = await drivers.set_charging_profile("CP1", transaction, "E1-1", profile)
        assert outcome is CommandOutcome.REJECTED
