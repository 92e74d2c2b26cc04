"""Repair instead of parking (issue 16 item 2), against a real receiver on 127.0.0.1: a PATCH
answered "unknown location" becomes one full PUT of the whole Location that supersedes the PATCHes
queued behind it; other 2xxx answers stay dead letters; each repair is on the message's attempts
and counted in the metrics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson

from ocpi_cpo import metrics
from ocpi_cpo.domain.delivery import MessageState, Outcome, QueuedMessage, QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services import locations as service
from ocpi_cpo.services import repairs
from tests.integration.outbound.conftest import Delivery
from tests.support.locations import make_location
from tests.support.receiver import Answer

OPERATOR = OperatorId("FR", "AB1")


async def _messages(delivery: Delivery) -> list[QueuedMessage]:
    async with delivery.storage.read() as uow:
        found = await uow.outbox.find(QueueFilter(partner_id=delivery.partner.id), limit=1000)
    return sorted(found, key=lambda m: m.id)


async def _status(delivery: Delivery, uid: str, status: str) -> None:
    async with delivery.storage.transaction() as uow:
        assert await service.set_evse_status(
            uow, publisher(), uid, EvseStatus(status), datetime.now(UTC)
        )


async def _imported(delivery: Delivery) -> None:
    """LOC1, queued for the partner (tariffs not checked: that rule has its own tests)."""
    async with delivery.storage.transaction() as uow:
        await service.import_locations(
            uow,
            publisher(),
            [make_location(1)],
            [OPERATOR],
            datetime.now(UTC),
            allow_unknown_tariffs=True,
        )


def _repairs() -> float:
    value = metrics.REPAIRS.labels("hub", "locations")._value.get()
    return float(value)


async def test_unknown_location_is_repaired_with_one_whole_put(delivery: Delivery) -> None:
    await _imported(delivery)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    # The partner lost the Location (or never had it): the next PATCH is answered 2003.
    delivery.receiver.behaviour = [Answer(http=404, ocpi=2003, message="unknown location")]
    before = _repairs()
    await _status(delivery, "E1-1", "CHARGING")
    await _status(delivery, "E1-2", "CHARGING")  # queued behind it: made obsolete by the PUT
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 2, worker)

    received = delivery.receiver.received
    assert [(r.method, r.http) for r in received] == [("PUT", 200), ("PATCH", 404), ("PUT", 200)]
    whole = received[-1].body
    assert received[-1].path.endswith("/locations/FR/AB1/LOC1")
    assert [evse["status"] for evse in whole["evses"]] == ["CHARGING", "CHARGING"]
    assert _repairs() == before + 1

    messages = await _messages(delivery)
    assert [(m.method, m.state) for m in messages] == [
        ("PUT", MessageState.DELIVERED),
        ("PATCH", MessageState.SUPERSEDED),  # repaired
        ("PATCH", MessageState.SUPERSEDED),  # obsolete
        ("PUT", MessageState.DELIVERED),  # the repair
    ]
    async with delivery.storage.read() as uow:
        attempts = await uow.outbox.attempts(messages[1].id)
    assert [a.outcome for a in attempts] == [Outcome.REPAIRED]
    assert attempts[0].ocpi_status == 2003
    assert attempts[0].error is not None and "full PUT" in attempts[0].error
    assert orjson.loads(messages[3].body or b"{}")["id"] == "LOC1"


async def test_other_client_errors_stay_dead_letters(delivery: Delivery) -> None:
    await _imported(delivery)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    delivery.receiver.behaviour = [Answer(http=400, ocpi=2001, message="invalid status")]
    before = _repairs()
    await _status(delivery, "E1-1", "CHARGING")
    await delivery.until(lambda: len(delivery.receiver.received) == 2, worker)
    while await worker.drain_once():
        pass
    messages = await _messages(delivery)
    assert [(m.method, m.state) for m in messages] == [
        ("PUT", MessageState.DELIVERED),
        ("PATCH", MessageState.DEAD),
    ]
    assert _repairs() == before
    assert len(delivery.receiver.received) == 2


async def test_a_change_committed_while_a_repair_reads_is_queued_after_it(
    delivery: Delivery,
) -> None:
    """The repair's PUT supersedes what is queued for its Location, so a status change committed
    between its read and its insert (PostgreSQL: another transaction) would be lost. The repair
    holds the Location's row: the change waits for its commit and is queued after the PUT."""
    await _imported(delivery)
    (queued,) = await _messages(delivery)
    read, resume = asyncio.Event(), asyncio.Event()

    async def repair() -> None:
        async with delivery.storage.transaction() as uow:
            put = await repairs.full_put(uow, publisher(), queued, delivery.partner)
            assert isinstance(put, list)
            read.set()
            await resume.wait()
            await repairs.queue(uow, put, datetime.now(UTC))

    repairing = asyncio.create_task(repair())
    await read.wait()
    changing = asyncio.create_task(_status(delivery, "E1-1", "CHARGING"))
    # Time for the change to commit if nothing held it back (the defect).
    await asyncio.wait({changing}, timeout=1.0)
    resume.set()
    await asyncio.gather(repairing, changing)

    pending = [m for m in await _messages(delivery) if m.state is MessageState.PENDING]
    assert [m.method for m in pending] == ["PUT", "PATCH"]
    assert pending[-1].body is not None
    assert orjson.loads(pending[-1].body)["status"] == "CHARGING"
