"""Credentials as server: Gireve's FromIOP sequence and every way it can go wrong."""

from __future__ import annotations

import functools
from typing import Any

import orjson
import pytest

from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.ocpi.errors import ClientApiUnusable
from ocpi_cpo.ocpi.v2_2_1.credentials import server
from ocpi_cpo.sim.hub import SimHubState
from tests.integration.api.conftest import Network, auth
from tests.support.partners import unregister
from tests.support.pauses import before_each_call


def hub_credentials(state: SimHubState, token: str = "hub-token-b") -> dict[str, Any]:
    state.issued[token] = "access"
    return state.credentials(token)


async def test_fromiop_registration(network: Network) -> None:
    token_a = await network.invite()
    result = await network.hub_registers(token_a)
    assert result["ok"], result
    posted = result["steps"][-1]
    assert posted["http"] == 200 and posted["ocpi"] == 1000
    assert posted["request_id_echoed"] and posted["correlation_id_echoed"]
    token_c = network.hub_state.cpo_token
    assert token_c and token_c != token_a
    # The hub fetched our versions and details with token A in Base64, then POSTed.
    hub_calls = [s for s in network.transport.sent if s["url"].startswith("http://cpo.test")]
    assert [c["method"] for c in hub_calls] == ["GET", "GET", "POST"]
    # We fetched the hub's versions and details with the token it gave us before answering.
    our_calls = [s for s in network.transport.sent if s["url"].startswith("http://hub.test")]
    assert [c["url"] for c in our_calls] == [
        "http://hub.test/ocpi/versions",
        "http://hub.test/ocpi/2.2.1",
    ]
    assert (await network.client.get("/ocpi/versions", headers=auth(token_c))).status_code == 200
    assert (await network.client.get("/ocpi/versions", headers=auth(token_a))).status_code == 401
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    assert partner.state is PartnerState.REGISTERED
    assert (
        partner.outbound_token == "hub-token-b"
        or partner.outbound_token in network.hub_state.issued
    )
    assert partner.endpoint("locations", "RECEIVER") is not None
    assert [str(r) for r in partner.roles] == ["HUB FR/107"]


async def test_our_credentials_carry_one_cpo_role_per_operation(network: Network) -> None:
    token_a = await network.invite()
    await network.hub_registers(token_a)
    assert network.hub_state.cpo_token is not None
    response = await network.client.get(
        "/ocpi/2.2.1/credentials", headers=auth(network.hub_state.cpo_token)
    )
    data = response.json()["data"]
    assert data["token"] == network.hub_state.cpo_token
    assert data["url"] == "http://cpo.test/ocpi/versions"
    assert [
        (r["role"], r["country_code"], r["party_id"], r["business_details"]["name"])
        for r in data["roles"]
    ] == [
        ("CPO", "FR", "AB1", "AB1 Charging"),
        ("CPO", "FR", "AB2", "AB2 Charging"),
    ]


async def test_gireve_profile_refuses_another_identity(network: Network) -> None:
    token_a = await network.invite(profile="gireve-prod")  # expects FR/007; the sim hub is FR/107
    response = await network.client.post(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_a),
        json=hub_credentials(network.hub_state),
    )
    body = response.json()
    assert body["status_code"] == 2001
    assert "expects role HUB FR/007" in body["status_message"]
    assert "HUB FR/107" in body["status_message"]
    # Refused: the registration token still works, nothing was stored.
    assert (await network.client.get("/ocpi/versions", headers=auth(token_a))).status_code == 200


async def test_roles_that_receive_nothing_we_send_are_refused(network: Network) -> None:
    """Issue 16 item 6: a party presenting only a CPO role cannot receive Locations, Sessions or
    CDRs; the refusal names the role it presented."""
    token_a = await network.invite(profile="ocpi-2.2.1")
    body = hub_credentials(network.hub_state)
    for role in body["roles"]:
        role["role"] = "CPO"
    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
    )
    answer = response.json()
    assert answer["status_code"] == 2001, answer
    assert "CPO FR/107" in answer["status_message"]
    assert "HUB, EMSP or NSP" in answer["status_message"]
    assert (await network.client.get("/ocpi/versions", headers=auth(token_a))).status_code == 200


async def test_3001_when_partner_versions_cannot_be_fetched(network: Network) -> None:
    token_a = await network.invite()
    body = hub_credentials(network.hub_state)
    body["url"] = "http://nowhere.test/ocpi/versions"
    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
    )
    assert response.json()["status_code"] == 3001
    assert "nowhere.test" in response.json()["status_message"]


async def test_3001_when_partner_refuses_its_own_token(network: Network) -> None:
    token_a = await network.invite()
    body = network.hub_state.credentials("a-token-the-hub-never-issued")
    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
    )
    assert response.json()["status_code"] == 3001


async def test_3002_without_a_common_version(network: Network) -> None:
    token_a = await network.invite()
    network.hub_app.router.routes[:] = [
        r for r in network.hub_app.router.routes if getattr(r, "path", "") != "/ocpi/versions"
    ]

    @network.hub_app.get("/ocpi/versions")
    async def old_versions() -> dict[str, Any]:
        return {
            "data": [{"version": "2.1.1", "url": "http://hub.test/ocpi/2.1.1"}],
            "status_code": 1000,
            "timestamp": "2026-11-24T00:00:00Z",
        }

    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=hub_credentials(network.hub_state)
    )
    assert response.json()["status_code"] == 3002
    assert "offered: 2.1.1" in response.json()["status_message"]


