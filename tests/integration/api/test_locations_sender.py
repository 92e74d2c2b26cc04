"""Locations Sender: spec examples as golden files, pagination, GET of one object, visibility."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.ocpi.pull import next_link
from ocpi_cpo.ocpi.v2_2_1.locations.mapping import parse_locations
from ocpi_cpo.services.locations import row_of
from tests.contract.spec_examples import load_example, normalise, raw_example
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import imported, registered
from tests.support.factories import make_settings
from tests.support.locations import make_location

SPEC_LOCATIONS = [
    "location_example.json",
    "location_example_uc2_destination_charger.json",
    "location_example_uc4_limited_visibility.json",
    "location_example_uc5_home_charge_point.json",
    "location_example_parking_garage_opening_hours.json",
]
LOCATIONS = "/ocpi/2.2.1/locations"


async def store_spec_example(network: Network, name: str) -> dict[str, Any]:
    """Store the example as it is (it breaks Gireve's rules, so not through the import)."""
    documents, _ = parse_locations(raw_example(name).encode())
    async with network.storage.transaction() as uow:
        await uow.locations.add([row_of(LocationKey.of(documents[0]), documents[0])])
    expected = normalise(load_example(name))
    assert isinstance(expected, dict)
    return expected


@pytest.mark.parametrize("name", SPEC_LOCATIONS)
async def test_spec_examples_are_served_as_they_are(network: Network, name: str) -> None:
    token = await registered(network)
    expected = await store_spec_example(network, name)
    listed = await network.client.get(LOCATIONS, headers=auth(token))
    assert listed.json()["data"] == [expected]
    one = await network.client.get(f"{LOCATIONS}/{expected['id']}", headers=auth(token))
    assert one.json()["data"] == expected
    evse = expected["evses"][0]
    got = await network.client.get(
        f"{LOCATIONS}/{expected['id']}/{evse['uid']}", headers=auth(token)
    )
    assert got.json()["data"] == evse
    connector = evse["connectors"][0]
    got = await network.client.get(
        f"{LOCATIONS}/{expected['id']}/{evse['uid']}/{connector['id']}", headers=auth(token)
    )
    assert got.json()["data"] == connector


async def test_spec_example_breaks_gireve_rules_on_import(network: Network) -> None:
    network.app.state.ocpi.settings = make_settings(
        network.settings.database_url,
        operations=[{"operator_id": "BE*BEC", "name": "BeCharged"}],
    )
    response = await network.client.post(
        "/admin/locations",
        headers={"Authorization": "Bearer admin-token-0123456789abcdef"},
        content=raw_example("location_example.json"),
    )
    body = response.json()
    assert body["status_code"] == 2001
    assert [p["path"] for p in body["data"]] == [
        "owner.name",
        "evses[0].connectors[1].tariff_ids",
    ]


async def test_a_hub_pulls_25_locations_page_by_page(network: Network) -> None:
    network.app.state.ocpi.settings = make_settings(
        network.settings.database_url, page_limits={"locations": 10}
    )
    token = await registered(network)
    await imported(network, [make_location(n) for n in range(1, 26)])
    seen: list[str] = []
    url: str | None = f"http://cpo.test{LOCATIONS}?date_from=2025-01-01T00:00:00Z&limit=50"
    pages = 0
    while url is not None:
        response = await network.client.get(url, headers=auth(token))
        pages += 1
        assert response.headers["x-total-count"] == "25"
        assert response.headers["x-limit"] == "10"
        seen += [location["id"] for location in response.json()["data"]]
        url = next_link(dict(response.headers))
        if url is not None:
            query = parse_qs(urlsplit(url).query)
            assert query["date_from"] == ["2025-01-01T00:00:00Z"]
            assert query["limit"] == ["10"]
    assert pages == 3
    assert seen == [f"LOC{n}" for n in range(1, 26)]


async def test_date_from_and_date_to_filter_on_last_updated(network: Network) -> None:
    token = await registered(network)
    await imported(
        network,
        [make_location(n, last_updated=f"2026-01-{n:02d}T00:00:00Z") for n in range(1, 6)],
    )

    async def ids(query: str) -> tuple[str, list[str]]:
        response = await network.client.get(f"{LOCATIONS}?{query}", headers=auth(token))
        return response.headers["x-total-count"], [d["id"] for d in response.json()["data"]]

    assert await ids("date_from=2026-01-03T00:00:00Z") == ("3", ["LOC3", "LOC4", "LOC5"])
    assert await ids("date_to=2026-01-03T00:00:00Z") == ("2", ["LOC1", "LOC2"])
    assert await ids("date_from=2026-01-02T00:00:00Z&date_to=2026-01-04T00:00:00Z") == (
        "2",
        ["LOC2", "LOC3"],
    )
    assert await ids("offset=4") == ("5", ["LOC5"])
    assert await ids("offset=9") == ("5", [])
    bad = await network.client.get(f"{LOCATIONS}?date_from=yesterday", headers=auth(token))
    assert bad.json()["status_code"] == 2001


async def test_a_status_change_is_seen_by_a_date_from_pull(network: Network) -> None:
    token = await registered(network)
    await imported(network, [make_location(1), make_location(2)])
    response = await network.client.put(
        "/admin/evses/E2-1/status",
        headers={"Authorization": "Bearer admin-token-0123456789abcdef"},
        json={"status": "CHARGING"},
    )
    assert response.json()["data"] == {"changed": True}
    changed = await network.client.get(
        f"{LOCATIONS}?date_from=2026-01-02T00:00:00Z", headers=auth(token)
    )
    [location] = changed.json()["data"]
    assert location["id"] == "LOC2"
    assert location["evses"][0]["status"] == "CHARGING"
    assert location["last_updated"] == location["evses"][0]["last_updated"] > "2026-01-02"


async def test_partners_see_only_what_they_may(network: Network) -> None:
    token = await registered(network)
    restricted = make_location(2, publish=False)
    restricted["publish_allowed_to"] = [{"visual_number": "12345-67", "issuer": "NewMotion"}]
    await imported(network, [make_location(1), restricted, make_location(3, publish=False)])
    listed = await network.client.get(LOCATIONS, headers=auth(token))
    assert [d["id"] for d in listed.json()["data"]] == ["LOC1", "LOC2"]
    assert listed.headers["x-total-count"] == "2"
    private = await network.client.get(f"{LOCATIONS}/LOC3", headers=auth(token))
    assert private.status_code == 404 and private.json()["status_code"] == 2003


async def test_addressed_operation_sees_its_own_locations(network: Network) -> None:
    token = await registered(network)
    await imported(network, [make_location(1), make_location(1, "FR*AB2")])
    routing = {
        "OCPI-from-country-code": "FR",
        "OCPI-from-party-id": "107",
        "OCPI-to-country-code": "FR",
        "OCPI-to-party-id": "AB2",
    }
    listed = await network.client.get(LOCATIONS, headers={**auth(token), **routing})
    assert [(d["party_id"], d["id"]) for d in listed.json()["data"]] == [("AB2", "LOC1")]
    assert listed.headers["ocpi-from-party-id"] == "AB2"
    assert listed.headers["ocpi-to-party-id"] == "107"
    one = await network.client.get(f"{LOCATIONS}/LOC1", headers={**auth(token), **routing})
    assert one.json()["data"]["party_id"] == "AB2"
    ambiguous = await network.client.get(f"{LOCATIONS}/LOC1", headers=auth(token))
    assert ambiguous.status_code == 404


async def test_unknown_objects_and_tokens(network: Network) -> None:
    token = await registered(network)
    await imported(network, make_location(1))
    for path in ("LOC9", "LOC1/nope", "LOC1/E1-1/9"):
        response = await network.client.get(f"{LOCATIONS}/{path}", headers=auth(token))
        assert response.status_code == 404, path
        assert response.json()["status_code"] == 2003
    assert (await network.client.get(LOCATIONS)).status_code == 401


async def test_the_page_body_is_the_stored_json(network: Network) -> None:
    token = await registered(network)
    await imported(network, make_location(1))
    async with network.storage.read() as uow:
        stored = await uow.locations.get(LocationKey("FR", "AB1", "LOC1"))
    assert stored is not None
    response = await network.client.get(LOCATIONS, headers=auth(token))
    assert response.content.startswith(b'{"data":[' + stored.document + b"]")
    assert orjson.loads(stored.document) == make_location(1)
