"""Reconciliation of Sessions and CDRs (issue 16 item 4), the Sessions and CDRs read-backs
against a hub that lost or changed what we sent: a Session that differs, or that the hub no
longer holds, is sent again whole; a CDR that is missing or differs is reported, never POSTed a
second time (mod_cdrs has no PUT: a second POST would bill the driver twice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted, TransactionStopped
from ocpi_cpo.outbound.reconcile import Reconciler
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import ADMIN, UID, at, deliver, events, ready


class Ahead:
    """The system clock, ``days`` ahead: the partner registered before the latest slot."""

    def __init__(self, days: int) -> None:
        self.days = days

    def now(self) -> datetime:
        return SystemClock().now() + timedelta(days=self.days)


async def _charge(network: Network, transaction: str, start: int, stop: int | None) -> None:
    """A charge on E1-1 from ``at(start)``, stopped at ``at(stop)`` unless None."""
    pipe = events(network)
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    started = await pipe.transaction_started(
        TransactionStarted("ST1", "E1-1", "1", transaction, UID, "RFID", Decimal(0), at(start))
    )
    assert started.allowed
    if stop is not None:
        await pipe.transaction_stopped(
            TransactionStopped("ST1", transaction, Decimal(5000), at(stop), reason="Local")
        )


def _ours(document: Any) -> Any:
    return orjson.loads(orjson.dumps(document))


def _cdr_posts(network: Network) -> int:
    return sum(
        1 for r in network.hub_state.requests if r["module"] == "cdrs" and r["method"] == "POST"
    )


async def test_sessions_that_differ_are_sent_whole_and_cdrs_are_reported_once_posted(
    network: Network,
) -> None:
    await ready(network, profile="ocpi-2.2.1")
    await _charge(network, "TX1", 0, 30)  # COMPLETED, with a CDR
    await _charge(network, "TX2", 40, 70)  # COMPLETED, with a CDR
    await _charge(network, "TX3", 80, None)  # still ACTIVE
    await deliver(network)
    async with network.storage.read() as uow:
        sessions = {
            f"{s.key.country_code}/{s.key.party_id}/{s.key.id}": _ours(s.document())
            for s in await uow.sessions.recent(10)
        }
    assert network.hub_state.sessions == sessions and len(sessions) == 3
    assert _cdr_posts(network) == 2
    first, _, active = sorted(sessions, key=lambda k: sessions[k]["start_date_time"])

    held = network.hub_state.sessions
    held[first]["status"] = "ACTIVE"  # the hub missed the end of the first charge
    held[first]["kwh"] = 1
    del held[active]  # and lost the running one
    one, two = sorted(network.hub_state.cdrs)
    del network.hub_state.cdrs[one]  # a CDR lost at the hub
    network.hub_state.cdrs[two]["total_energy"] = 99  # one that differs in two fields
    network.hub_state.cdrs[two]["total_cost"] = {"excl_vat": 0}

    reconciler = Reconciler(network.app.state.ocpi, clock=Ahead(1))
    [result] = await reconciler.tick()
    # 2 Sessions differ and are repaired; 2 CDRs differ (one missing, one in two fields): reported
    assert (result.differences, result.repaired) == (4, 2), result
    assert result.problems is not None and "cdrs: 2 differ" in result.problems
    assert "cdrs check" in result.problems
    assert await deliver(network) == 2
    assert network.hub_state.sessions == sessions  # both sent whole, as we hold them
    assert network.hub_state.sessions[first]["status"] == "COMPLETED"
    assert _cdr_posts(network) == 2  # never POSTed again

    # The next slot: Sessions agree now; the CDRs are still reported, still not POSTed.
    [later] = await Reconciler(network.app.state.ocpi, clock=Ahead(2)).tick()
    assert (later.differences, later.repaired) == (2, 0), later
    assert await deliver(network) == 0
    assert _cdr_posts(network) == 2

    listed = (await network.client.get("/admin/partners", headers=ADMIN)).json()["data"]
    [hub] = listed
    assert hub["reconciliation"]["differences"] == 2 and hub["reconciliation"]["repaired"] == 0
    assert "cdrs: 2 differ" in hub["reconciliation"]["problems"]
