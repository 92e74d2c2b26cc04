"""A charge from start to CDR through the driver-neutral API: the live Session at the hub, the
priced CDR POSTed at once, both field by field; the same pulled from our Senders."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import Session
from tests.integration.api.conftest import Network, auth
from tests.integration.api.sessions_support import AC22, UID, deliver, ready, whole_charge

PERIODS: list[dict[str, Any]] = [
    {
        "start_date_time": "2026-03-02T10:00:00Z",
        "dimensions": [
            {"type": "ENERGY", "volume": 10},
            {"type": "TIME", "volume": 0.5},
            {"type": "MAX_POWER", "volume": 22},
            {"type": "MIN_POWER", "volume": 22},
        ],
        "tariff_id": "AC22",
    },
    {
        "start_date_time": "2026-03-02T10:30:00Z",
        "dimensions": [
            {"type": "ENERGY", "volume": 0},
            {"type": "PARKING_TIME", "volume": 0.166667},
        ],
        "tariff_id": "AC22",
    },
    {
        "start_date_time": "2026-03-02T10:40:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 3}, {"type": "TIME", "volume": 0.166667}],
        "tariff_id": "AC22",
    },
    {  # out of order: not billed (gireve.md §11.2)
        "start_date_time": "2026-03-02T10:50:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 0}, {"type": "TIME", "volume": 0}],
        "tariff_id": "AC22",
    },
    {
        "start_date_time": "2026-03-02T11:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 2}, {"type": "TIME", "volume": 0.166667}],
        "tariff_id": "AC22",
    },
    {
        "start_date_time": "2026-03-02T11:10:00Z",
        "dimensions": [
            {"type": "ENERGY", "volume": 0},
            {"type": "PARKING_TIME", "volume": 0.333333},
        ],
        "tariff_id": "AC22",
    },
]


def hub_cdrs(network: Network) -> list[dict[str, Any]]:
    return list(network.hub_state.cdrs.values())


def the_session(network: Network) -> dict[str, Any]:
    [session] = network.hub_state.sessions.values()
    return session


async def test_a_charge_yields_live_sessions_and_one_priced_cdr(network: Network) -> None:
    await ready(network)
    seen: list[dict[str, Any]] = []

    async def delivered() -> None:
        await deliver(network)
        seen.append(dict(the_session(network)))

    await whole_charge(network, each=delivered)
    await deliver(network)

    # Live updates: full PUTs (Gireve profile), ACTIVE with kwh and cost growing, then COMPLETED.
    puts = [r for r in network.hub_state.requests if r["module"] == "sessions"]
    assert {r["method"] for r in puts} == {"PUT"}
    assert all(r["problems"] == [] for r in puts)
    assert [s["status"] for s in seen] == ["ACTIVE"] * len(seen)
    assert [s["kwh"] for s in seen] == [0, 5, 10, 10, 10, 13, 13, 13, 15, 15]
    costs = [s.get("total_cost", {}).get("excl_vat", 0) for s in seen]
    assert costs == sorted(costs) and costs[-1] > 0

    session = the_session(network)
    Session.model_validate(session)
    token = session["cdr_token"]
    assert token["country_code"] == "NL" and token["party_id"] == "EMS" and token["uid"] == UID
    assert token["type"] == "RFID" and token["contract_id"].startswith("NL-EMS-C")
    assert session["auth_method"] == "AUTH_REQUEST"
    assert session["authorization_reference"]
    assert (session["country_code"], session["party_id"]) == ("FR", "AB1")
    assert (session["location_id"], session["evse_uid"], session["connector_id"]) == (
        "LOC1",
        "E1-1",
        "1",
    )
    assert session["start_date_time"] == "2026-03-02T10:00:00Z"
    assert session["end_date_time"] == "2026-03-02T11:30:00Z"
    assert session["kwh"] == 15 and session["status"] == "COMPLETED"
    assert session["currency"] == "EUR"
    assert session["charging_periods"] == PERIODS
    assert session["total_cost"] == {"excl_vat": 9.0, "incl_vat": 10.8}

    [cdr] = hub_cdrs(network)
    CDR.model_validate(cdr)
    expected = {
        "country_code": "FR",
        "party_id": "AB1",
        "id": session["id"],
        "start_date_time": "2026-03-02T10:00:00Z",
        "end_date_time": "2026-03-02T11:30:00Z",
        "session_id": session["id"],
        "cdr_token": token,
        "auth_method": "AUTH_REQUEST",
        "authorization_reference": session["authorization_reference"],
        "cdr_location": {
            "id": "LOC1",
            "name": "Station 1",
            "address": "1 rue de la Paix",
            "city": "Paris",
            "postal_code": "75002",
            "country": "FRA",
            "coordinates": {"latitude": "48.869100", "longitude": "2.331600"},
            "evse_uid": "E1-1",
            "evse_id": "FR*AB1*E1N1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": PERIODS,
        "signed_data": {
            "encoding_method": "OCMF",
            "public_key": "PUBKEY",
            "signed_values": [
                {"nature": "Start", "plain_data": "start-plain", "signed_data": "c2lnbmVkLXN0YXJ0"}
            ],
        },
        # 15 kWh x 0.30 + 50 min charging x 1.20/h + 30 min parked x 6.00/h + 0.50, VAT 20 %
        "total_cost": {"excl_vat": 9.0, "incl_vat": 10.8},
        "total_fixed_cost": {"excl_vat": 0.5, "incl_vat": 0.6},
        "total_energy": 15,
        "total_energy_cost": {"excl_vat": 4.5, "incl_vat": 5.4},
        # 90 minutes minus the 10 out of order
        "total_time": 1.333333,
        "total_time_cost": {"excl_vat": 1.0, "incl_vat": 1.2},
        "total_parking_time": 0.5,
        "total_parking_cost": {"excl_vat": 3.0, "incl_vat": 3.6},
    }
    tariffs = cdr.pop("tariffs")
    last_updated = cdr.pop("last_updated")
    assert cdr == expected
    assert [{k: v for k, v in t.items() if k != "last_updated"} for t in tariffs] == [AC22]
    assert last_updated >= "2026"

    # The answer's Location header is kept with the delivery.
    async with network.storage.read() as uow:
        [(key, state, location)] = await uow.cdrs.sent_to(1)
    assert (key, state) == (f"cdr/FR/AB1/{session['id']}", "DELIVERED")
    assert location == "http://hub.test/ocpi/2.2.1/cdrs/1"


async def test_the_hub_pulls_the_same_from_our_senders(network: Network) -> None:
    token = await ready(network)
    await whole_charge(network)
    await deliver(network)
    session, [cdr] = the_session(network), hub_cdrs(network)

    sessions = await network.client.get(
        "/ocpi/2.2.1/sessions", params={"date_from": "2026-01-01T00:00:00Z"}, headers=auth(token)
    )
    assert sessions.json()["data"] == [session]
    assert sessions.headers["X-Total-Count"] == "1"
    one = await network.client.get(f"/ocpi/2.2.1/sessions/{session['id']}", headers=auth(token))
    assert one.json()["data"] == session
    cdrs = await network.client.get("/ocpi/2.2.1/cdrs", headers=auth(token))
    assert cdrs.json()["data"] == [cdr]
    got = await network.client.get(f"/ocpi/2.2.1/cdrs/{cdr['id']}", headers=auth(token))
    assert got.json()["data"] == cdr


async def test_sessions_sender_requires_date_from(network: Network) -> None:
    token = await ready(network)
    response = await network.client.get("/ocpi/2.2.1/sessions", headers=auth(token))
    assert response.json()["status_code"] == 2001
    assert "date_from" in response.json()["status_message"]


async def test_patch_partners_get_a_put_then_patches_that_rebuild_the_session(
    network: Network,
) -> None:
    await ready(network, profile="ocpi-2.2.1")
    seen: list[str] = []

    async def delivered() -> None:
        await deliver(network)

    await whole_charge(network, each=delivered)
    await deliver(network)
    seen = [r["method"] for r in network.hub_state.requests if r["module"] == "sessions"]
    assert seen[0] == "PUT" and set(seen[1:]) == {"PATCH"}
    patches = [r["body"] for r in network.hub_state.requests if r["method"] == "PATCH"]
    assert all("country_code" not in body for body in patches)
    # PATCH appends charging_periods: applied in order they rebuild our Session exactly.
    async with network.storage.read() as uow:
        [ours] = await uow.sessions.recent(1)
    assert the_session(network) == orjson.loads(orjson.dumps(ours.document()))
    assert the_session(network)["charging_periods"] == PERIODS


@pytest.mark.parametrize("profile", ["gireve-preprod", "ocpi-2.2.1"])
async def test_one_cdr_per_charge_even_if_the_stop_comes_twice(
    network: Network, profile: str
) -> None:
    await ready(network, profile=profile)
    await whole_charge(network)
    from tests.integration.api.sessions_support import stop

    await stop(network, 95, 17000)
    await deliver(network)
    assert len(hub_cdrs(network)) == 1
    assert hub_cdrs(network)[0]["total_energy"] == 15
