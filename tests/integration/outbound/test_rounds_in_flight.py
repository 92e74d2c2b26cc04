"""Rounds overlap: a change committed while a slow request is in flight does not wait for it,
and the slow object's next change still waits for its predecessor (order per object)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.outbound.worker import OutboxWorker
from tests.integration.outbound.conftest import Delivery
from tests.support.receiver import Answer


async def _until(condition: Callable[[], bool], limit: float = 10) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.01)


def _leased_worker(delivery: Delivery, lease: float, name: str | None = None) -> OutboxWorker:
    """A worker whose claims lapse after ``lease`` seconds unless renewed."""
    outbox = delivery.settings.outbox.model_copy(update={"lease_seconds": lease})
    settings = delivery.settings.model_copy(update={"outbox": outbox})
    return OutboxWorker(delivery.storage, delivery.transport, settings, SystemClock(), name=name)


async def test_a_new_change_overtakes_a_slow_round_of_another_object(delivery: Delivery) -> None:
    worker = delivery.worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        delivery.receiver.behaviour = [Answer(delay=1.5)]  # the first request hangs 1.5 s
        await delivery.queue(1, keys=1, start=0)  # loc-0, seq 0: slow
        await _until(lambda: delivery.receiver.in_flight == 1)
        # loc-0 seq 1 (must wait for seq 0) and loc-1 seq 2 (need not)
        await delivery.queue(1, keys=1, start=1)
        await delivery.queue(1, keys=2, start=3)  # key loc-1 (3 % 2), seq 3
        await _until(lambda: [r.body["seq"] for r in delivery.receiver.delivered()] == [3], 1.0)
        await _until(lambda: len(delivery.receiver.delivered()) == 3)
    finally:
        stop.set()
        await running
    assert [r.body["seq"] for r in delivery.receiver.delivered()] == [3, 0, 1]
    assert delivery.receiver.overlaps == 0


async def test_a_round_slower_than_its_lease_is_not_sent_again_by_the_same_worker(
    delivery: Delivery,
) -> None:
    """The lease lapses while the round still waits for the partner (or, on a saturated SQLite,
    for the write lock to record it): the next claim takes the message again, but this worker
    knows it is still in flight and does not send it a second time."""
    worker = _leased_worker(delivery, 0.2)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        delivery.receiver.behaviour = [Answer(delay=1.2)]  # six leases long
        await delivery.queue(1, keys=1, start=0)
        await _until(lambda: len(delivery.receiver.delivered()) == 1)
        await asyncio.sleep(0.6)  # a second sending would show by now
        async with delivery.storage.read() as uow:
            delivered = await uow.outbox.count(QueueFilter(state=MessageState.DELIVERED))
    finally:
        stop.set()
        await running
    assert len(delivery.receiver.received) == 1 and delivery.receiver.overlaps == 0
    assert delivered == 1


async def test_a_round_slower_than_its_lease_is_not_sent_again_by_another_worker(
    delivery: Delivery,
) -> None:
    """The worker sending a slow round renews its claim every third of the lease, so another
    worker never finds the lease lapsed and sends the message a second time (seen in a drain of
    10,000 by two workers on a busy machine: one batch of 200 sent twice)."""
    workers = [_leased_worker(delivery, 0.3, name) for name in ("worker-a", "worker-b")]
    stop = asyncio.Event()
    running = [asyncio.create_task(worker.run(stop)) for worker in workers]
    try:
        delivery.receiver.behaviour = [Answer(delay=1.8)]  # six leases long
        await delivery.queue(1, keys=1, start=0)
        await _until(lambda: len(delivery.receiver.delivered()) == 1)
        await asyncio.sleep(0.6)  # a second sending would show by now
        async with delivery.storage.read() as uow:
            delivered = await uow.outbox.count(QueueFilter(state=MessageState.DELIVERED))
    finally:
        stop.set()
        await asyncio.gather(*running)
    assert len(delivery.receiver.received) == 1 and delivery.receiver.overlaps == 0
    assert delivered == 1
