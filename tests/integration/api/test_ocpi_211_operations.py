"""One registration per operation (Gireve on OCPI 2.1.1, docs/gireve-2.1.1.md §2): with two
operations, Gireve is two partners, each bound to one operation. Each one's 2.1.1 credentials name
its operation, it pulls only that operation's Locations, Tariffs, Sessions and CDRs, a command on
another operation's Location is answered as for an unknown Location, and only its operation's
changes are queued for it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted
from ocpi_cpo.services import locations as location_service
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import imported
from tests.integration.api.ocpi_211_support import Emsp211, registered_211
from tests.integration.api.sessions_support import AC22, at, deliver, events, meter, stop
from tests.support.locations import make_location

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}
GIREVE = ("FR", "107")


async def gireves(network: Network) -> dict[str, Emsp211]:
    """Gireve's 2.1.1 IOP registered twice, once per operation (each its own token exchange)."""
    return {
        operation: await registered_211(
            network,
            f"gireve-{operation[-3:].lower()}",
            GIREVE,
            host=f"iop-{operation[-3:].lower()}.test",
            profile="gireve-preprod",
            operation=operation,
        )
        for operation in ("FR*AB1", "FR*AB2")
    }


def tariff(party: str, tariff_id: str) -> dict[str, Any]:
    return {
        "country_code": "FR",
        "party_id": party,
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.3, "vat": 20, "step_size": 1}]}
        ],
        "start_date_time": "2026-01-01T00:00:00Z",
    }


async def import_both(network: Network) -> None:
    context = network.app.state.ocpi
    async with network.storage.transaction() as uow:
        await location_service.import_locations(
            uow, context.publisher, [make_location(1, "FR*AB1"), make_location(2, "FR*AB2")],
            [OperatorId.parse("FR*AB1"), OperatorId.parse("FR*AB2")], context.clock.now(),
            allow_unknown_tariffs=True,
        )  # fmt: skip


async def test_each_operation_registers_on_its_own_and_our_credentials_name_it(
    network: Network,
) -> None:
    bound = await gireves(network)
    for operation, iop in bound.items():
        country, party = operation.split("*")
        assert (iop.ours["country_code"], iop.ours["party_id"]) == (country, party)
        assert iop.ours["business_details"]["name"] == f"{party} Charging"
        # GET credentials says the same
        got = await network.client.get("/ocpi/2.1.1/credentials", headers=iop.headers())
        assert (got.json()["data"]["country_code"], got.json()["data"]["party_id"]) == (
            country,
            party,
        )
    assert bound["FR*AB1"].token != bound["FR*AB2"].token
    async with network.storage.read() as uow:
        partners = {p.name: p for p in await uow.partners.all()}
    assert partners["gireve-ab1"].operation == "FR*AB1"
    assert partners["gireve-ab2"].operation == "FR*AB2"
    assert [str(r) for r in partners["gireve-ab1"].roles] == ["HUB FR/107"]


async def test_an_unbound_gireve_on_211_is_refused_when_we_host_two_operations(
    network: Network,
) -> None:
    """Invited without --version (nor --operation), it registers on 2.1.1: refused, named."""
    iop = Emsp211(host="iop.test")
    network.transport.apps["iop.test"] = iop.app()
    token_a = await network.invite("gireve", "gireve-preprod")
    response = await network.client.post(
        "/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},
        json={
            "token": "iop-token-b",
            "url": "http://iop.test/ocpi/versions",
            "business_details": {"name": "GIREVE"},
            "party_id": "107",
            "country_code": "FR",
        },
    )
    body = response.json()
    assert body["status_code"] == 2001, body
    assert "--operation" in body["status_message"]
    assert "FR*AB1, FR*AB2" in body["status_message"]


async def test_each_sees_and_receives_only_its_operation(network: Network) -> None:
    bound = await gireves(network)
    await import_both(network)
    for operation in ("AB1", "AB2"):
        put = await network.client.put(
            "/admin/tariffs", headers=ADMIN, json=tariff(operation, f"T-{operation}")
        )
        assert put.json()["status_code"] == 1000, put.json()

    # Pushes: each partner's queue holds only its operation's Locations and Tariffs.
    async with network.storage.read() as uow:
        partners = {p.operation: p for p in await uow.partners.all()}
        for bound_to, partner in partners.items():
            assert bound_to is not None
            party = "/" + bound_to.replace("*", "/") + "/"
            queued = await uow.outbox.find(QueueFilter(partner_id=partner.id))
            assert queued, bound_to
            assert all(m.url.startswith(party) for m in queued), [m.url for m in queued]
            assert {m.module for m in queued} == {"locations", "tariffs"}

    # Pulls: Locations and Tariffs of its operation only, whatever OCPI-to-* it sends.
    for operation, iop in bound.items():
        party = operation.split("*")[1]
        headers = {
            **iop.headers(),
            "OCPI-to-country-code": "FR",
            "OCPI-to-party-id": "AB2" if party == "AB1" else "AB1",
        }
        page = (await network.client.get("/ocpi/2.1.1/locations", headers=headers)).json()
        assert page["status_code"] == 1000, page
        assert [loc["id"] for loc in page["data"]] == [f"LOC{party[-1]}"]
        tariffs = (await network.client.get("/ocpi/2.1.1/tariffs", headers=iop.headers())).json()
        assert [t["id"] for t in tariffs["data"]] == [f"T-{party}"]
        other = "LOC2" if party == "AB1" else "LOC1"
        missing = await network.client.get(f"/ocpi/2.1.1/locations/{other}", headers=headers)
        assert missing.json()["status_code"] == 2003
        for module in ("sessions", "cdrs"):
            listed = await network.client.get(
                f"/ocpi/2.1.1/{module}",
                headers=iop.headers(),
                params={"date_from": "2020-01-01T00:00:00Z"},
            )
            assert listed.json()["status_code"] == 1000 and listed.json()["data"] == []


