"""Repair instead of parking, for Sessions (issue 16 item 2): a plain OCPI 2.2.1 partner (the
Gireve profiles get every session update as a PUT already) that lost a Session answers its next
PATCH with HTTP 404 / OCPI 2003; one full PUT of the Session's current state replaces it, the
PATCHes queued behind are superseded, the repair is on the attempt and in /metrics, and the
partner ends holding our Session exactly."""

from __future__ import annotations

import re

import orjson

from ocpi_cpo.domain.delivery import MessageState, Outcome, QueueFilter
from ocpi_cpo.domain.stations import ChargingState
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import ADMIN, deliver, meter, ready, start, state, stop

_REPAIRS = re.compile(
    r'^ocpi_cpo_outbox_repairs_total\{module="sessions",partner="gireve"\} (\S+)$', re.M
)


async def _repairs_counted(network: Network) -> float:
    scraped = (await network.client.get("/metrics", headers=ADMIN)).text
    found = _REPAIRS.search(scraped)
    return float(found.group(1)) if found else 0.0


async def test_a_session_patch_answered_unknown_is_repaired_with_one_whole_put(
    network: Network,
) -> None:
    await ready(network, profile="ocpi-2.2.1")
    await start(network)
    await state(network, 0, ChargingState.CHARGING)
    await deliver(network)
    [key] = network.hub_state.sessions
    before = len(network.hub_state.requests)
    counted = await _repairs_counted(network)

    network.hub_state.sessions.clear()  # the partner lost it (a restart, a purge)
    await meter(network, 15, 6000, 22000)  # a PATCH the partner cannot apply...
    await state(network, 30, ChargingState.NOT_CHARGING)  # ...and one queued behind it
    async with network.storage.read() as uow:
        queued = await uow.outbox.find(QueueFilter(module="sessions", state=MessageState.PENDING))
    assert [m.method for m in queued] == ["PATCH", "PATCH"]
    await deliver(network)

    sent = [
        (r["method"], r["path"].split("/sessions/")[1])
        for r in network.hub_state.requests[before:]
        if r["module"] == "sessions"
    ]
    assert sent == [("PATCH", key), ("PUT", key)]
    async with network.storage.read() as uow:
        [ours] = await uow.sessions.recent(1)
        messages = await uow.outbox.find(QueueFilter(module="sessions"), limit=100)
        by_id = sorted(messages, key=lambda m: m.id)
        repaired = await uow.outbox.attempts(queued[0].id)
        obsolete = await uow.outbox.attempts(queued[1].id)
    held = network.hub_state.sessions[key]
    assert held == orjson.loads(orjson.dumps(ours.document()))
    assert held["status"] == "ACTIVE" and held["charging_periods"]  # closed at 10:30

    states = {m.id: (m.method, m.state) for m in by_id}
    assert states[queued[0].id] == ("PATCH", MessageState.SUPERSEDED)
    assert states[queued[1].id] == ("PATCH", MessageState.SUPERSEDED)
    assert obsolete == []  # never sent: the PUT carries it
    assert (by_id[-1].method, by_id[-1].state) == ("PUT", MessageState.DELIVERED)
    [attempt] = repaired
    assert attempt.outcome is Outcome.REPAIRED
    assert (attempt.http_status, attempt.ocpi_status) == (404, 2003)
    assert attempt.error is not None and "full PUT" in attempt.error
    assert await _repairs_counted(network) == counted + 1

    # Later changes are PATCHes again, applied on the repaired Session.
    await stop(network, 40, 9000)
    await deliver(network)
    async with network.storage.read() as uow:
        [ours] = await uow.sessions.recent(1)
    assert network.hub_state.sessions[key] == orjson.loads(orjson.dumps(ours.document()))
    assert network.hub_state.sessions[key]["status"] == "COMPLETED"
    assert await _repairs_counted(network) == counted + 1
