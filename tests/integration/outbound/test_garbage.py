"""A partner answering garbage (issue 16, "Bad input"): not JSON, no envelope, a status that is not
a number, NUL bytes, an absurd Location header. Each is one failed attempt recorded with an
excerpt; the worker goes on, and the message is delivered when the partner answers properly."""

from __future__ import annotations

import pytest

from ocpi_cpo.domain.delivery import MessageState, Outcome
from tests.integration.outbound.conftest import Delivery
from tests.support.receiver import Answer

GARBAGE = {
    "html": Answer(200, None, raw=b"<html><body>Welcome to nginx!</body></html>"),
    "no-envelope": Answer(200, None, raw=b'{"result": "ok"}'),
    "status-as-text": Answer(200, None, raw=b'{"status_code": "1000", "timestamp": "x"}'),
    "status-as-bool": Answer(200, None, raw=b'{"status_code": true}'),
    "json-list": Answer(201, None, raw=b"[1000]"),
    "nul-bytes": Answer(200, None, raw=b"\x00\xff\xfe garbage \x00"),
    "empty": Answer(200, None, raw=b""),
    "huge-location": Answer(200, None, headers={"Location": "http://x/" + "a" * 5000}, raw=b"\x00"),
}


@pytest.mark.parametrize("answer", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_is_one_failed_attempt(delivery: Delivery, answer: Answer) -> None:
    delivery.receiver.behaviour = [answer]
    [message_id] = await delivery.queue(1)
    worker = delivery.worker()
    await delivery.until(lambda: len(delivery.receiver.delivered()) == 1, worker)
    async with delivery.storage.read() as uow:
        message = await uow.outbox.get(message_id)
        attempts = await uow.outbox.attempts(message_id)
    assert message is not None and message.state is MessageState.DELIVERED
    assert [a.outcome for a in attempts] == [Outcome.RETRY, Outcome.DELIVERED]
    failed = attempts[0]
    assert (failed.http_status, failed.ocpi_status) == (answer.http, None)
    assert failed.error is not None and "without an OCPI envelope" in failed.error
    assert failed.excerpt is not None or answer.raw == b""
    if answer.raw:
        assert failed.excerpt
    assert "\x00" not in (failed.excerpt or "") + failed.error
