"""A round whose requests were all answered leaves the partner's delivery state alone: the claim
takes no message of a partner marked down, so answers to messages claimed as usual say nothing
new. The round's record then neither inserts nor reads (on PostgreSQL: locks) the partner's row,
two statements fewer on the writer the stations' writes share. A failure still marks the partner
down, and its probe's answer brings it back."""

from __future__ import annotations

from tests.integration.outbound.conftest import Delivery
from tests.support.receiver import Answer
from tests.support.statements import statements_sent


def _reading_or_writing_the_partner_state(sent: list[str]) -> list[str]:
    """The record's look at the partner's state: its row inserted, read or updated (the claim's
    own statements only filter by it, or take a down partner's probe)."""
    return [
        statement
        for statement in sent
        if statement.startswith("INSERT INTO partner_delivery")
        or (statement.startswith("SELECT") and "FROM partner_delivery WHERE" in statement)
        or (
            statement.startswith("UPDATE partner_delivery")
            and "failures" in statement.split(" WHERE ")[0]
        )
    ]


async def test_a_round_of_answers_does_not_touch_the_partner_state(delivery: Delivery) -> None:
    worker = delivery.worker()
    with statements_sent(delivery.storage) as sent:
        await delivery.queue(20, keys=5)
        await delivery.until(lambda: len(delivery.receiver.delivered()) == 20, worker)
    assert worker.delivered == 20
    assert _reading_or_writing_the_partner_state(sent) == []
    async with delivery.storage.read() as uow:
        assert await uow.partner_delivery.all() == {}


async def test_a_failure_still_marks_the_partner_down_and_its_probe_brings_it_back(
    delivery: Delivery,
) -> None:
    worker = delivery.worker()
    delivery.receiver.behaviour = [Answer(http=503)]
    with statements_sent(delivery.storage) as sent:
        await delivery.queue(1)
        await worker.drain_once()
    assert _reading_or_writing_the_partner_state(sent) != []
    async with delivery.storage.read() as uow:
        state = (await uow.partner_delivery.all())[delivery.partner.id]
    assert state.down_since is not None and state.failures == 1
    # the probe (the same message, due again at once) is answered: the partner is up again
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    async with delivery.storage.read() as uow:
        state = (await uow.partner_delivery.all())[delivery.partner.id]
    assert state.available and state.failures == 0
