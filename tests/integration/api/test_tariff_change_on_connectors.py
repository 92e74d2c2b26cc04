"""A price change (`tariffs change-price`) puts both tariff ids on the connectors that used the
old one, and a Gireve hub receives it as an EVSE-level PATCH with status and connectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.sim import demo_data
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, imported, registered


async def test_change_price_reaches_the_connectors_and_the_hub(network: Network) -> None:
    await registered(network)  # profile gireve-preprod: tariff changes as EVSE PATCH
    await network.client.put("/admin/tariffs", headers=ADMIN, json=demo_data.tariffs())
    await imported(network, [demo_data.location(1, datetime.now(UTC))])
    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    while await worker.drain_once():
        pass
    new = demo_data.tariff("AC22B", "0.35")
    del new["start_date_time"]
    at = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    response = await network.client.post(
        f"/admin/tariffs/FR/AB1/{demo_data.TARIFF_ID}/change-price",
        params={"at": at},
        headers=ADMIN,
        content=orjson.dumps(new),
    )
    assert response.json()["status_code"] == 1000, response.json()
    assert response.json()["data"]["connectors"] == 2
    stored = (await network.client.get("/admin/locations/FR/AB1/LOC1", headers=ADMIN)).json()
    ids = [c["tariff_ids"] for e in stored["data"]["evses"] for c in e["connectors"]]
    assert ids == [["AC22", "AC22B"], ["AC22", "AC22B"]]
    while await worker.drain_once():
        pass
    patches = [
        r
        for r in network.hub_state.requests
        if r["method"] == "PATCH" and r["path"].startswith("/ocpi/2.2.1/locations/FR/AB1/LOC1/")
    ]
    evse_level = [p for p in patches if p["path"].count("/") == 7]
    assert len(evse_level) == 2, patches
    for patch in evse_level:
        assert "status" in patch["body"] and "last_updated" in patch["body"]
        assert patch["body"]["connectors"][0]["tariff_ids"] == ["AC22", "AC22B"]
