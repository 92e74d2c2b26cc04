"""Admin API for Locations: import (all or nothing, every problem with its path), list, show,
EVSE status, operations; documented in OpenAPI and closed without the admin token."""

from __future__ import annotations

from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, admin_import, imported
from tests.integration.api.sessions_support import AC22
from tests.support.locations import make_location


async def test_a_bad_file_stores_nothing_and_lists_every_problem(network: Network) -> None:
    good, wire_bad, rule_bad = make_location(1), make_location(2), make_location(3)
    wire_bad["evses"][1]["status"] = "SLEEPING"
    del rule_bad["owner"]
    rule_bad["evses"][0]["evse_id"] = "FR*ZZZ*E1"
    body = (await admin_import(network, [good, wire_bad, rule_bad, good])).json()
    assert body["status_code"] == 2001
    assert [p["path"] for p in body["data"]] == [
        "[1].evses[1].status",
        "[2].owner.name",
        "[2].evses[0].evse_id",
        "[3].id",
        "[3].evses[0].evse_id",
        "[3].evses[1].evse_id",
    ]
    assert body["data"][0]["message"].startswith("Input should be 'AVAILABLE'")
    assert "FR*AB1" in body["data"][2]["message"]
    assert "appears twice" in body["data"][3]["message"]
    assert body["status_message"].startswith("6 problem(s), nothing stored")
    listed = await network.client.get("/admin/locations", headers=ADMIN)
    assert listed.json()["data"] == []


async def test_not_json_and_not_locations(network: Network) -> None:
    response = await network.client.post("/admin/locations", headers=ADMIN, content=b"{oops")
    assert response.json()["status_code"] == 2001
    assert response.json()["data"][0]["message"].startswith("not valid JSON")
    response = await admin_import(network, 42)
    assert response.json()["data"][0]["message"].startswith("expected a Location object")


async def test_list_show_status_and_operations(network: Network) -> None:
    await imported(
        network, [make_location(1), make_location(2, evses=1), make_location(1, "FR*AB2")]
    )
    listed = await network.client.get("/admin/locations?limit=2", headers=ADMIN)
    assert listed.headers["x-total-count"] == "3"
    assert [(d["id"], d["evses"], d["statuses"]) for d in listed.json()["data"]] == [
        ("LOC1", 2, {"AVAILABLE": 2}),
        ("LOC2", 1, {"AVAILABLE": 1}),
    ]
    shown = await network.client.get("/admin/locations/fr/ab1/LOC2", headers=ADMIN)
    assert shown.json()["data"] == make_location(2, evses=1)
    missing = await network.client.get("/admin/locations/FR/AB1/NOPE", headers=ADMIN)
    assert missing.status_code == 404

    named = await network.client.put(
        "/admin/evses/AB2-E1-1/status",
        headers=ADMIN,
        json={"status": "CHARGING", "location": "FR/AB2/LOC1"},
    )
    assert named.json()["data"] == {"changed": True}
    unknown = await network.client.put(
        "/admin/evses/NOPE/status", headers=ADMIN, json={"status": "CHARGING"}
    )
    assert unknown.status_code == 404
    bad = await network.client.put(
        "/admin/evses/E2-1/status", headers=ADMIN, json={"status": "ASLEEP"}
    )
    assert bad.json()["status_code"] == 2001

    operations = (await network.client.get("/admin/operations", headers=ADMIN)).json()["data"]
    assert [
        (o["operator_id"], o["network_group"], o["locations"], o["evses"], o["statuses"])
        for o in operations
    ] == [
        ("FR*AB1", "g", 2, 3, {"AVAILABLE": 3}),
        ("FR*AB2", "g", 1, 2, {"AVAILABLE": 1, "CHARGING": 1}),
    ]


async def test_admin_token_required_and_documented(network: Network) -> None:
    assert (await network.client.get("/admin/locations")).status_code == 401
    assert (await admin_import(network, [])).status_code == 200
    response = await network.client.post("/admin/locations", json=[])
    assert response.status_code == 401
    schema = (await network.client.get("/admin/openapi.json")).json()
    for path in (
        "/admin/locations",
        "/admin/locations/{country_code}/{party_id}/{location_id}",
        "/admin/evses/{evse_uid}/status",
        "/admin/operations",
    ):
        assert path in schema["paths"], path
    assert "Location" in schema["components"]["schemas"]
    body = schema["paths"]["/admin/locations"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["oneOf"][0] == {
        "$ref": "#/components/schemas/Location"
    }


async def test_an_evse_uid_or_evse_id_used_elsewhere_is_refused_naming_both_places(
    network: Network,
) -> None:
    """mod_locations: an EVSE uid is unique within the CPO's platform; so is an eMI3 evse_id."""
    await imported(network, [make_location(1)])
    other = make_location(5)
    other["evses"][0]["uid"] = "E1-1"  # FR/AB1/LOC1 has it
    other["evses"][1]["evse_id"] = "FRAB1E1N2"  # so has this evse_id (written with *)
    response = await admin_import(network, [make_location(2), other])
    assert response.json()["status_code"] == 2001
    problems = {p["path"]: p["message"] for p in response.json()["data"]}
    assert set(problems) == {"[1].evses[0].uid", "[1].evses[1].evse_id"}
    assert "already used at stored Location FR/AB1/LOC1" in problems["[1].evses[0].uid"]
    assert "FR/AB1/LOC1 (EVSE E1-2)" in problems["[1].evses[1].evse_id"]
    listed = await network.client.get("/admin/locations", headers=ADMIN)
    assert [d["id"] for d in listed.json()["data"]] == ["LOC1"]  # nothing stored, LOC2 neither

    twice = make_location(3)
    twice["evses"][0]["uid"] = "E2-1"
    clash = await admin_import(network, [make_location(2), twice])
    [problem] = clash.json()["data"]
    assert problem["path"] == "[1].evses[0].uid"
    assert "[0].evses[0] (Location FR/AB1/LOC2)" in problem["message"]
    # a Location moving its own EVSE around is no clash
    moved = make_location(1)
    moved["evses"].reverse()
    assert (await admin_import(network, [moved])).json()["status_code"] == 1000


async def test_tariff_ids_must_name_a_published_tariff_in_force(network: Network) -> None:
    refused = await admin_import(network, [make_location(1)], allow_unknown_tariffs=False)
    assert refused.json()["status_code"] == 2001
    paths = [p["path"] for p in refused.json()["data"]]
    assert paths[0] == "[0].evses[0].connectors[0].tariff_ids[0]" and len(paths) == 4
    assert "tariff 'AC22' is not published by FR/AB1" in refused.json()["status_message"]
    ended = {**AC22, "end_date_time": "2026-02-01T00:00:00Z"}
    await network.client.put("/admin/tariffs", headers=ADMIN, json=[ended])
    still = await admin_import(network, [make_location(1)], allow_unknown_tariffs=False)
    assert "ended at 2026-02-01" in still.json()["data"][0]["message"]
    later = {**AC22, "id": "AC22B", "start_date_time": "2099-01-01T00:00:00Z"}
    await network.client.put("/admin/tariffs", headers=ADMIN, json=[later])
    location = make_location(1)
    for evse in location["evses"]:
        for connector in evse["connectors"]:
            connector["tariff_ids"] = ["AC22B"]  # starts later: in force for what comes
    done = await admin_import(network, [location], allow_unknown_tariffs=False)
    assert done.json()["status_code"] == 1000 and done.json()["data"]["warnings"] == []
