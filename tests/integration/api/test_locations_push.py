"""Pushes to partners through the outbox: order and content against the simulated hub, the Gireve
tariff rule, no resend of the same status, and Check EVCI against a hub holding a stale copy."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.location_check import Finding
from ocpi_cpo.domain.partners import Direction, Endpoint, Partner, PartyRole
from ocpi_cpo.ocpi.v2_2_1.locations.check import check_partner
from ocpi_cpo.ocpi.v2_2_1.locations.client import read_back
from ocpi_cpo.outbound.worker import OutboxWorker
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, imported, registered
from tests.support.locations import make_location
from tests.support.partners import add_registered


async def queued(network: Network, partner_id: int | None = None) -> list[dict[str, Any]]:
    async with network.storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner_id, module="locations"))
    return [
        {
            "partner": m.partner_id,
            "method": m.method,
            "url": m.url,
            "key": m.object_key,
            "body": orjson.loads(m.body) if m.body else None,
            "routing": m.routing,
            "state": m.state.value,
        }
        for m in sorted(messages, key=lambda m: m.id)
    ]


async def deliver(network: Network) -> int:
    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    total = 0
    while handled := await worker.drain_once():
        total += handled
    return total


async def set_status(network: Network, uid: str, status: str) -> bool:
    response = await network.client.put(
        f"/admin/evses/{uid}/status", headers=ADMIN, json={"status": status}
    )
    assert response.json()["status_code"] == 1000, response.json()
    changed: bool = response.json()["data"]["changed"]
    return changed


async def plain_partner(network: Network) -> Partner:
    """A registered OCPI 2.2.1 partner (not Gireve) with a Locations Receiver at the sim hub."""
    async with network.storage.transaction() as uow:
        return await add_registered(
            uow,
            "emsp",
            PartyRole("EMSP", "NL", "MSP"),
            endpoints=[Endpoint("locations", "RECEIVER", "http://hub.test/ocpi/2.2.1/locations")],
            versions_url="http://hub.test/ocpi/versions",
            direction=Direction.TO_PARTNER,
            outbound_token="unused",
            now=SystemClock().now(),
        )


async def test_a_new_location_is_put_then_status_patched_in_order(network: Network) -> None:
    await registered(network)
    result = await imported(network, [make_location(1), make_location(2)])
    assert result == {"created": 2, "updated": 0, "unchanged": 0, "queued": 2}
    assert await set_status(network, "E1-2", "CHARGING")
    assert not await set_status(network, "E1-2", "CHARGING")
    messages = await queued(network)
    assert [(m["method"], m["url"], m["key"]) for m in messages] == [
        ("PUT", "/FR/AB1/LOC1", "FR/AB1/LOC1"),
        ("PUT", "/FR/AB1/LOC2", "FR/AB1/LOC2"),
        ("PATCH", "/FR/AB1/LOC1/E1-2", "FR/AB1/LOC1"),
    ]
    assert messages[0]["body"] == make_location(1)
    assert set(messages[2]["body"]) == {"status", "last_updated"}
    routing = messages[0]["routing"]
    assert (routing.from_country_code, routing.from_party_id) == ("FR", "AB1")
    assert (routing.to_country_code, routing.to_party_id) == ("FR", "107")

    assert await deliver(network) == 3
    held = network.hub_state.locations["FR/AB1/LOC1"]
    assert held["evses"][1]["status"] == "CHARGING"
    hub_calls = [
        (r["method"], r["path"])
        for r in network.hub_state.requests
        if r["module"] == "locations" and not r["problems"]
    ]
    assert hub_calls == [
        ("PUT", "/ocpi/2.2.1/locations/FR/AB1/LOC1"),
        ("PUT", "/ocpi/2.2.1/locations/FR/AB1/LOC2"),
        ("PATCH", "/ocpi/2.2.1/locations/FR/AB1/LOC1/E1-2"),
    ]


async def test_reimport_pushes_only_what_changed(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1), make_location(2)])
    changed = make_location(2)
    changed["name"] = "Renamed"
    changed["evses"][0]["connectors"][0]["max_amperage"] = 16
    result = await imported(network, [make_location(1), changed])
    assert result == {"created": 0, "updated": 1, "unchanged": 1, "queued": 2}
    messages = (await queued(network))[2:]
    assert [(m["method"], m["url"]) for m in messages] == [
        ("PATCH", "/FR/AB1/LOC2"),
        ("PATCH", "/FR/AB1/LOC2/E2-1/1"),
    ]
    assert messages[0]["body"]["name"] == "Renamed"
    assert messages[1]["body"]["max_amperage"] == 16


async def test_tariff_change_gireve_as_evse_patch_others_as_connector_patch(
    network: Network,
) -> None:
    await registered(network)
    emsp = await plain_partner(network)
    await imported(network, [make_location(1)])
    changed = make_location(1)
    for connector in changed["evses"][0]["connectors"]:
        connector["tariff_ids"] = ["NEW"]
    await imported(network, [changed])
    gireve = [m for m in await queued(network) if m["partner"] != emsp.id][1:]
    plain = (await queued(network, emsp.id))[1:]
    assert [(m["method"], m["url"]) for m in gireve] == [("PATCH", "/FR/AB1/LOC1/E1-1")]
    assert set(gireve[0]["body"]) == {"status", "connectors", "last_updated"}
    assert [c["tariff_ids"] for c in gireve[0]["body"]["connectors"]] == [["NEW"], ["NEW"]]
    assert [(m["method"], m["url"]) for m in plain] == [
        ("PATCH", "/FR/AB1/LOC1/E1-1/1"),
        ("PATCH", "/FR/AB1/LOC1/E1-1/2"),
    ]
    assert set(plain[0]["body"]) == {"tariff_ids", "last_updated"}
    assert plain[0]["routing"].to_party_id == "MSP"

    await deliver(network)
    held = network.hub_state.locations["FR/AB1/LOC1"]["evses"][0]
    assert [c["tariff_ids"] for c in held["connectors"]] == [["NEW"], ["NEW"]]


async def test_private_locations_are_not_pushed_until_published(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1, publish=False)])
    assert await set_status(network, "E1-1", "CHARGING")
    assert await queued(network) == []
    published = make_location(1)
    published["evses"][0]["status"] = "CHARGING"
    await imported(network, [published])
    messages = await queued(network)
    assert [(m["method"], m["url"]) for m in messages] == [("PUT", "/FR/AB1/LOC1")]
    assert messages[0]["body"]["evses"][0]["status"] == "CHARGING"


async def test_check_repairs_a_stale_copy(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1), make_location(2), make_location(3)])
    await deliver(network)
    stale = orjson.loads(orjson.dumps(network.hub_state.locations["FR/AB1/LOC2"]))
    assert await set_status(network, "E2-2", "OUTOFORDER")
    await deliver(network)
    network.hub_state.locations["FR/AB1/LOC2"] = stale  # the hub lost the PATCH
    del network.hub_state.locations["FR/AB1/LOC3"]  # and forgot LOC3

    context = network.app.state.ocpi
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    report = await check_partner(context, partner, fix=False)
    assert report.checked == 3
    assert [(d.finding, d.where) for d in report.differences] == [
        (Finding.STALE, "FR/AB1/LOC2"),
        (Finding.DIFFERENT, "FR/AB1/LOC2/E2-2"),
        (Finding.STALE, "FR/AB1/LOC2/E2-2"),
        (Finding.MISSING, "FR/AB1/LOC3"),
    ]
    assert report.queued == 0

    report = await check_partner(context, partner, fix=True)
    assert report.queued == 2
    assert await deliver(network) == 2
    report = await check_partner(context, partner, fix=False)
    assert report.in_sync and report.checked == 3


async def test_a_change_made_while_checking_is_in_the_repair(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--fix queued the copy the check had read before its calls to the partner: a status
    changed meanwhile was superseded by the old one (the walk can take minutes). The repair
    reads each Location again, holding its row."""
    await registered(network)
    await imported(network, [make_location(1)])
    await deliver(network)
    network.hub_state.locations.clear()  # the hub lost it: the check finds it missing

    async def changed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        assert await set_status(network, "E1-1", "CHARGING")  # while the partner is asked
        return await read_back(*args, **kwargs)

    monkeypatch.setattr(check_partner.__module__ + ".read_back", changed_meanwhile)
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    report = await check_partner(network.app.state.ocpi, partner, fix=True)
    assert report.queued == 1
    messages = await queued(network)
    assert [(m["method"], m["state"]) for m in messages][-1] == ("PUT", "PENDING")
    assert messages[-1]["body"]["evses"][0]["status"] == "CHARGING"
    await deliver(network)
    assert network.hub_state.locations["FR/AB1/LOC1"]["evses"][0]["status"] == "CHARGING"


async def test_bulk_queueing_keeps_order_and_supersedes(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1)])
    assert await set_status(network, "E1-1", "CHARGING")
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("gireve")
    assert partner is not None
    context = network.app.state.ocpi
    # The hub lost everything: --fix queues a full PUT, superseding the queued ones.
    network.hub_state.locations.clear()
    report = await check_partner(context, partner, fix=True)
    assert report.queued == 1
    messages = await queued(network)
    assert [(m["method"], m["state"]) for m in messages] == [
        ("PUT", "SUPERSEDED"),
        ("PATCH", "SUPERSEDED"),
        ("PUT", "PENDING"),
    ]
    assert messages[2]["body"]["evses"][0]["status"] == "CHARGING"
