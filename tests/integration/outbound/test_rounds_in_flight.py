"""Rounds overlap: a change committed while a slow request is in flight does not wait for it,
and the slow object's next change still waits for its predecessor (order per object)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from tests.integration.outbound.conftest import Delivery
from tests.support.receiver import Answer


async def _until(condition: Callable[[], bool], limit: float = 10) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.01)


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
