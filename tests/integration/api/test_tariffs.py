"""Tariffs Sender (pagination, per-eMSP descriptions, GET one), admin API, pushes to the hub."""

from __future__ import annotations

from typing import Any

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.ocpi.v2_2_1.tariffs.client import check_receiver
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services import tariffs as service
from tests.integration.api.conftest import Network, auth

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}
ROUTING = {
    "OCPI-from-country-code": "FR",
    "OCPI-from-party-id": "107",
    "OCPI-to-country-code": "FR",
    "OCPI-to-party-id": "AB1",
}


def tariff(tariff_id: str, price: float = 0.25, **extra: object) -> dict[str, Any]:
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": 20, "step_size": 1}]}
        ],
        "start_date_time": "2026-01-01T00:00:00Z",
        **extra,
    }


async def registered(network: Network) -> str:
    await network.hub_registers(await network.invite())
    assert network.hub_state.cpo_token is not None
    return network.hub_state.cpo_token


async def admin_import(network: Network, body: object) -> dict[str, Any]:
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=body)
    result: dict[str, Any] = response.json()
    return result


async def deliver(network: Network) -> None:
    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    while await worker.drain_once():
        pass


async def test_101_tariffs_come_in_two_pages_of_100(network: Network) -> None:
    token = await registered(network)
    result = await admin_import(network, [tariff(f"T{n:03d}") for n in range(101)])
    assert result["status_code"] == 1000 and len(result["data"]["created"]) == 101
    first = await network.client.get("/ocpi/2.2.1/tariffs", headers={**auth(token), **ROUTING})
    assert first.headers["X-Total-Count"] == "101" and first.headers["X-Limit"] == "100"
    assert [t["id"] for t in first.json()["data"]] == [f"T{n:03d}" for n in range(100)]
    assert first.headers["OCPI-to-party-id"] == "107"
    link = first.headers["Link"]
    assert link == '<http://cpo.test/ocpi/2.2.1/tariffs?offset=100&limit=100>; rel="next"'
    second = await network.client.get(
        link[1 : link.index(">")].removeprefix("http://cpo.test"), headers=auth(token)
    )
    assert [t["id"] for t in second.json()["data"]] == ["T100"]
    assert "Link" not in second.headers and second.headers["X-Limit"] == "100"


async def test_the_hub_sees_one_entry_per_description_and_get_one(network: Network) -> None:
    token = await registered(network)
    targeted = tariff("T1", 0.2, target_operator_country_code="FR", target_operator_party_id="MSP")
    await admin_import(network, [tariff("T1"), targeted])
    listed = await network.client.get("/ocpi/2.2.1/tariffs", headers=auth(token))
    data = listed.json()["data"]
    assert [(t["id"], t.get("target_operator_party_id")) for t in data] == [
        ("T1", None),
        ("T1", "MSP"),
    ]
    default = await network.client.get("/ocpi/2.2.1/tariffs/FR/AB1/T1", headers=auth(token))
    assert default.json()["data"] == data[0]
    for_msp = await network.client.get(
        "/ocpi/2.2.1/tariffs/FR/AB1/T1",
        headers={**auth(token), "OCPI-from-country-code": "FR", "OCPI-from-party-id": "MSP"},
    )
    assert for_msp.json()["data"] == data[1]
    missing = await network.client.get("/ocpi/2.2.1/tariffs/FR/AB1/NOPE", headers=auth(token))
    assert missing.status_code == 404


async def test_admin_refusals_name_the_field_and_store_nothing(network: Network) -> None:
    bad = tariff("T1")
    bad["elements"][0]["price_components"][0]["price"] = -1
    refused = await admin_import(network, bad)
    assert refused["status_code"] == 2001
    assert refused["status_message"].startswith("elements[0].price_components[0].price:")
    half = await admin_import(
        network, [tariff("T1"), {**tariff("T2"), "target_operator_party_id": "MSP"}]
    )
    assert half["status_code"] == 2001 and half["status_message"].startswith("[1].")
    listed = await network.client.get("/admin/tariffs", headers=ADMIN)
    assert listed.json()["data"] == []


async def test_admin_refuses_a_price_change_and_says_how(network: Network) -> None:
    await admin_import(network, tariff("T1"))
    refused = await admin_import(network, tariff("T1", 0.3))
    assert refused["status_code"] == 2001
    assert "change-price T1" in refused["status_message"]


async def test_a_tariff_change_reaches_the_hub(network: Network) -> None:
    await registered(network)
    created = await admin_import(network, tariff("OLD"))
    assert created["data"]["queued"] == 1
    await deliver(network)
    assert network.hub_state.tariffs["FR/AB1/OLD"][""]["elements"] == tariff("OLD")["elements"]
    changed = await network.client.post(
        "/admin/tariffs/FR/AB1/OLD/change-price?at=2026-12-01T00:00:00Z",
        headers=ADMIN,
        json={k: v for k, v in tariff("NEW", 0.3).items() if k != "start_date_time"},
    )
    assert changed.json()["data"]["created"] == ["FR/AB1/NEW"]
    await deliver(network)
    hub = network.hub_state.tariffs
    assert hub["FR/AB1/OLD"][""]["end_date_time"] == "2026-12-01T00:00:00Z"
    assert hub["FR/AB1/NEW"][""]["start_date_time"] == "2026-12-01T00:00:00Z"
    puts = [r for r in network.hub_state.requests if r["module"] == "tariffs"]
    assert all(not r["problems"] for r in puts)
    assert puts[0]["headers"]["ocpi-from-party-id"] == "AB1"
    deleted = await network.client.delete("/admin/tariffs/FR/AB1/OLD", headers=ADMIN)
    assert deleted.json()["data"]["deleted"] == ["FR/AB1/OLD"]
    await deliver(network)
    assert "FR/AB1/OLD" not in network.hub_state.tariffs
    async with network.storage.read() as uow:
        sent = await uow.outbox.find(QueueFilter(module="tariffs"))
    assert {m.state for m in sent} == {MessageState.DELIVERED}


async def test_check_finds_what_the_hub_lacks_and_fix_queues_it(network: Network) -> None:
    await registered(network)
    await admin_import(network, [tariff("T1"), tariff("T2")])
    await deliver(network)
    network.hub_state.tariffs.pop("FR/AB1/T2")
    network.hub_state.tariffs["FR/AB1/T1"][""]["elements"][0]["price_components"][0]["price"] = 9
    async with network.storage.read() as uow:
        [hub] = await uow.partners.all()
        expected = service.expected_at(hub, await uow.tariffs.all())
    found = await check_receiver(network.transport, hub, expected, timeout=5)
    assert [(str(m.key), m.problem) for m in found] == [
        ("FR/AB1/T1", "differs: elements"),
        ("FR/AB1/T2", "missing"),
    ]
    async with network.storage.transaction() as uow:
        ids = [("FR", "AB1", "T1"), ("FR", "AB1", "T2")]
        queued = await service.resend(uow, publisher(), hub, ids, SystemClock().now())
    assert queued == 2
    await deliver(network)
    assert await check_receiver(network.transport, hub, expected, timeout=5) == []
