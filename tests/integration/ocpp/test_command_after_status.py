"""A START_SESSION right after a station's StatusNotification is judged on what the station said,
not on the status stored before it.

A StatusNotification is answered before its status is stored (``ocpp_gateway.link``: the pipe to
the services), and storing it may take a while: another transaction holds the Location, the
database is busy. A hub that starts a session as soon as the previous one's CDR arrives used to
meet the stored CHARGING of the session just ended: ACCEPTED, then EVSE_OCCUPIED at once, and the
station, which had said Available, never heard of the command. Here a second connection holds
the Location's row while the station reports, so the status cannot be stored until the test lets
it (PostgreSQL: the status write locks the Location's row, a plain read does not wait for it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ocpi_cpo.domain.commands import Answer, CommandName, CommandRequest, CommandToken
from ocpi_cpo.domain.locations import find_evse
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.services.commands import Sender
from ocpi_cpo.services.locations import set_evse_status
from ocpi_cpo.sim.station import SimStation
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.integration.ocpp.test_commands_ocpp import registered_emsp
from tests.integration.ocpp.test_relay import instance, prepared

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
RESPONSE_URL = "http://hub.test/ocpi/2.2.1/commands"
REMOTE_START = {"1.6": "RemoteStartTransaction", "2.0.1": "RequestStartTransaction"}


async def _partner(storage: SqlStorage) -> Partner:
    async with storage.transaction() as uow:
        return await registered_emsp(uow, datetime.now(UTC))


async def _stored_status(storage: SqlStorage, evse_uid: str) -> str:
    async with storage.read() as uow:
        (stored,) = await uow.locations.by_evse_uid(evse_uid)
    evse = find_evse(orjson.loads(stored.document), evse_uid)
    assert evse is not None
    return str(evse["status"])


async def _until_stored(storage: SqlStorage, evse_uid: str, status: str) -> None:
    for _ in range(200):
        if await _stored_status(storage, evse_uid) == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{evse_uid} never stored {status}")


@contextlib.asynccontextmanager
async def _location_held(database_url: str, location_id: str) -> AsyncIterator[None]:
    """Another transaction holds the Location's row (as a long location import would)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            held = await connection.begin()
            await connection.execute(
                text("SELECT id FROM locations WHERE location_id = :id FOR UPDATE"),
                {"id": location_id},
            )
            try:
                yield
            finally:
                await held.rollback()
    finally:
        await engine.dispose()


START = CommandRequest(
    CommandName.START_SESSION,
    f"{RESPONSE_URL}/START_SESSION/1",
    b"{}",
    location_id="LOC1",
    evse_uid="E1-1",
    token=CommandToken("SIMAPPUSER0001", "APP_USER", b"{}"),
)


@pytest.mark.parametrize("evse_uid", ["E1-1", None], ids=["named", "any"])
async def test_a_start_right_after_available_reaches_the_station(
    storage: SqlStorage, database_url: str, version: str, evse_uid: str | None
) -> None:
    """``any``: no EVSE named (Gireve's eMSPs name none), the other EVSE busy: the one its station
    has just said Available is chosen, not refused as "no EVSE available"."""
    await prepared(storage)
    sender = Sender(await _partner(storage), ("FR", "AB1"), ("NL", "EMS"))
    start = replace(START, evse_uid=evse_uid)
    async with (
        instance(database_url) as (url, context, _),
        SimStation(url, "CP1", version, connectors=2) as station,
    ):
        await station.boot()
        for number in (1, 2):
            await station.status(number, "Charging")  # the sessions before (2.0.1: Occupied)
        await _until_stored(storage, "E1-2", "CHARGING")
        await _until_stored(storage, "E1-1", "CHARGING")
        async with _location_held(database_url, "LOC1"):
            await station.status(1, "Available")  # answered at once, stored once the row is free
            reply = await context.commands.receive(sender, start)
            assert reply.answer is Answer.ACCEPTED and reply.command_id is not None, reply
            assert await _stored_status(storage, "E1-1") == "CHARGING"  # not stored yet
            await context.commands.runner.idle()
            async with storage.read() as uow:
                command = await uow.commands.get(reply.command_id)
            assert command is not None
            assert command.result is CommandOutcome.ACCEPTED, (command.result, command.message)
            assert command.evse_uid == "E1-1"
            assert await station.wait_for(REMOTE_START[version], 1) == "received"
        await station.wait_for("started")
        await _until_stored(storage, "E1-1", "CHARGING")  # Available, then the new session's


async def test_an_evse_the_cpo_removed_stays_removed_whatever_its_station_says(
    storage: SqlStorage, database_url: str
) -> None:
    """PLANNED and REMOVED are the CPO's word (no station reports them): a command is judged on
    the stored status then, not on the Available its station said."""
    await prepared(storage)
    sender = Sender(await _partner(storage), ("FR", "AB1"), ("NL", "EMS"))
    async with (
        instance(database_url) as (url, context, _),
        SimStation(url, "CP1", "1.6", connectors=2) as station,
    ):
        await station.boot()
        await station.status(1, "Available")
        await _until_stored(storage, "E1-1", "AVAILABLE")
        async with storage.transaction() as uow:
            await set_evse_status(
                uow, context.publisher, "E1-1", EvseStatus.REMOVED, datetime.now(UTC)
            )
        reply = await context.commands.receive(sender, START)
        assert reply.answer is Answer.ACCEPTED and reply.command_id is not None
        await context.commands.runner.idle()
        async with storage.read() as uow:
            command = await uow.commands.get(reply.command_id)
        assert command is not None and command.result is CommandOutcome.EVSE_INOPERATIVE
        assert station.received.empty()  # the station was asked nothing
