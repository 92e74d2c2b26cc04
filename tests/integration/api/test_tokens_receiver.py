"""Tokens Receiver: PUT, PATCH and GET of eMSP tokens (the spec's token examples as golden files)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from ocpi_cpo.services import sender_reads
from ocpi_cpo.sim.hub import SimHubState, register_from_iop
from tests.conftest import TEST_DATA
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import registered
from tests.support.pauses import pause_first_call, unless_held

EXAMPLES = TEST_DATA / "ocpi-examples" / "2.2.1" / "examples"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((EXAMPLES / name).read_bytes())
    return data


def url(token: dict[str, Any]) -> str:
    return f"/ocpi/2.2.1/tokens/{token['country_code']}/{token['party_id']}/{token['uid']}?type={token['type']}"


ROUTING = {
    "OCPI-from-country-code": "FR",
    "OCPI-from-party-id": "107",
    "OCPI-to-country-code": "FR",
    "OCPI-to-party-id": "AB1",
}


@pytest.mark.parametrize(
    "name", ["token_example_1_app_user.json", "token_example_2_full_rfid.json"]
)
async def test_spec_examples_round_trip(network: Network, name: str) -> None:
    hub = await registered(network)
    token = example(name)
    created = await network.client.put(url(token), headers={**auth(hub), **ROUTING}, json=token)
    assert (created.status_code, created.json()["status_code"]) == (201, 1000)
    assert created.headers["OCPI-to-party-id"] == "107"  # routing headers swapped
    again = await network.client.put(url(token), headers=auth(hub), json=token)
    assert again.status_code == 200
    got = await network.client.get(url(token), headers=auth(hub))
    assert got.json()["data"] == token


async def test_patch_changes_fields_and_needs_last_updated(network: Network) -> None:
    hub = await registered(network)
    token = example("token_example_2_full_rfid.json")
    await network.client.put(url(token), headers=auth(hub), json=token)
    patch = example("token_patch_example.json")
    patched = await network.client.patch(url(token), headers=auth(hub), json=patch)
    assert patched.json()["status_code"] == 1000
    got = (await network.client.get(url(token), headers=auth(hub))).json()["data"]
    assert got["valid"] is patch["valid"]
    assert got["last_updated"] == patch["last_updated"]
    no_stamp = await network.client.patch(url(token), headers=auth(hub), json={"valid": True})
    assert no_stamp.json()["status_code"] == 2001
    assert "last_updated" in no_stamp.json()["status_message"]


async def test_patch_of_an_unknown_token_is_404(network: Network) -> None:
    hub = await registered(network)
    response = await network.client.patch(
        "/ocpi/2.2.1/tokens/NL/ABC/NOPE?type=RFID",
        headers=auth(hub),
        json={"valid": False, "last_updated": "2026-11-24T08:00:00Z"},
    )
    assert response.status_code == 404


async def test_owner_in_url_must_match_the_body(network: Network) -> None:
    hub = await registered(network)
    token = example("token_example_2_full_rfid.json")
    wrong = f"/ocpi/2.2.1/tokens/BE/XYZ/{token['uid']}?type=RFID"
    response = await network.client.put(wrong, headers=auth(hub), json=token)
    assert response.json()["status_code"] == 2001
    assert "country_code" in response.json()["status_message"]
    wrong_type = url(token).replace("type=RFID", "type=APP_USER")
    response = await network.client.put(wrong_type, headers=auth(hub), json=token)
    assert response.json()["status_code"] == 2001


async def test_another_partner_does_not_see_it(network: Network) -> None:
    hub = await registered(network)
    token = example("token_example_2_full_rfid.json")
    await network.client.put(url(token), headers=auth(hub), json=token)
    other = await network.invite("other", "ocpi-2.2.1")

    result = await register_from_iop(
        network.hub_state, network.transport, "http://cpo.test/ocpi/versions", other
    )
    assert result["ok"]
    other_token = current_token(network.hub_state)
    assert other_token is not None
    assert other_token != hub
    response = await network.client.get(url(token), headers=auth(other_token))
    assert response.status_code == 404
    # The same answer as for a token that does not exist: nothing leaks.
    missing = await network.client.get(url({**token, "uid": "NOPE"}), headers=auth(other_token))
    assert (
        response.json()["status_message"].replace(token["uid"], "NOPE")
        == missing.json()["status_message"]
    )


def current_token(state: SimHubState) -> str | None:
    return state.cpo_token


async def test_a_patch_does_not_undo_a_put_committed_while_it_merges(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PATCH merges its fields into the stored token and writes it back whole. On PostgreSQL a
    PUT that blocked the card (valid: false) committed between the PATCH's read and its write was
    undone: the card was valid again, and charged on local decisions. The PATCH now reads the
    token holding its row: the PUT waits for it and comes last."""
    hub = await registered(network)
    token = example("token_example_2_full_rfid.json")
    await network.client.put(url(token), headers=auth(hub), json=token)
    # the PATCH stops once it has read and merged the token
    merged = pause_first_call(monkeypatch, sender_reads, "put_emsp_token")
    language = {"language": "fr", "last_updated": "2026-11-24T08:00:00Z"}
    patching = asyncio.create_task(
        network.client.patch(url(token), headers=auth(hub), json=language)
    )
    await merged.reached.wait()
    blocked = {**token, "valid": False, "last_updated": "2026-11-24T08:00:01Z"}
    putting = asyncio.create_task(network.client.put(url(token), headers=auth(hub), json=blocked))
    await unless_held(putting)
    merged.resume.set()
    assert (await patching).json()["status_code"] == 1000
    assert (await putting).json()["status_code"] == 1000
    got = (await network.client.get(url(token), headers=auth(hub))).json()["data"]
    assert got["valid"] is False
