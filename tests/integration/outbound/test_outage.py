"""A partner down for a while (3 s here; set OCPI_CPO_TEST_OUTAGE_SECONDS=60 for the full drill)
while changes keep coming: afterwards it has received all of them, in order per object."""

from __future__ import annotations

import asyncio
import os
import time

from tests.integration.outbound.conftest import Delivery

OUTAGE = float(os.environ.get("OCPI_CPO_TEST_OUTAGE_SECONDS", "3"))


async def test_outage_with_1000_changes(delivery: Delivery) -> None:
    worker = delivery.worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    delivery.receiver.down = True
    started = time.monotonic()
    for batch in range(10):  # 1,000 changes spread over the outage, 100 objects
        await delivery.queue(100, keys=100, start=batch * 100)
        await asyncio.sleep(OUTAGE / 10)
    assert delivery.receiver.delivered() == []
    delivery.receiver.down = False
    deadline = time.monotonic() + 60 + OUTAGE
    while len(delivery.receiver.delivered()) < 1000 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await running
    assert time.monotonic() - started >= OUTAGE
    got = delivery.receiver.delivered()
    assert sorted(r.body["seq"] for r in got) == list(range(1000))
    per_key: dict[str, list[int]] = {}
    for r in got:
        per_key.setdefault(r.body["key"], []).append(r.body["seq"])
    assert all(seqs == sorted(seqs) for seqs in per_key.values())