async def test_a_command_on_another_operations_location_is_an_unknown_location(
    network: Network,
) -> None:
    bound = await gireves(network)
    await import_both(network)
    iop = bound["FR*AB1"]
    body = {
        "response_url": f"http://{iop.host}/ocpi/2.1.1/commands/START_SESSION/1",
        "location_id": "LOC2",
        "token": {
            "uid": "04A1B2C3",
            "type": "RFID",
            "auth_id": "NL-EMS-C00000001",
            "issuer": "NL*EMS",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2026-01-01T00:00:00Z",
        },
    }
    answered = await network.client.post(
        "/ocpi/2.1.1/commands/START_SESSION", headers=iop.headers(), content=orjson.dumps(body)
    )
    envelope = answered.json()
    assert envelope["status_code"] == 2003, envelope
    assert "LOC2" in envelope["status_message"]


async def test_a_charge_reaches_and_is_seen_by_its_operations_partner_only(
    network: Network,
) -> None:
    """A charge at FR*AB2's station: its real-time authorization, Session and CDR go to the
    partner bound to FR*AB2 (gireve-ab1 registered first, and is not asked)."""
    bound = await gireves(network)
    tariff_ab2 = {**AC22, "party_id": "AB2"}
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[tariff_ab2])
    assert response.json()["status_code"] == 1000, response.json()
    await imported(network, [make_location(1, "FR*AB2")])
    pipe = events(network)
    decision = await pipe.authorize(AuthorizationRequest("ST1", "AB2-E1-1", "04A1B2C3", "RFID"))
    assert decision.allowed
    started = await pipe.transaction_started(
        TransactionStarted("ST1", "AB2-E1-1", "1", "TX1", "04A1B2C3", "RFID", Decimal(1000), at(0))
    )
    assert started.allowed
    await meter(network, 15, 6000, 22000)
    await stop(network, 30, 11000)
    await deliver(network)

    ab2, ab1 = bound["FR*AB2"], bound["FR*AB1"]
    assert ab2.sent("POST", "/ocpi/2.1.1/tokens/04A1B2C3/authorize")
    assert ab2.sent("PUT", "/ocpi/2.1.1/sessions/FR/AB2/")
    assert len(ab2.sent("POST", "/ocpi/2.1.1/cdrs")) == 1
    assert ab1.received == []  # neither asked, nor told
    for module in ("sessions", "cdrs"):
        pages = [
            await network.client.get(
                f"/ocpi/2.1.1/{module}",
                headers=iop.headers(),
                params={"date_from": "2020-01-01T00:00:00Z"},
            )
            for iop in (ab2, ab1)
        ]
        assert [p.headers["X-Total-Count"] for p in pages] == ["1", "0"], module


async def test_stop_session_from_another_operations_partner_is_an_unknown_session(
    network: Network,
) -> None:
    """A session at FR*AB2: the partner bound to FR*AB1 cannot stop it (UNKNOWN_SESSION, as for
    any session it cannot know); the partner bound to FR*AB2 gets past that check."""
    bound = await gireves(network)
    tariff_ab2 = {**AC22, "party_id": "AB2"}
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[tariff_ab2])
    assert response.json()["status_code"] == 1000, response.json()
    await imported(network, [make_location(1, "FR*AB2")])
    started = await events(network).transaction_started(
        TransactionStarted("ST1", "AB2-E1-1", "1", "TX1", "04A1B2C3", "RFID", Decimal(1000), at(0))
    )
    assert started.allowed
    await deliver(network)
    ab2, ab1 = bound["FR*AB2"], bound["FR*AB1"]
    session_id = ab2.sent("PUT", "/ocpi/2.1.1/sessions/FR/AB2/")[0][0].rsplit("/", 1)[-1]

    async def stop_from(iop: Emsp211) -> str:
        body = {
            "response_url": f"http://{iop.host}/ocpi/2.1.1/commands/STOP_SESSION/1",
            "session_id": session_id,
        }
        answered = await network.client.post(
            "/ocpi/2.1.1/commands/STOP_SESSION", headers=iop.headers(), content=orjson.dumps(body)
        )
        envelope = answered.json()
        assert envelope["status_code"] == 1000, envelope
        return str(envelope["data"]["result"])

    assert await stop_from(ab1) == "UNKNOWN_SESSION"
    assert await stop_from(ab2) != "UNKNOWN_SESSION"
