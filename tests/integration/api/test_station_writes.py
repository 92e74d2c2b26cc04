"""What many stations report at once shares transactions (issue 21: ``SessionService.writes``),
yet each charge's changes stay in their order and a change that fails loses no other."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import orjson

from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.stations import (
    AuthorizationRequest,
    ChargingState,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.services.sessions import SessionService
from ocpi_cpo.storage.protocols import UnitOfWork
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import imported
from tests.integration.api.sessions_support import UID, at, events, ready
from tests.support.locations import make_location

CHARGES = 8
READINGS = 5


def sessions(network: Network) -> SessionService:
    found: SessionService = network.app.state.ocpi.sessions
    return found


async def started_charges(network: Network) -> None:
    """One charge on the first EVSE of Locations 1..CHARGES, transactions TX1..TX<CHARGES>."""
    await ready(network)
    await imported(network, [make_location(n) for n in range(2, CHARGES + 1)])
    pipe = events(network)
    for n in range(1, CHARGES + 1):
        decision = await pipe.authorize(AuthorizationRequest("ST1", f"E{n}-1", UID, "RFID"))
        assert decision.allowed
        started = await pipe.transaction_started(
            TransactionStarted("ST1", f"E{n}-1", "1", f"TX{n}", UID, "RFID", Decimal(1000), at(0))
        )
        assert started.allowed


async def session_bodies(network: Network) -> dict[str, list[dict[str, Any]]]:
    """The queued Sessions messages to the hub, by session, in queue order."""
    async with network.storage.read() as uow:
        [hub] = await uow.partners.all()
        queued = await uow.outbox.find(QueueFilter(partner_id=hub.id, module="sessions"), 1000)
    found: dict[str, list[dict[str, Any]]] = {}
    for message in sorted(queued, key=lambda m: m.id):
        assert message.body is not None
        found.setdefault(message.object_key, []).append(orjson.loads(message.body))
    return found


def reading(n: int, step: int) -> MeterReading:
    return MeterReading("ST1", f"TX{n}", at(step + 1), register_wh=Decimal(1000 + 100 * step))


async def test_readings_of_many_charges_share_commits_and_keep_each_charges_order(
    network: Network,
) -> None:
    await started_charges(network)
    writes = sessions(network).writes
    before = writes.transactions

    async def charge(n: int) -> None:
        for step in range(1, READINGS + 1):
            await events(network).meter_values(reading(n, step))

    await asyncio.gather(*(charge(n) for n in range(1, CHARGES + 1)))
    assert writes.transactions - before < CHARGES * READINGS / 2  # shared, not one per reading

    queued = await session_bodies(network)
    assert len(queued) == CHARGES
    for bodies in queued.values():
        assert len(bodies) == 2 + READINGS  # the whole Session (pending, started), then updates
        energy = [Decimal(str(body["kwh"])) for body in bodies[2:]]
        assert energy == [Decimal(100 * step) / 1000 for step in range(1, READINGS + 1)]


async def test_a_change_that_fails_in_a_shared_commit_loses_no_other(network: Network) -> None:
    await started_charges(network)
    service = sessions(network)

    async def broken(uow: UnitOfWork) -> None:
        # writes first, then fails: the shared transaction is rolled back and redone without it
        await uow.stations.heartbeats({"ST1": (at(0), None)})
        raise RuntimeError("this change cannot be applied")

    outcomes = await asyncio.gather(
        *(events(network).meter_values(reading(n, 1)) for n in range(1, CHARGES // 2 + 1)),
        service.writes.run(broken),
        *(
            events(network).transaction_stopped(
                TransactionStopped("ST1", f"TX{n}", Decimal(1500), at(10))
            )
            for n in range(CHARGES // 2 + 1, CHARGES + 1)
        ),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes].count("RuntimeError") == 1
    assert all(o is None for o in outcomes if not isinstance(o, BaseException))

    queued = await session_bodies(network)
    for n in range(1, CHARGES // 2 + 1):
        [_, _, update] = queued[f"FR/AB1/{await session_id(network, n)}"]
        assert Decimal(str(update["kwh"])) == Decimal("0.1")
    async with network.storage.read() as uow:
        stopped = [
            await uow.sessions.by_transaction("ST1", f"TX{n}")
            for n in range(CHARGES // 2 + 1, CHARGES + 1)
        ]
    assert all(s is not None and s.cdr_id is not None for s in stopped)


async def session_id(network: Network, n: int) -> str:
    async with network.storage.read() as uow:
        session = await uow.sessions.by_transaction("ST1", f"TX{n}")
    assert session is not None
    return session.key.id


async def test_a_lone_reading_waits_for_nothing(network: Network) -> None:
    await started_charges(network)
    writes = sessions(network).writes
    before = writes.transactions
    await events(network).meter_values(reading(1, 1))
    assert writes.transactions == before + 1
    queued = await session_bodies(network)
    assert len(queued[f"FR/AB1/{await session_id(network, 1)}"]) == 3


async def test_the_readings_of_one_message_make_one_write_and_one_update(
    network: Network,
) -> None:
    await started_charges(network)
    writes = sessions(network).writes
    before = writes.transactions
    # one message with the samples of five minutes (a 1.6 StopTransaction's transactionData,
    # a 2.0.1 TransactionEvent with several MeterValues)
    await events(network).meter_values(*(reading(1, step) for step in range(1, READINGS + 1)))
    assert writes.transactions == before + 1
    [_, _, update] = (await session_bodies(network))[f"FR/AB1/{await session_id(network, 1)}"]
    assert Decimal(str(update["kwh"])) == Decimal(100 * READINGS) / 1000  # the last reading's
    async with network.storage.read() as uow:
        session = await uow.sessions.by_transaction("ST1", "TX1")
    assert session is not None and session.as_of == at(READINGS + 1)


async def test_what_one_message_says_shares_one_commit_in_its_order(network: Network) -> None:
    """A 2.0.1 TransactionEvent Ended: its reading, its charging state and the stop, started
    together by the gateway (``ocpp_gateway.common.progress``), are one commit, in that order."""
    await started_charges(network)
    writes = sessions(network).writes
    before = writes.transactions
    pipe = events(network)
    await asyncio.gather(
        pipe.meter_values(reading(1, 1)),
        pipe.charging_state("ST1", "TX1", ChargingState.NOT_CHARGING, at(3)),
        pipe.transaction_stopped(TransactionStopped("ST1", "TX1", Decimal(1200), at(3))),
    )
    assert writes.transactions == before + 1
    *_, read, paused, completed = (await session_bodies(network))[
        f"FR/AB1/{await session_id(network, 1)}"
    ]
    assert (Decimal(str(read["kwh"])), read["status"]) == (Decimal("0.1"), "ACTIVE")
    assert "end_date_time" not in read and "end_date_time" not in paused

    def charged_hours(body: dict[str, Any]) -> Any:
        [period] = body["charging_periods"]
        return {d["type"]: d["volume"] for d in period["dimensions"]}["TIME"]

    # the hub takes whole Sessions (gireve-preprod): the reading's runs to 10:02, the pause's 10:03
    assert (charged_hours(read), charged_hours(paused)) == (0.033333, 0.05)
    assert paused["status"] == "ACTIVE"
    assert (Decimal(str(completed["kwh"])), completed["status"]) == (Decimal("0.2"), "COMPLETED")
