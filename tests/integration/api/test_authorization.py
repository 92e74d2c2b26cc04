"""Real-time authorization against the simulated hub: every branch, and the request it sends."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ocpi_cpo.domain.authorization import DecisionSource
from ocpi_cpo.domain.stations import AuthorizationOutcome, AuthorizationRequest
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import imported, registered
from tests.support.locations import make_location

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}
UID = "04A23BC15D802F"


async def ready(network: Network) -> str:
    hub = await registered(network)
    await imported(network, [make_location(1)])
    return hub


def authorize_calls(network: Network) -> list[dict[str, Any]]:
    return [s for s in network.transport.sent if s["url"].endswith("/authorize?type=RFID")]


async def swipe(network: Network, uid: str = UID, evse: str = "E1-1") -> Any:
    return await network.app.state.ocpi.authorization.authorize(
        AuthorizationRequest("ST1", evse, uid, "RFID")
    )


async def test_one_request_with_headers_and_location_references(network: Network) -> None:
    await ready(network)
    decision = await swipe(network, uid="04a23bc15d802f")  # normalised before it leaves
    assert decision.outcome is AuthorizationOutcome.ALLOWED
    assert decision.authorization_reference
    [call] = authorize_calls(network)
    assert call["url"] == f"http://hub.test/ocpi/2.2.1/tokens/{UID}/authorize?type=RFID"
    assert orjson.loads(call["body"]) == {"location_id": "LOC1", "evse_uids": ["E1-1"]}
    headers = call["headers"]
    assert (headers["OCPI-from-country-code"], headers["OCPI-from-party-id"]) == ("FR", "AB1")
    assert (headers["OCPI-to-country-code"], headers["OCPI-to-party-id"]) == ("FR", "107")
    assert headers["X-Request-ID"] and headers["X-Correlation-ID"]
    [recorded] = [r for r in network.hub_state.requests if r["path"].endswith("/authorize")]
    assert recorded["problems"] == []


@pytest.mark.parametrize("allowed", ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"])
async def test_the_emsps_answer_is_the_decision(network: Network, allowed: str) -> None:
    await ready(network)
    network.hub_state.token_outcomes[UID] = {"allowed": allowed}
    decision = await swipe(network)
    assert decision.outcome.value == allowed
    assert decision.offline is False


async def test_unknown_token_is_not_allowed(network: Network) -> None:
    await ready(network)
    network.hub_state.token_outcomes[UID] = {"unknown": True}
    decision = await swipe(network)
    assert decision.outcome is AuthorizationOutcome.UNKNOWN
    assert not decision.allowed and not decision.offline


@pytest.mark.parametrize(
    ("outcome", "why"),
    [
        ({"delay": 2.0}, "no answer within"),
        ({"status": 3000}, "OCPI 3000"),
        ({"malformed": True}, "malformed"),
    ],
    ids=["slow", "ocpi-3000", "malformed"],
)
async def test_no_usable_answer_follows_the_whitelist(
    network: Network, outcome: dict[str, Any], why: str
) -> None:
    network.app.state.ocpi.authorization.timeout = 0.3
    hub = await ready(network)
    network.hub_state.token_outcomes[UID] = outcome
    unknown = await swipe(network)
    assert unknown.outcome is AuthorizationOutcome.UNKNOWN and unknown.offline
    assert why in unknown.reason
    token = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": UID,
        "type": "RFID",
        "contract_id": "NL-EMS-C1",
        "issuer": "x",
        "valid": True,
        "whitelist": "ALLOWED_OFFLINE",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    await network.client.put(f"/ocpi/2.2.1/tokens/NL/EMS/{UID}", headers=auth(hub), json=token)
    offline_ok = await swipe(network)
    assert offline_ok.outcome is AuthorizationOutcome.ALLOWED and offline_ok.offline
    await network.client.put(
        f"/ocpi/2.2.1/tokens/NL/EMS/{UID}", headers=auth(hub), json={**token, "whitelist": "NEVER"}
    )
    refused = await swipe(network)
    assert refused.outcome is AuthorizationOutcome.NOT_ALLOWED and refused.offline


async def test_hub_down(network: Network) -> None:
    await ready(network)
    del network.transport.apps["hub.test"]
    decision = await swipe(network)
    assert decision.outcome is AuthorizationOutcome.UNKNOWN and decision.offline
    assert "cannot connect" in decision.reason


async def test_whitelist_always_needs_no_request(network: Network) -> None:
    hub = await ready(network)
    token = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": UID,
        "type": "RFID",
        "contract_id": "NL-EMS-C1",
        "issuer": "x",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    await network.client.put(f"/ocpi/2.2.1/tokens/NL/EMS/{UID}", headers=auth(hub), json=token)
    decision = await swipe(network)
    assert decision.outcome is AuthorizationOutcome.ALLOWED and not decision.offline
    assert authorize_calls(network) == []


@pytest.mark.parametrize("uid", ["04:A2-3B", "XYZ", "04A23BC15D802F00AA", ""])
async def test_malformed_uids_are_refused_without_a_request(network: Network, uid: str) -> None:
    await ready(network)
    decision = await swipe(network, uid=uid)
    assert not decision.allowed
    assert decision.reason
    assert authorize_calls(network) == []


async def test_unknown_evse_is_refused(network: Network) -> None:
    await ready(network)
    decision = await swipe(network, evse="NOPE")
    assert not decision.allowed and "unknown" in decision.reason
    assert authorize_calls(network) == []


async def test_decisions_visible_in_the_admin_api(network: Network) -> None:
    await ready(network)
    response = await network.client.post(
        "/admin/tokens/authorize",
        headers=ADMIN,
        json={"uid": UID, "type": "RFID", "evse": "FR*AB1*E1N1"},  # by eMI3 evse_id
    )
    assert response.json()["data"]["allowed"] == "ALLOWED"
    decisions = (await network.client.get("/admin/authorizations", headers=ADMIN)).json()["data"]
    assert decisions[0]["uid"] == UID and decisions[0]["evse_uid"] == "E1-1"
    assert decisions[0]["source"] == DecisionSource.REAL_TIME.value
    assert decisions[0]["latency_ms"] >= 0
    metrics = (await network.client.get("/metrics", headers=ADMIN)).text
    assert 'ocpi_cpo_authorizations_total{outcome="ALLOWED",source="REAL_TIME"}' in metrics
