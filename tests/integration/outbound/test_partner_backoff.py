"""Backoff per partner, not per message (issue 16 item 1), with the clock driven by the test:
after an outage of 1 minute, 10 minutes or an hour, 1,000 changes queued for the partner all
reach it within 10 s of its recovery (clock time), in order per object, none twice; while it is
down one probe at a time goes; another partner is never slowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ocpi_cpo.domain.delivery import MessageState, NewMessage, QueueFilter
from ocpi_cpo.outbound.worker import OutboxWorker
from tests.integration.outbound.conftest import ROUTING, Delivery
from tests.support.clock import SteppedClock
from tests.support.partners import register_partner
from tests.support.receiver import FakePartner

STEPS = 20


@pytest.mark.parametrize("outage_minutes", [1, 10, 60])
async def test_backlog_reaches_a_recovered_partner_within_10_s(
    delivery: Delivery, outage_minutes: int
) -> None:
    clock = SteppedClock()
    settings = delivery.settings.model_copy(
        update={
            "outbox": delivery.settings.outbox.model_copy(
                update={
                    "probe_base_seconds": 0.5,
                    "probe_cap_seconds": 2.0,
                    "backoff_base_seconds": 1.0,
                    "backoff_cap_seconds": 300.0,
                }
            )
        }
    )
    worker = OutboxWorker(delivery.storage, delivery.transport, settings, clock)
    other = FakePartner()
    await other.start()
    try:
        second = await register_partner(delivery.storage, other.base_url, name="other")
        delivery.receiver.down = True
        step = outage_minutes * 60 / STEPS
        for n in range(STEPS):  # 1,000 changes over the outage, 100 objects
            await delivery.queue(50, keys=100, start=n * 50, created_at=clock.now())
            await _queue_for(delivery, second.id, n, clock)
            refused = delivery.receiver.refused
            while await worker.drain_once():
                pass
            # at most one probe per due probe time: never the whole backlog
            assert delivery.receiver.refused - refused <= 1 + (n == 0) * 50
            # the other partner is not slowed: what was queued for it is delivered at once
            assert len(other.delivered()) == n + 1
            clock.advance(step)
        assert delivery.receiver.delivered() == []
        async with delivery.storage.read() as uow:
            state = (await uow.partner_delivery.all())[delivery.partner.id]
        assert not state.available and state.next_probe_at is not None
        assert state.next_probe_at - clock.now() <= timedelta(seconds=2)

        delivery.receiver.down = False
        recovered = clock.now()
        while len(delivery.receiver.delivered()) < 1000:
            if await worker.drain_once() == 0:
                clock.advance(0.1)  # time passes only while nothing is due
            assert clock.now() - recovered <= timedelta(seconds=10)
    finally:
        await other.stop()
    got = delivery.receiver.delivered()
    assert sorted(r.body["seq"] for r in got) == list(range(1000))  # all, none twice
    per_key: dict[str, list[int]] = {}
    for r in got:
        per_key.setdefault(r.body["key"], []).append(r.body["seq"])
    assert all(seqs == sorted(seqs) for seqs in per_key.values())
    async with delivery.storage.read() as uow:
        assert await uow.outbox.count(QueueFilter(state=MessageState.DELIVERED)) == 1000 + STEPS
        state = (await uow.partner_delivery.all())[delivery.partner.id]
    assert state.available and state.up_at is not None


async def _queue_for(delivery: Delivery, partner_id: int, n: int, clock: SteppedClock) -> None:
    async with delivery.storage.transaction() as uow:
        await uow.outbox.add(
            NewMessage(
                partner_id, "locations", f"o-{n}", "PUT", f"/FR/AB1/o-{n}", b"{}", routing=ROUTING
            ),
            clock.now(),
        )
