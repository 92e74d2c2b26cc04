"""Reconciliation on a schedule (issue 16 item 4): the checks run against a hub that lost
objects, what differs is repaired with full PUTs, and the result shows in the admin API and
/metrics; a partner already reconciled since the last slot, or registered after it, waits."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import orjson

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.schedule import latest_slot
from ocpi_cpo.outbound.reconcile import Reconciler
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, imported, registered
from tests.integration.api.test_locations_push import deliver, set_status
from tests.support.locations import make_location


class Later:
    """The system clock, a day ahead: the partner registered before the latest slot."""

    def now(self) -> datetime:
        return SystemClock().now() + timedelta(days=1)


def test_latest_slot() -> None:
    at = time(3, 0)
    moment = datetime.fromisoformat("2026-12-03T04:10:00+00:00")
    assert latest_slot(moment, at, timedelta(hours=24)).isoformat() == "2026-12-03T03:00:00+00:00"
    early = datetime.fromisoformat("2026-12-03T02:59:00+00:00")
    assert latest_slot(early, at, timedelta(hours=24)).isoformat() == "2026-12-02T03:00:00+00:00"
    assert latest_slot(moment, at, timedelta(hours=6)).isoformat() == "2026-12-03T03:00:00+00:00"
    night = datetime.fromisoformat("2026-12-03T23:00:00+00:00")
    assert latest_slot(night, at, timedelta(hours=6)).isoformat() == "2026-12-03T21:00:00+00:00"


async def test_reconciliation_repairs_and_reports(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1), make_location(2), make_location(3)])
    await deliver(network)
    stale = orjson.loads(orjson.dumps(network.hub_state.locations["FR/AB1/LOC2"]))
    assert await set_status(network, "E2-2", "OUTOFORDER")
    await deliver(network)
    network.hub_state.locations["FR/AB1/LOC2"] = stale  # the hub lost the PATCH
    del network.hub_state.locations["FR/AB1/LOC3"]  # and forgot LOC3

    context = network.app.state.ocpi
    assert await Reconciler(context).tick() == []  # registered after today's slot: not due
    reconciler = Reconciler(context, clock=Later())
    [result] = await reconciler.tick()
    assert result.differences == 2 and result.repaired == 2
    assert result.checked >= 3
    assert await reconciler.tick() == []  # done for this slot
    assert await deliver(network) == 2
    held = network.hub_state.locations
    assert held["FR/AB1/LOC2"]["evses"][1]["status"] == "OUTOFORDER"
    assert "FR/AB1/LOC3" in held

    listed = (await network.client.get("/admin/partners", headers=ADMIN)).json()["data"]
    [hub] = [p for p in listed if p["name"] == "gireve"]
    assert hub["reconciliation"]["differences"] == 2
    assert hub["reconciliation"]["repaired"] == 2
    scraped = (await network.client.get("/metrics", headers=ADMIN)).text
    assert 'ocpi_cpo_reconcile_differences{partner="gireve"} 2.0' in scraped
    assert 'ocpi_cpo_reconcile_repaired{partner="gireve"} 2.0' in scraped
    assert 'ocpi_cpo_reconcile_last_run_timestamp_seconds{partner="gireve"}' in scraped
