"""OCPI 2.1.1 Senders for a 2.1.1 eMSP (mod_locations, mod_tariffs, mod_sessions, mod_cdrs 2.1.1,
CPO interface): the same rows, visibility and paging headers as 2.2.1, each object in 2.1.1 form;
the details endpoint lists every module we mount."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from ocpi_cpo.ocpi.v2_1_1.locations.schemas import EVSE, Connector, Location
from ocpi_cpo.ocpi.v2_1_1.tariffs.schemas import Tariff
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, imported
from tests.integration.api.ocpi_211_support import registered_211
from tests.integration.api.sessions_support import AC22
from tests.support.locations import make_location


def _data(response: Any) -> Any:
    body = response.json()
    assert body["status_code"] == 1000, body
    return body["data"]


async def test_the_211_details_list_every_module_we_mount(network: Network) -> None:
    emsp = await registered_211(network)
    details = _data(await network.client.get("/ocpi/2.1.1", headers=emsp.headers()))
    listed = {e["identifier"]: e["url"] for e in details["endpoints"]}
    paths = network.app.openapi()["paths"]
    mounted = {p for p in paths if p.startswith("/ocpi/2.1.1/")}
    for identifier, url in listed.items():
        assert url == f"http://cpo.test/ocpi/2.1.1/{identifier}"
        assert any(p == f"/ocpi/2.1.1/{identifier}" or p.startswith(f"/ocpi/2.1.1/{identifier}/")
                   for p in mounted), identifier  # fmt: skip
    modules = {p.split("/")[3] for p in mounted}
    assert modules == set(listed)
    assert {"credentials", "locations", "sessions", "cdrs", "tariffs"} <= set(listed)


async def test_locations_pages_in_211_form_with_the_paging_headers(network: Network) -> None:
    emsp = await registered_211(network)
    await imported(network, [make_location(n) for n in (1, 2, 3)])
    await imported(network, [make_location(9, publish=False)])
    first = await network.client.get(
        "/ocpi/2.1.1/locations", params={"limit": 2}, headers=emsp.headers()
    )
    page = _data(first)
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Limit"] == str(network.settings.page_limits.locations)
    link = first.headers["Link"]
    assert link.startswith("<http://cpo.test/ocpi/2.1.1/locations?") and 'rel="next"' in link
    query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
    assert query == {"offset": ["2"], "limit": ["2"]}
    second = await network.client.get(
        "/ocpi/2.1.1/locations", params={"offset": 2, "limit": 2}, headers=emsp.headers()
    )
    assert "Link" not in second.headers
    locations = page + _data(second)
    assert [loc["id"] for loc in locations] == ["LOC1", "LOC2", "LOC3"]
    for location in locations:
        Location.model_validate(location)
        assert location["type"] == "ON_STREET"
        assert not {"country_code", "party_id", "publish", "parking_type"} & set(location)
        connector = location["evses"][0]["connectors"][0]
        assert connector["tariff_id"] == "AC22" and "tariff_ids" not in connector

    one = _data(await network.client.get("/ocpi/2.1.1/locations/LOC2", headers=emsp.headers()))
    assert one == locations[1]
    evse = _data(
        await network.client.get("/ocpi/2.1.1/locations/LOC2/E2-1", headers=emsp.headers())
    )
    EVSE.model_validate(evse)
    assert evse == locations[1]["evses"][0]
    connector = _data(
        await network.client.get("/ocpi/2.1.1/locations/LOC2/E2-1/1", headers=emsp.headers())
    )
    Connector.model_validate(connector)
    assert connector == locations[1]["evses"][0]["connectors"][0]
    # A private Location is neither listed nor found; a bad parameter names itself.
    hidden = await network.client.get("/ocpi/2.1.1/locations/LOC9", headers=emsp.headers())
    assert hidden.json()["status_code"] == 2003
    bad = await network.client.get(
        "/ocpi/2.1.1/locations", params={"date_from": "yesterday"}, headers=emsp.headers()
    )
    assert bad.json()["status_code"] == 2001 and "date_from" in bad.json()["status_message"]


async def test_tariffs_page_in_211_form_and_one_211_cannot_say_is_left_out(
    network: Network,
) -> None:
    # Published before the 2.1.1 eMSP came: nothing refused it then.
    narrow = {**AC22, "id": "NARROW", "elements": [
        {**AC22["elements"][0], "restrictions": {"max_current": 16}}
    ]}  # fmt: skip
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22, narrow])
    assert response.json()["status_code"] == 1000, response.json()
    emsp = await registered_211(network)
    listed = await network.client.get("/ocpi/2.1.1/tariffs", headers=emsp.headers())
    tariffs = _data(listed)
    assert [t["id"] for t in tariffs] == ["AC22"]
    [tariff] = tariffs
    Tariff.model_validate(tariff)
    assert not {"country_code", "party_id", "type", "start_date_time"} & set(tariff)
    assert all("vat" not in c for c in tariff["elements"][0]["price_components"])
    assert tariff["elements"][0]["price_components"][1] == {
        "type": "ENERGY",
        "price": 0.3,
        "step_size": 1,
    }
    # The 2.2.1 page still has both, in 2.2.1 form.
    assert listed.headers["X-Limit"] == str(network.settings.page_limits.tariffs)


async def test_a_221_caller_token_reads_211_pages_too_but_never_private_ones(
    network: Network,
) -> None:
    emsp = await registered_211(network)
    await imported(network, [make_location(1)])
    raw = await network.client.get("/ocpi/2.1.1/locations", headers=emsp.headers())
    assert orjson.loads(raw.content)["data"][0]["id"] == "LOC1"
    unknown = await network.client.get(
        "/ocpi/2.1.1/locations", headers={"Authorization": "Token not-a-token"}
    )
    assert unknown.status_code == 401
