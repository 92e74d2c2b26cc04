"""One Session written by two transactions at once (PostgreSQL: a station's stop in the shared
transaction of station writes, the driver's charging preferences in a transaction of their own,
possibly on another instance) loses neither write: each reads the Session holding its row, so
the second waits for the first and starts from what it stored."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ocpi_cpo.domain.sessions import SessionKey, SessionStatus
from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted, TransactionStopped
from ocpi_cpo.storage.sql.repositories.sessions import SqlSessionRepository
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import UID, at, events, ready
from tests.integration.api.test_station_writes import session_bodies, sessions
from tests.support.pauses import pause_first_call, unless_held

PREFERENCES = {"profile_type": "FAST", "energy_need": 20.0}


async def _started(network: Network) -> SessionKey:
    await ready(network)
    pipe = events(network)
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    started = await pipe.transaction_started(
        TransactionStarted("ST1", "E1-1", "1", "TX1", UID, "RFID", Decimal(1000), at(0))
    )
    assert started.allowed
    async with network.storage.read() as uow:
        session = await uow.sessions.by_transaction("ST1", "TX1")
    assert session is not None
    return session.key


async def test_preferences_recorded_while_the_station_stops_keep_the_stop(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen before the fix on PostgreSQL: the stop committed while the preferences' transaction
    held the Session as it read it; that transaction then stored it back ACTIVE, with no end,
    and pushed it so, after the CDR had gone."""
    key = await _started(network)
    # record_preferences stops once it has read the Session
    read = pause_first_call(monkeypatch, SqlSessionRepository, "document")
    recording = asyncio.create_task(sessions(network).record_preferences(key, PREFERENCES))
    await read.reached.wait()
    stopping = asyncio.create_task(
        events(network).transaction_stopped(TransactionStopped("ST1", "TX1", Decimal(3000), at(30)))
    )
    await unless_held(stopping)
    read.resume.set()
    assert await recording
    await stopping

    async with network.storage.read() as uow:
        stored = await uow.sessions.get(key)
    assert stored is not None
    assert stored.status is SessionStatus.COMPLETED and stored.ended_at == at(30)
    assert stored.charging_preferences == PREFERENCES
    assert stored.cdr_id is not None
    # What the hub is told last is the completed Session.
    pushed = (await session_bodies(network))[str(key)]
    assert pushed[-1]["status"] == "COMPLETED"
