"""CDR pages (21 CDRs, pages of 20), Credit CDRs, the check commands, Advenir, charging preferences."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.cli.main import COMMANDS, load_command
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import TransactionStarted, TransactionStopped
from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_2_1.sessions.check import check_cdrs, check_sessions
from tests.integration.api.conftest import Network, auth
from tests.integration.api.sessions_support import (
    ADMIN,
    at,
    deliver,
    events,
    ready,
    start,
    stop,
    whole_charge,
)
from tests.support.factories import make_settings


async def short_charge(network: Network, number: int) -> None:
    await start(network, transaction_id=f"T{number}")
    await stop(network, 10, 1000 + 500 * number, transaction_id=f"T{number}")


async def test_21_cdrs_in_pages_of_20(network: Network) -> None:
    token = await ready(network)
    for number in range(1, 22):
        await short_charge(network, number)
    first = await network.client.get("/ocpi/2.2.1/cdrs?limit=20", headers=auth(token))
    assert first.headers["X-Total-Count"] == "21"
    assert len(first.json()["data"]) == 20
    link = first.headers["Link"]
    assert link == '<http://cpo.test/ocpi/2.2.1/cdrs?offset=20&limit=20>; rel="next"'
    second = await network.client.get(link[1 : link.index(">")], headers=auth(token))
    assert len(second.json()["data"]) == 1 and "Link" not in second.headers
    energies = [c["total_energy"] for c in first.json()["data"] + second.json()["data"]]
    assert energies == [0.5 * n for n in range(1, 22)]
    await deliver(network)
    assert len(network.hub_state.cdrs) == 21


async def test_a_credit_cdr_negates_the_amounts_and_is_pushed(network: Network) -> None:
    await ready(network)
    await whole_charge(network)
    await deliver(network)
    [original] = network.hub_state.cdrs.values()
    response = await network.client.post(
        f"/admin/cdrs/{original['id']}/credit", headers=ADMIN, json={"reason": "meter fault"}
    )
    assert response.status_code == 201, response.json()
    await deliver(network)
    credit = network.hub_state.cdrs["2"]
    CDR.model_validate(credit)
    assert credit["id"] == f"{original['id']}-C"
    assert credit["credit"] is True and credit["credit_reference_id"] == original["id"]
    assert credit["remark"] == "meter fault"
    assert credit["total_cost"] == {"excl_vat": -9.0, "incl_vat": -10.8}
    assert credit["total_parking_cost"] == {"excl_vat": -3.0, "incl_vat": -3.6}
    assert credit["total_energy"] == original["total_energy"]  # a quantity, never negative
    same = {k: v for k, v in credit.items() if not k.startswith("total_") or "cost" not in k}
    for name in ("id", "credit", "credit_reference_id", "remark", "last_updated"):
        same.pop(name)
    assert same == {
        k: v
        for k, v in original.items()
        if (not k.startswith("total_") or "cost" not in k) and k not in ("id", "last_updated")
    }
    again = await network.client.post(
        f"/admin/cdrs/{original['id']}/credit", headers=ADMIN, json={"reason": "twice"}
    )
    assert again.json()["status_code"] != 1000
    assert "already credited" in again.json()["status_message"]


async def test_check_commands_read_back_what_the_hub_holds(network: Network) -> None:
    await ready(network)
    await whole_charge(network)
    await deliver(network)
    context = network.app.state.ocpi
    async with network.storage.read() as uow:
        [partner] = await uow.partners.all()
    sessions = await check_sessions(context, partner)
    cdrs = await check_cdrs(context, partner)
    assert (sessions.checked, sessions.problems) == (1, [])
    assert (cdrs.checked, cdrs.problems) == (1, [])
    # The hub's copies drift: both checks say what differs.
    [held] = network.hub_state.sessions.values()
    held["kwh"] = 1
    network.hub_state.cdrs["1"]["total_cost"] = {"excl_vat": 1}
    [(_, problem)] = (await check_sessions(context, partner)).problems
    assert problem == "kwh: ours 15, theirs 1"
    [(_, problem)] = (await check_cdrs(context, partner)).problems
    assert problem.startswith("total_cost: ours {'excl_vat': 9.0")


def test_cli_commands_exist() -> None:
    assert {"sessions", "cdrs"} <= set(COMMANDS)
    assert {"list", "show", "check"} <= set(getattr(load_command("sessions"), "commands", {}))
    assert {"list", "show", "credit"} <= set(getattr(load_command("cdrs"), "commands", {}))


@pytest.fixture
def advenir_settings(database_url: str) -> Any:
    operations = [{"operator_id": "FR*AB1", "name": "AB1", "advenir": True}]
    return make_settings(database_url, operations=operations)


async def test_advenir_sends_anonymised_sessions_and_cdrs_of_non_roaming_charges(
    network: Network, advenir_settings: Any
) -> None:
    await ready(network)
    app = create_app(
        advenir_settings,
        clock=SystemClock(),
        storage=network.storage,
        transport=network.transport,
    )
    network.hub_state.token_outcomes["0A0B0C0D"] = {"unknown": True}
    pipe = app.state.station_events
    decision = await pipe.transaction_started(
        TransactionStarted("ST1", "E1-2", "1", "ADV1", "0A0B0C0D", "RFID", Decimal(0), at(0))
    )
    assert not decision.allowed  # the hub does not know it: not a roaming charge
    await pipe.transaction_stopped(TransactionStopped("ST1", "ADV1", Decimal(4000), at(30)))
    await deliver(network)
    advenir = {
        "country_code": "$$",
        "party_id": "ADV",
        "uid": "12345671234567",
        "type": "RFID",
        "contract_id": "Gireve2Advenir",
    }
    [session] = network.hub_state.sessions.values()
    [cdr] = network.hub_state.cdrs.values()
    assert session["cdr_token"] == advenir == cdr["cdr_token"]
    assert session["status"] == "COMPLETED" and cdr["total_energy"] == 4
    assert "authorization_reference" not in cdr and cdr["auth_method"] == "WHITELIST"


async def test_without_advenir_a_refused_charge_stays_ours(network: Network) -> None:
    await ready(network)
    network.hub_state.token_outcomes["0A0B0C0D"] = {"unknown": True}
    await events(network).transaction_started(
        TransactionStarted("ST1", "E1-2", "1", "X1", "0A0B0C0D", "RFID", Decimal(0), at(0))
    )
    await deliver(network)
    assert network.hub_state.sessions == {}
    async with network.storage.read() as uow:
        [session] = await uow.sessions.recent(1)
    assert session.status.value == "INVALID" and not session.published


async def test_charging_preferences(network: Network) -> None:
    token = await ready(network)
    await start(network)
    async with network.storage.read() as uow:
        [session] = await uow.sessions.recent(1)
    url = f"/ocpi/2.2.1/sessions/{session.key.id}/charging_preferences"
    body: dict[str, Any] = {"profile_type": "FAST", "energy_need": 20}
    answer = await network.client.put(url, headers=auth(token), json=body)
    # make_location EVSEs are not CHARGING_PREFERENCES_CAPABLE: HTTP 404 with OCPI 2001
    assert answer.status_code == 404, answer.text
    assert answer.json()["status_code"] == 2001
    assert "CHARGING_PREFERENCES_CAPABLE" in answer.json()["status_message"]
    bad = await network.client.put(url, headers=auth(token), json={"energy_need": 1})
    assert bad.json()["status_code"] == 2001 and "profile_type" in bad.json()["status_message"]
    unknown = await network.client.put(
        "/ocpi/2.2.1/sessions/NOPE/charging_preferences", headers=auth(token), json=body
    )
    assert unknown.status_code == 404
