"""HubClientInfo Receiver: the hub PUTs a party's status, can GET it back; no routing headers."""

from __future__ import annotations

from tests.integration.api.conftest import Network, auth

INFO = {
    "party_id": "ABC",
    "country_code": "NL",
    "role": "EMSP",
    "status": "PLANNED",
    "last_updated": "2026-11-24T08:00:00Z",
}


async def registered(network: Network) -> str:
    await network.hub_registers(await network.invite())
    assert network.hub_state.cpo_token is not None
    return network.hub_state.cpo_token


async def test_put_then_get(network: Network) -> None:
    token = await registered(network)
    url = "/ocpi/2.2.1/hubclientinfo/NL/ABC"
    created = await network.client.put(url, headers=auth(token), json=INFO)
    assert created.status_code == 201 and created.json()["status_code"] == 1000
    updated = await network.client.put(
        url, headers=auth(token), json={**INFO, "status": "CONNECTED"}
    )
    assert updated.status_code == 200
    got = await network.client.get(url, headers=auth(token))
    assert got.json()["data"] == {**INFO, "status": "CONNECTED"}
    assert not [h for h in got.headers if h.lower().startswith("ocpi-")]


async def test_url_and_body_must_agree(network: Network) -> None:
    token = await registered(network)
    response = await network.client.put(
        "/ocpi/2.2.1/hubclientinfo/DE/XYZ", headers=auth(token), json=INFO
    )
    assert response.json()["status_code"] == 2001
    assert "differ from the URL" in response.json()["status_message"]


async def test_bad_status_names_the_field(network: Network) -> None:
    token = await registered(network)
    response = await network.client.put(
        "/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token), json={**INFO, "status": "GONE"}
    )
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("status:")


async def test_unknown_party_is_404(network: Network) -> None:
    token = await registered(network)
    response = await network.client.get("/ocpi/2.2.1/hubclientinfo/NL/ZZZ", headers=auth(token))
    assert response.status_code == 404


async def test_needs_a_registered_token(network: Network) -> None:
    response = await network.client.put("/ocpi/2.2.1/hubclientinfo/NL/ABC", json=INFO)
    assert response.status_code == 401
