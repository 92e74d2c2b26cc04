"""Order across modules (issue 16 item 5): a CDR goes out only after its session's final state
was delivered to that partner, or parked."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from ocpi_cpo.domain.delivery import MessageState, NewMessage
from ocpi_cpo.services.session_pushes import cdr_after_key, cdr_object_key
from tests.integration.outbound.conftest import ROUTING, Delivery
from tests.support.receiver import Answer

CDR = {"country_code": "FR", "party_id": "AB1", "id": "CDR1", "session_id": "S1", "key": "cdr"}


async def _queue_session_then_cdr(delivery: Delivery) -> tuple[int, int]:
    session = NewMessage(
        delivery.partner.id,
        "sessions",
        "FR/AB1/S1",
        "PUT",
        f"{delivery.receiver.base_url}/ocpi/2.2.1/sessions/FR/AB1/S1",
        orjson.dumps({"status": "COMPLETED", "key": "session"}),
        interface=None,  # the test partner advertises Locations only: absolute URLs
        routing=ROUTING,
    )
    cdr = NewMessage(
        delivery.partner.id,
        "cdrs",
        cdr_object_key(CDR),
        "POST",
        f"{delivery.receiver.base_url}/ocpi/2.2.1/cdrs/",
        orjson.dumps(CDR),
        interface=None,
        routing=ROUTING,
        after_key=cdr_after_key(CDR),
    )
    async with delivery.storage.transaction() as uow:
        ids = (
            await uow.outbox.add(session, datetime.now(UTC)),
            await uow.outbox.add(cdr, datetime.now(UTC)),
        )
    return ids


@pytest.mark.parametrize(
    ("answers", "session_state"),
    [
        ([Answer(200, 4001), Answer(200, 4001)], MessageState.DELIVERED),  # retried twice
        ([Answer(200, 2001, message="bad session")], MessageState.DEAD),  # parked
    ],
    ids=["session-retried", "session-parked"],
)
async def test_cdr_waits_for_its_session(
    delivery: Delivery, answers: list[Answer], session_state: MessageState
) -> None:
    assert cdr_after_key(CDR) == "FR/AB1/S1"
    delivery.receiver.behaviour = list(answers)
    session_id, cdr_id = await _queue_session_then_cdr(delivery)
    worker = delivery.worker()
    await delivery.until(
        lambda: any(r.body["key"] == "cdr" and r.ok for r in delivery.receiver.received), worker
    )
    keys = [r.body["key"] for r in delivery.receiver.received]
    # every session attempt came first; the CDR was sent once, after the last of them
    assert keys == ["session"] * len(keys[:-1]) + ["cdr"]
    assert len(keys) == len(answers) + (2 if session_state is MessageState.DELIVERED else 1)
    async with delivery.storage.read() as uow:
        session = await uow.outbox.get(session_id)
        cdr = await uow.outbox.get(cdr_id)
    assert session is not None and session.state is session_state
    assert cdr is not None and cdr.state is MessageState.DELIVERED


async def test_a_cdr_without_a_session_does_not_wait(delivery: Delivery) -> None:
    lone = {**CDR, "session_id": None}
    assert cdr_after_key(lone) is None
    other = {**CDR, "session_id": "S-never-sent"}
    message = NewMessage(
        delivery.partner.id,
        "cdrs",
        cdr_object_key(other),
        "POST",
        f"{delivery.receiver.base_url}/ocpi/2.2.1/cdrs/",
        orjson.dumps(other),
        interface=None,
        routing=ROUTING,
        after_key=cdr_after_key(other),
    )
    async with delivery.storage.transaction() as uow:
        await uow.outbox.add(message, datetime.now(UTC))
    assert await delivery.worker().drain_once() == 1


async def test_a_held_command_result_waits_until_released(delivery: Delivery) -> None:
    """A command result queued before its CommandResponse went out is held (``not_before``)
    until ``release_held`` (the response was sent), never sent before it."""
    from datetime import timedelta

    now = datetime.now(UTC)
    result = NewMessage(
        delivery.partner.id,
        "commands",
        "command/7",
        "POST",
        f"{delivery.receiver.base_url}/emsp/commands/START_SESSION/7",
        b'{"result": "ACCEPTED"}',
        interface=None,
        not_before=now + timedelta(seconds=5),
    )
    async with delivery.storage.transaction() as uow:
        await uow.outbox.add(result, now)
    worker = delivery.worker()
    assert await worker.drain_once() == 0  # held: the eMSP has not had its answer yet
    async with delivery.storage.transaction() as uow:
        assert await uow.outbox.release_held(delivery.partner.id, "command/7", now) == 1
    assert await worker.drain_once() == 1
    assert [r.path for r in delivery.receiver.received] == ["/emsp/commands/START_SESSION/7"]
