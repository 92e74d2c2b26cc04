"""Gireve's 2.1.1 IOP (the simulated hub with version 2.1.1) on the in-process network: it
registers FromIOP on our 2.1.1 credentials endpoint with its token as it is, and when it pulls our
2.1.1 Tariffs Sender it gets one description per tariff id, the default one
(docs/gireve-2.1.1.md §7), where the hub on 2.2.1 gets every description (gireve.md §12.4)."""

from __future__ import annotations

from ocpi_cpo.sim.hub import SimHubState, create_hub_app, register_from_iop
from ocpi_cpo.sim.hub_control import pull_module
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN
from tests.integration.api.sessions_support import AC22
from tests.support.factories import CPO_HOST

HUB_211 = "hub211.test"


async def test_gireve_on_211_pulls_one_description_per_tariff(network: Network) -> None:
    targeted = {
        **AC22,
        "target_operator_country_code": "NL",
        "target_operator_party_id": "EMS",
        "elements": [{**AC22["elements"][0], "price_components": [
            {**c, "price": c["price"] / 2} for c in AC22["elements"][0]["price_components"]
        ]}],
    }  # fmt: skip
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22, targeted])
    assert response.json()["status_code"] == 1000, response.json()

    hub = SimHubState("FR", "107", f"http://{HUB_211}", quiet=True, version="2.1.1")
    network.transport.apps[HUB_211] = create_hub_app(hub, transport=network.transport)
    versions = f"http://{CPO_HOST}/ocpi/versions"
    # one registration per operation (docs/gireve-2.1.1.md §2): this one is FR*AB1's
    token = await network.invite("gireve211", "gireve-preprod", "FR*AB1")
    assert (await register_from_iop(hub, network.transport, versions, token))["ok"]
    assert hub.cpo_party == ("FR", "AB1") and "tariffs" in hub.cpo_endpoints
    on_211 = await pull_module(hub, network.transport, "tariffs", None, {})
    assert on_211["ok"] and on_211["ids"] == ["AC22"], on_211
    assert all(not r["problems"] for r in hub.requests)

    token = await network.invite("gireve221", "gireve-preprod")
    assert (await network.hub_registers(token))["ok"]
    on_221 = await pull_module(network.hub_state, network.transport, "tariffs", None, {})
    assert on_221["ok"] and on_221["ids"] == ["AC22", "AC22"], on_221
