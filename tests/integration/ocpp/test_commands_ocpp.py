"""START_SESSION and STOP_SESSION reach a real simulated OCPP station (1.6 and 2.0.1) over a
websocket: the OCPP driver behind the command service, one CommandResult queued per command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import orjson
import uvicorn
from fastapi import FastAPI

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.commands import Answer, CommandName, CommandRequest, CommandToken
from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import Partner, PartyRole
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.ocpp_gateway import mount_gateway
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.services.commands import Sender
from ocpi_cpo.services.locations import import_locations
from ocpi_cpo.sim.station import SimStation
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade
from tests.integration.api.commands_support import StationSide
from tests.support.asgi import AsgiTransport
from tests.support.factories import make_settings
from tests.support.locations import make_location
from tests.support.partners import add_registered
from tests.support.processes import free_port

RESPONSE_URL = "http://hub.test/ocpi/2.2.1/commands"


async def registered_emsp(uow: UnitOfWork, now: datetime) -> Partner:
    """A registered eMSP on 2.2.1 acting for its own party (NL/EMS) only."""
    return await add_registered(
        uow,
        "emsp",
        PartyRole("EMSP", "NL", "EMS"),
        versions_url="http://hub.test/ocpi/versions",
        now=now,
    )


async def test_remote_start_and_stop_on_an_ocpp_station(tmp_path: Path, version: str) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'commands.db'}"
    engine = create_engine(database)
    await upgrade(engine)
    storage = SqlStorage(engine)
    settings = make_settings(
        database,
        commands={"timeout": 3.0},
        ocpp={"heartbeat_interval": 60, "command_timeout": 2.0, "status_trigger_delay": 0.3},
    )
    context = OcpiContext(settings, SystemClock(), storage, AsgiTransport())
    side = StationSide()
    app = FastAPI()
    driver = mount_gateway(app, context, side)
    context.commands.connect(ocpp=driver, events=side, sessions=side)
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
        partner = await registered_emsp(uow, now)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    sender = Sender(partner, ("FR", "AB1"), ("NL", "EMS"))
    try:
        async with SimStation(f"ws://127.0.0.1:{port}/ocpp", "CP1", version, connectors=2) as cp:
            await cp.boot()
            start = CommandRequest(
                CommandName.START_SESSION,
                f"{RESPONSE_URL}/START_SESSION/1",
                b"{}",
                location_id="LOC1",
                token=CommandToken("SIMAPPUSER0001", "APP_USER", b"{}"),
                authorization_reference="AUTH-1",
            )
            reply = await context.commands.receive(sender, start)
            assert reply.answer is Answer.ACCEPTED
            await cp.wait_for("started")
            await context.commands.idle()
            (started,) = side.started
            assert (started.station_id, started.evse_uid) == ("CP1", "E1-1")
            assert started.uid == "SIMAPPUSER0001" and started.remote_start_id is not None
            stop = CommandRequest(
                CommandName.STOP_SESSION,
                f"{RESPONSE_URL}/STOP_SESSION/2",
                b"{}",
                session_id="S1",
            )
            assert (await context.commands.receive(sender, stop)).answer is Answer.ACCEPTED
            assert await cp.wait_for("stopped") == started.transaction_id
            await context.commands.idle()
        async with storage.read() as uow:
            queued = await uow.outbox.find(QueueFilter(module="commands"))
        assert sorted((m.url, orjson.loads(m.body or b"")["result"]) for m in queued) == [
            (f"{RESPONSE_URL}/START_SESSION/1", "ACCEPTED"),
            (f"{RESPONSE_URL}/STOP_SESSION/2", "ACCEPTED"),
        ]
        assert all(m.routing is not None and m.routing.to_party_id == "EMS" for m in queued)
    finally:
        await context.commands.close()
        await driver.close()
        server.should_exit = True
        await serving
        await storage.close()
