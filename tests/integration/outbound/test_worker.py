"""Delivery against a fake partner on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from ocpi_cpo.domain.delivery import MessageState, Outcome, QueuedMessage, QueueFilter
from ocpi_cpo.domain.partners import PartnerState
from tests.integration.outbound.conftest import Delivery
from tests.support.receiver import DOWN, Answer


async def states(delivery: Delivery) -> dict[MessageState, int]:
    counts = {}
    async with delivery.storage.read() as uow:
        for state in MessageState:
            counts[state] = await uow.outbox.count(QueueFilter(state=state))
    return counts


async def test_delivered_with_auth_tracing_and_routing_headers(delivery: Delivery) -> None:
    [message_id] = await delivery.queue(1)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    got = delivery.receiver.received[0]
    assert got.method == "PATCH"
    assert got.path == "/ocpi/2.2.1/locations/FR/AB1/loc-0"
    assert got.body == {"seq": 0, "key": "loc-0"}
    assert got.headers["Authorization"] == "Token " + base64.b64encode(b"their-token").decode()
    assert len(got.headers["X-Request-ID"]) == 36 and len(got.headers["X-Correlation-ID"]) == 36
    assert (got.headers["OCPI-from-country-code"], got.headers["OCPI-from-party-id"]) == (
        "FR",
        "AB1",
    )
    assert (got.headers["OCPI-to-country-code"], got.headers["OCPI-to-party-id"]) == ("FR", "107")
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
        attempts = await uow.outbox.attempts(message_id)
    assert message is not None and message.state is MessageState.DELIVERED
    assert [(a.http_status, a.ocpi_status, a.outcome) for a in attempts] == [
        (200, 1000, Outcome.DELIVERED)
    ]
    assert attempts[0].latency_ms > 0


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        ([Answer(503, None, {"Retry-After": "0"})], [(503, None)]),
        ([Answer(429, None)], [(429, None)]),
        ([Answer(200, 3000, message="busy")], [(200, 3000)]),
        ([Answer(200, 4001)], [(200, 4001)]),
        ([DOWN], [(None, None)]),
        ([Answer(delay=1.5)], [(None, None)]),  # slower than the 0.5 s timeout
        ([Answer(500, None)] * 3, [(500, None)] * 3),
    ],
    ids=["503-retry-after", "429", "ocpi-3000", "hub-4001", "dropped", "timeout", "fails-3-times"],
)
async def test_retried_until_delivered(
    delivery: Delivery, failures: list[Answer], expected: list[tuple[int | None, int | None]]
) -> None:
    delivery.settings = delivery.settings.model_copy(update={"partner_timeout": 0.5})
    delivery.receiver.behaviour = list(failures)
    [message_id] = await delivery.queue(1)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
        attempts = await uow.outbox.attempts(message_id)
    assert message is not None and message.state is MessageState.DELIVERED
    assert [(a.http_status, a.ocpi_status) for a in attempts] == [*expected, (200, 1000)]
    assert [a.outcome for a in attempts] == [Outcome.RETRY] * len(expected) + [Outcome.DELIVERED]
    assert all(a.error for a in attempts[:-1])


async def test_ocpi_2001_parks_a_dead_letter_and_the_object_moves_on(delivery: Delivery) -> None:
    delivery.receiver.behaviour = [Answer(200, 2001, message="evse_id: not eMI3")]
    first, second = await delivery.queue(2)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    async with delivery.storage.read() as uow:
        dead = await uow.outbox.get(first)
        ok = await uow.outbox.get(second)
    assert dead is not None and dead.state is MessageState.DEAD
    assert dead.last_error == "HTTP 200, OCPI 2001: evse_id: not eMI3"
    assert ok is not None and ok.state is MessageState.DELIVERED
    async with delivery.storage.transaction() as uow:
        assert await uow.outbox.retry(QueueFilter(), [first], datetime.now(UTC)) == 1
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 2, worker)


async def test_retry_after_is_honoured(delivery: Delivery) -> None:
    delivery.receiver.behaviour = [Answer(503, None, {"Retry-After": "120"})]
    [message_id] = await delivery.queue(1)
    before = datetime.now(UTC)
    worker = delivery.worker()
    await worker.drain_once()
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
        state = (await uow.partner_delivery.all())[delivery.partner.id]
    assert message is not None and message.state is MessageState.PENDING
    # the partner waits (its next probe), not the message: it is due with the partner
    assert state.next_probe_at is not None
    assert state.next_probe_at >= before + timedelta(seconds=119)
    assert await worker.drain_once() == 0


async def test_order_is_kept_per_object_through_failures(delivery: Delivery) -> None:
    delivery.receiver.behaviour = [Answer(503, None) if i % 3 == 0 else Answer() for i in range(60)]
    await delivery.queue(100, keys=7)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 100, worker)
    per_key: dict[str, list[int]] = {}
    for got in delivery.receiver.delivered():
        per_key.setdefault(got.body["key"], []).append(got.body["seq"])
    assert sorted(s for seqs in per_key.values() for s in seqs) == list(range(100))
    for seqs in per_key.values():
        assert seqs == sorted(seqs)


async def test_a_newer_full_put_supersedes_queued_messages(delivery: Delivery) -> None:
    patches = await delivery.queue(3, method="PATCH")
    [put] = await delivery.queue(1, method="PUT", full_replace=True, start=3)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    assert await worker.drain_once() == 0
    assert [r.method for r in delivery.receiver.received] == ["PUT"]
    async with delivery.storage.read() as uow:
        found = {i: await uow.outbox.get(i) for i in [*patches, put]}
    assert {i: m.state for i, m in found.items() if m} == {
        **dict.fromkeys(patches, MessageState.SUPERSEDED),
        put: MessageState.DELIVERED,
    }


async def test_messages_wait_while_the_partner_is_unregistered(delivery: Delivery) -> None:
    async with delivery.storage.transaction() as uow:
        await uow.partners.set_state(delivery.partner.id, PartnerState.UNREGISTERED)
    await delivery.queue(5)
    worker = delivery.worker()
    assert await worker.drain_once() == 0
    assert (await states(delivery))[MessageState.PENDING] == 5
    async with delivery.storage.transaction() as uow:
        await uow.partners.set_state(delivery.partner.id, PartnerState.REGISTERED)
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 5, worker)


async def test_too_old_becomes_a_dead_letter_not_dropped(delivery: Delivery) -> None:
    old = datetime.now(UTC) - timedelta(days=8)
    [message_id] = await delivery.queue(1, created_at=old)
    await delivery.worker().drain_once()
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
    assert message is not None and message.state is MessageState.DEAD
    assert "not delivered within 168 h" in (message.last_error or "")
    assert delivery.receiver.received == []


async def test_partner_down_then_back_replays_everything_in_order(delivery: Delivery) -> None:
    delivery.receiver.down = True
    await delivery.queue(1000, keys=50)
    worker = delivery.worker()
    for _ in range(5):
        await worker.drain_once()
    assert delivery.receiver.delivered() == []
    assert (await states(delivery))[MessageState.PENDING] == 1000
    delivery.receiver.down = False
    await delivery.until(lambda: len(delivery.receiver.delivered()) >= 1000, worker, limit=60)
    seqs = [r.body["seq"] for r in delivery.receiver.delivered()]
    assert sorted(seqs) == list(range(1000))  # complete, no duplicate
    per_key: dict[str, list[int]] = {}
    for got in delivery.receiver.delivered():
        per_key.setdefault(got.body["key"], []).append(got.body["seq"])
    assert all(s == sorted(s) for s in per_key.values())
    assert (await states(delivery))[MessageState.DELIVERED] == 1000


async def test_expired_claims_are_taken_over(delivery: Delivery) -> None:
    [message_id] = await delivery.queue(1)
    async with delivery.storage.transaction() as uow:
        # A worker that claimed it and died: its lease has run out.
        claimed = await uow.outbox.claim(
            "dead-worker", datetime.now(UTC), timedelta(seconds=-1), 10
        )
    assert [m.id for m in claimed] == [message_id]
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, delivery.worker())


async def test_unknown_object_answers_reach_the_repair_hook(delivery: Delivery) -> None:
    """HTTP 404 or OCPI 2003: parked, and handed to ``on_unknown_object`` in the same
    transaction (where issue 16 item 2 queues the repair); other 2xxx answers are not."""
    delivery.receiver.behaviour = [
        Answer(404, 2003, message="unknown location"),
        Answer(200, 2001, message="bad"),
        Answer(404, None),
    ]
    ids = await delivery.queue(3, keys=3)
    handed: list[list[int]] = []

    async def repair(uow: object, messages: list[QueuedMessage]) -> None:
        handed.append(sorted(m.id for m in messages))

    delivery.settings = delivery.settings.model_copy(
        update={
            "outbox": delivery.settings.outbox.model_copy(update={"concurrency_per_partner": 1})
        }
    )
    worker = delivery.worker()
    worker.on_unknown_object = repair
    assert await worker.drain_once() == 3
    assert (await states(delivery))[MessageState.DEAD] == 3
    assert handed == [[ids[0], ids[2]]]


async def test_a_record_the_database_aborts_as_a_deadlock_is_recorded_again_not_resent(
    delivery: Delivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round's record chosen as a deadlock victim (PostgreSQL SQLSTATE 40P01) runs again at
    once: the message is recorded delivered, not sent a second time after its lease."""
    from sqlalchemy.exc import DBAPIError

    from ocpi_cpo.storage.sql.repositories.outbox import SqlOutboxRepository

    class Deadlock(Exception):
        sqlstate = "40P01"

    original = SqlOutboxRepository.record_many
    aborted: list[int] = []

    async def once_a_victim(self: SqlOutboxRepository, results: object) -> None:
        if not aborted:
            aborted.append(1)
            raise DBAPIError("UPDATE outbox ...", None, Deadlock("deadlock detected"))
        await original(self, results)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlOutboxRepository, "record_many", once_a_victim)
    [message_id] = await delivery.queue(1)
    assert await delivery.worker().drain_once() == 1
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
        attempts = await uow.outbox.attempts(message_id)
    assert aborted == [1]
    assert message is not None and message.state is MessageState.DELIVERED
    assert len(attempts) == 1 and len(delivery.receiver.received) == 1