async def test_3003_when_a_required_endpoint_is_missing(network: Network) -> None:
    token_a = await network.invite()
    network.hub_app.router.routes[:] = [
        r for r in network.hub_app.router.routes if getattr(r, "path", "") != "/ocpi/2.2.1"
    ]

    @network.hub_app.get("/ocpi/2.2.1")
    async def no_locations() -> dict[str, Any]:
        endpoints = [{"identifier": "credentials", "role": "SENDER", "url": "http://hub.test/c"}]
        return {
            "data": {"version": "2.2.1", "endpoints": endpoints},
            "status_code": 1000,
            "timestamp": "2026-11-24T00:00:00Z",
        }

    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=hub_credentials(network.hub_state)
    )
    assert response.json()["status_code"] == 3003
    assert "locations RECEIVER" in response.json()["status_message"]


async def test_invalid_body_gets_2001_naming_the_field(network: Network) -> None:
    token_a = await network.invite()
    body = hub_credentials(network.hub_state)
    body["roles"][0]["party_id"] = "TOOLONG"
    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
    )
    assert response.json()["status_code"] == 2001
    assert "roles[0].party_id" in response.json()["status_message"]


async def test_malformed_json_gets_400(network: Network) -> None:
    token_a = await network.invite()
    response = await network.client.post(
        "/ocpi/2.2.1/credentials",
        headers={**auth(token_a), "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001


async def test_post_when_registered_and_put_delete_when_not_get_405(network: Network) -> None:
    token_a = await network.invite()
    body = hub_credentials(network.hub_state)
    for method in ("PUT", "DELETE"):
        response = await network.client.request(
            method,
            "/ocpi/2.2.1/credentials",
            headers={**auth(token_a), "Content-Type": "application/json"},
            content=orjson.dumps(body) if method == "PUT" else None,
        )
        assert response.status_code == 405, method
    await network.hub_registers(token_a)
    token_c = network.hub_state.cpo_token
    assert token_c is not None
    response = await network.client.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_c), json=body
    )
    assert response.status_code == 405


async def test_put_rotates_the_token_and_refreshes_endpoints(network: Network) -> None:
    token_a = await network.invite(profile="ocpi-2.2.1")
    await network.hub_registers(token_a)
    token_c = network.hub_state.cpo_token
    assert token_c is not None
    response = await network.client.put(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_c),
        json=hub_credentials(network.hub_state, "hub-token-b2"),
    )
    assert response.json()["status_code"] == 1000
    token_c2 = response.json()["data"]["token"]
    assert token_c2 != token_c
    assert (await network.client.get("/ocpi/versions", headers=auth(token_c))).status_code == 401
    assert (await network.client.get("/ocpi/versions", headers=auth(token_c2))).status_code == 200
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None and partner.outbound_token == "hub-token-b2"


async def test_delete_unregisters_and_kills_both_tokens(network: Network) -> None:
    token_a = await network.invite()
    await network.hub_registers(token_a)
    token_c = network.hub_state.cpo_token
    assert token_c is not None
    response = await network.client.delete("/ocpi/2.2.1/credentials", headers=auth(token_c))
    assert response.json()["status_code"] == 1000
    assert "data" not in response.json()
    for token in (token_a, token_c):
        assert (await network.client.get("/ocpi/versions", headers=auth(token))).status_code == 401
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    assert partner.state is PartnerState.UNREGISTERED
    assert partner.outbound_token is None


async def test_a_registration_token_works_once(network: Network) -> None:
    token_a = await network.invite(profile="ocpi-2.2.1")
    first = await network.hub_registers(token_a)
    assert first["ok"]
    with pytest.raises(ClientApiUnusable, match="401"):
        await network.hub_registers(token_a)


@pytest.mark.parametrize("profile", ["gireve-preprod", "ocpi-2.2.1"])
async def test_reinvite_after_unregister_keeps_the_partner(network: Network, profile: str) -> None:
    token_a = await network.invite(profile=profile)
    await network.hub_registers(token_a)
    assert network.hub_state.cpo_token is not None
    await network.client.delete(
        "/ocpi/2.2.1/credentials", headers=auth(network.hub_state.cpo_token)
    )
    async with network.storage.read() as uow:
        before = await uow.partners.get_by_name("gireve")
    token_a2 = await network.invite(profile=profile)
    assert (await network.hub_registers(token_a2))["ok"]
    async with network.storage.read() as uow:
        after = await uow.partners.get_by_name("gireve")
    assert before is not None and after is not None and before.id == after.id


async def test_a_partner_unregistered_during_its_put_is_not_registered_again(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PUT's caller was read as the request came in; the calls to the partner's versions
    take seconds, and an operator may unregister it meanwhile. It stays unregistered: the PUT
    reads the partner again, holding its row, before it stores anything."""
    token_a = await network.invite(profile="ocpi-2.2.1")
    await network.hub_registers(token_a)
    token_c = network.hub_state.cpo_token
    assert token_c is not None
    # unregistered while we call its versions
    before_each_call(
        monkeypatch, server, "_connect", functools.partial(unregister, network.storage, "gireve")
    )
    response = await network.client.put(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_c),
        json=hub_credentials(network.hub_state, "hub-token-b2"),
    )
    assert response.status_code == 405, response.json()
    assert "unregistered meanwhile" in response.json()["status_message"]
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    assert partner.state is PartnerState.UNREGISTERED and partner.outbound_token is None
    assert (await network.client.get("/ocpi/versions", headers=auth(token_c))).status_code == 401
