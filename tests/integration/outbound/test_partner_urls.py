"""Issue 24: a partner's URLs as it gave them. A receiver that advertises trailing-slash URLs and
answers 307 for the bare ones gets every message, for every module we push to; other redirects
are retried and shown, never followed to another host, never parked on the first try; a dead CDR
raises an alert."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from ocpi_cpo import metrics
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, NewMessage, Outcome, Routing, path_of
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.partners import Direction, Endpoint, Partner, PartyRole
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.ocpi.v2_2_1.locations.receiver import receiver_url
from ocpi_cpo.ocpi.v2_2_1.sessions.receiver import session_url
from ocpi_cpo.ocpi.v2_2_1.tokens.client import HubAuthorizer
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.factories import make_settings
from tests.support.partners import add_registered
from tests.support.slash_receiver import SlashReceiver

ROUTING = Routing("FR", "AB1", "DE", "EXA")
PUSHED = ("locations", "sessions", "cdrs", "tariffs")


async def _partner(storage: SqlStorage, receiver: SlashReceiver) -> Partner:
    endpoints = [Endpoint(m, "RECEIVER", receiver.advertised(m)) for m in PUSHED]
    endpoints.append(Endpoint("tokens", "SENDER", receiver.advertised("tokens")))
    async with storage.transaction() as uow:
        return await add_registered(
            uow,
            "emsp",
            PartyRole("EMSP", "DE", "EXA"),
            endpoints=endpoints,
            versions_url=f"{receiver.base_url}/ocpi/versions/",
            direction=Direction.TO_PARTNER,
        )


def _messages(partner: Partner, receiver: SlashReceiver) -> list[NewMessage]:
    """One message per module, with the relative URLs the services build."""

    def message(module: str, key: str, method: str, url: str, **extra: object) -> NewMessage:
        body = orjson.dumps({"module": module})
        return NewMessage(partner.id, module, key, method, url, body, routing=ROUTING, **extra)  # type: ignore[arg-type]

    response_url = f"{receiver.base_url}/ocpi/emsp/2.2.1/commands/START_SESSION/ref-1"
    return [
        message("locations", "L1", "PUT", receiver_url(LocationKey("FR", "AB1", "L1"))),
        message("sessions", "S1", "PUT", session_url(SessionKey("FR", "AB1", "S1"))),
        message("cdrs", "cdr/FR/AB1/C1", "POST", ""),
        message("tariffs", "FR/AB1/T1", "PUT", path_of("FR", "AB1", "T1")),
        message("commands", "command/1", "POST", response_url, interface=None),
    ]


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    transport = AiohttpTransport()
    yield transport
    await transport.close()


async def _deliver(
    storage: SqlStorage, transport: AiohttpTransport, database_url: str, messages: list[NewMessage]
) -> tuple[OutboxWorker, list[int]]:
    settings = make_settings(database_url, outbox={"backoff_base_seconds": 60})
    async with storage.transaction() as uow:
        ids = [await uow.outbox.add(m, datetime.now(UTC)) for m in messages]
    worker = OutboxWorker(storage, transport, settings, SystemClock())
    assert await worker.drain_once() == len(messages)
    return worker, ids


async def test_trailing_slash_receiver_gets_every_module(
    storage: SqlStorage, database_url: str, transport: AiohttpTransport
) -> None:
    receiver = SlashReceiver()
    await receiver.start()
    try:
        partner = await _partner(storage, receiver)
        _, ids = await _deliver(storage, transport, database_url, _messages(partner, receiver))
        async with storage.read() as uow:
            states = [(await uow.outbox.get(i)).state for i in ids]  # type: ignore[union-attr]
        assert states == [MessageState.DELIVERED] * 5
        answer = await HubAuthorizer(transport, 5.0).authorize(
            partner, "04 AB", "RFID", "L1", "E1", ROUTING
        )
        assert answer.allowed == "ALLOWED", answer.reason
    finally:
        await receiver.stop()
    base = "/ocpi/emsp/2.2.1"
    # the CDR goes to the advertised URL as given: no redirect needed
    assert [(s.method, s.path_qs) for s in receiver.seen if "/cdrs" in s.path_qs] == [
        ("POST", f"{base}/cdrs/")
    ]
    for fragment, method, final in [
        ("/locations", "PUT", f"{base}/locations/FR/AB1/L1/"),
        ("/sessions", "PUT", f"{base}/sessions/FR/AB1/S1/"),
        ("/tariffs", "PUT", f"{base}/tariffs/FR/AB1/T1/"),
        ("/commands", "POST", f"{base}/commands/START_SESSION/ref-1/"),
        ("/tokens", "POST", f"{base}/tokens/04%20AB/authorize/?type=RFID"),
    ]:
        # the bare URL answered 307, the slashed one got the same method, body and token
        [got] = receiver.delivered(fragment)
        assert (got.method, got.path_qs) == (method, final)
        assert got.authorization is not None and got.authorization.startswith("Token ")
        assert got.body is not None
        assert [s.redirected for s in receiver.seen if fragment in s.path_qs] == [True, False]


@pytest.mark.parametrize("status", [301, 302, 303])
async def test_other_redirects_are_retried_and_shown(
    storage: SqlStorage, database_url: str, transport: AiohttpTransport, status: int
) -> None:
    receiver = SlashReceiver(redirect_status=status)
    await receiver.start()
    try:
        partner = await _partner(storage, receiver)
        [location] = _messages(partner, receiver)[:1]
        _, [message_id] = await _deliver(storage, transport, database_url, [location])
    finally:
        await receiver.stop()
    async with storage.read() as uow:
        message = await uow.outbox.get(message_id)
        [attempt] = await uow.outbox.attempts(message_id)
    assert message is not None and message.state is MessageState.PENDING
    assert (attempt.http_status, attempt.outcome) == (status, Outcome.RETRY)
    assert attempt.error is not None and f"HTTP {status} redirect to" in attempt.error
    assert "only 307 and 308" in attempt.error
    assert [s.redirected for s in receiver.seen] == [True]


async def test_redirect_to_another_host_is_not_followed(
    storage: SqlStorage, database_url: str, transport: AiohttpTransport
) -> None:
    elsewhere = SlashReceiver()
    await elsewhere.start()
    receiver = SlashReceiver(redirect_to=elsewhere.base_url)
    await receiver.start()
    try:
        partner = await _partner(storage, receiver)
        cdr = _messages(partner, receiver)[2]
        cdr = NewMessage(cdr.partner_id, "locations", "L9", "PUT", "/FR/AB1/L9", cdr.body)
        _, [message_id] = await _deliver(storage, transport, database_url, [cdr])
    finally:
        await receiver.stop()
        await elsewhere.stop()
    assert elsewhere.seen == []  # our token went nowhere else
    async with storage.read() as uow:
        [attempt] = await uow.outbox.attempts(message_id)
    assert (attempt.http_status, attempt.outcome) == (307, Outcome.RETRY)
    assert attempt.error is not None and "another origin" in attempt.error


async def test_a_dead_cdr_raises_an_alert(
    storage: SqlStorage,
    database_url: str,
    transport: AiohttpTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = SlashReceiver()
    await receiver.start()
    try:
        partner = await _partner(storage, receiver)
        # a CDRs endpoint that answers 404 without an envelope: a dead letter at once
        cdr = NewMessage(partner.id, "cdrs", "cdr/FR/AB1/C2", "POST", "/nowhere/", b"{}")
        counter = metrics.DEAD_LETTERS.labels("emsp", "cdrs")
        before = counter._value.get()
        with caplog.at_level(logging.ERROR, logger="ocpi_cpo.outbox"):
            _, [message_id] = await _deliver(storage, transport, database_url, [cdr])
    finally:
        await receiver.stop()
    async with storage.read() as uow:
        message = await uow.outbox.get(message_id)
    assert message is not None and message.state is MessageState.DEAD
    assert counter._value.get() == before + 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "CDR message" in record.getMessage() and "dead letter" in record.getMessage()
    assert "their-token" not in record.getMessage()
