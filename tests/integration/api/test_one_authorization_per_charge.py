"""One hub authorization serves one charge, at the EVSE it was made for (issue "Money right",
item 7): a station that keeps an authorization cache and starts later charges without asking gets
each authorized in real time at its start, with its own authorization_reference (gireve.md §8.5:
the eMSP bills by it)."""

from __future__ import annotations

from decimal import Decimal

from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted
from tests.integration.api.conftest import Network, auth
from tests.integration.api.sessions_support import UID, at, deliver, events, ready, stop


def hub_authorizations(network: Network) -> int:
    return sum(1 for r in network.hub_state.requests if r["path"].endswith("/authorize"))


async def started(network: Network, transaction_id: str, evse: str) -> str | None:
    decision = await events(network).transaction_started(
        TransactionStarted("ST1", evse, "1", transaction_id, UID, "RFID", Decimal(0), at(0))
    )
    assert decision.allowed
    return decision.authorization_reference


async def test_a_cached_authorization_is_not_reused_for_other_charges(network: Network) -> None:
    await ready(network)
    pipe = events(network)
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    assert hub_authorizations(network) == 1
    first = await started(network, "T1", "E1-1")  # the charge the Authorize was for
    assert hub_authorizations(network) == 1
    await stop(network, 10, 1000, transaction_id="T1")
    # the station's cache starts more charges without asking: each is asked at its start
    second = await started(network, "T2", "E1-2")
    third = await started(network, "T3", "E1-1")
    assert hub_authorizations(network) == 3
    assert len({first, second, third}) == 3 and None not in {first, second, third}
    await stop(network, 10, 1000, transaction_id="T2")
    await stop(network, 10, 1000, transaction_id="T3")
    await deliver(network)
    references = [c["authorization_reference"] for c in network.hub_state.cdrs.values()]
    assert sorted(references) == sorted([first, second, third])  # type: ignore[type-var]


async def test_an_authorization_at_one_evse_does_not_start_another(network: Network) -> None:
    await ready(network)
    pipe = events(network)
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    reference = await started(network, "T1", "E1-2")
    assert hub_authorizations(network) == 2
    # the decision made for E1-1 is still there for E1-1
    assert await started(network, "T2", "E1-1") not in (None, reference)
    assert hub_authorizations(network) == 2


async def test_the_hub_down_at_the_start_follows_the_offline_rules(network: Network) -> None:
    hub = await ready(network)
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
    del network.transport.apps["hub.test"]
    decision = await events(network).transaction_started(
        TransactionStarted("ST1", "E1-2", "1", "T9", UID, "RFID", Decimal(0), at(0))
    )
    assert decision.allowed and decision.offline  # ALLOWED_OFFLINE: allowed, marked offline
    assert "cannot connect" in decision.reason
