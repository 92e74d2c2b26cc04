"""Two eMSPs and a hub, and objects of eMSP A's tokens: the ownership matrix's world.

eMSP A (NL/EMS) and eMSP B (DE/EMX) are registered straight in storage; the hub (role HUB
FR/107, profile ocpi-2.2.1 so that every command is offered) registers through the simulated
hub. A charges with its token NL/EMS: an ACTIVE session on E1-1, a CDR of a charge on E1-2;
A reserves R-A itself, the hub reserves R-HUB for A (OCPI-from NL/EMS); A pushes token TOKA;
the hub tells us A's ClientInfo; A's 2.1.1 registration pushes token TOKB. The same three parties are registered on OCPI 2.1.1 as well
(``callers_211``): a partner may call only the routes of the version agreed with it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.services.simulated_stations import SimulatedStations
from ocpi_cpo.sim.hub import SimHubState, create_hub_app
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import ready, start, stop
from tests.support.asgi import AsgiTransport
from tests.support.factories import CPO_HOST, HUB_HOST, make_settings
from tests.support.partners import partner_on

A, B = ("NL", "EMS"), ("DE", "EMX")
FOR_US = {"OCPI-to-country-code": "FR", "OCPI-to-party-id": "AB1"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def origin(party: tuple[str, str]) -> dict[str, str]:
    return {**FOR_US, "OCPI-from-country-code": party[0], "OCPI-from-party-id": party[1]}


@dataclass
class Caller:
    headers: dict[str, str]
    #: where its commands' results go (a URL on its own host)
    response_url: str


@dataclass
class World:
    network: Network
    callers: dict[str, Caller]
    #: the same parties registered on OCPI 2.1.1: a partner calls its agreed version's routes only
    callers_211: dict[str, Caller]
    session_id: str = ""
    cdr_id: str = ""
    #: the station reservation id of R-HUB, which the hub made for A
    hub_reservation: int | None = None

    @property
    def context(self) -> OcpiContext:
        context: OcpiContext = self.network.app.state.ocpi
        return context

    @property
    def stations(self) -> SimulatedStations:
        simulated = self.context.commands.drivers.simulated
        assert simulated is not None
        return simulated

    async def call(
        self,
        who: str,
        method: str,
        path: str,
        body: Any = None,
        version: str = "2.2.1",
        **params: str,
    ) -> httpx.Response:
        return await self.network.client.request(
            method,
            f"/ocpi/{version}/{path}",
            headers=self.caller(who, version).headers,
            json=body,
            params=params or None,
        )

    def caller(self, who: str, version: str) -> Caller:
        return (self.callers_211 if version == "2.1.1" else self.callers)[who]

    async def command(
        self, who: str, name: str, body: dict[str, Any], version: str = "2.2.1"
    ) -> str:
        """The CommandResponse's result; the station call (if any) has run when this returns."""
        url = f"{self.caller(who, version).response_url}/{name}/1"
        response = await self.call(
            who, "POST", f"commands/{name}", {**body, "response_url": url}, version
        )
        assert response.json()["status_code"] == 1000, response.text
        await self.context.commands.idle()
        return str(response.json()["data"]["result"])


async def _emsp(
    storage: SqlStorage, name: str, party: tuple[str, str], version: str = "2.2.1"
) -> Caller:
    token = await partner_on(storage, name, version, role="EMSP", party=party)
    return Caller(auth(token), f"http://{name}.test/ocpi/{version}/commands")


async def _callers_211(storage: SqlStorage) -> dict[str, Caller]:
    """eMSP A, eMSP B and the hub (FR/107) as partners on OCPI 2.1.1."""
    hub = auth(await partner_on(storage, "hub-211", "2.1.1"))
    hub_url = "http://hub-211.test/ocpi/2.1.1/commands"
    return {
        "emsp A": await _emsp(storage, "emsp-a-211", A, "2.1.1"),
        "emsp B": await _emsp(storage, "emsp-b-211", B, "2.1.1"),
        "hub": Caller(hub, hub_url),
        "hub for A": Caller({**hub, **origin(A)}, hub_url),
        "hub for B": Caller({**hub, **origin(B)}, hub_url),
    }


def token(party: tuple[str, str], uid: str) -> dict[str, Any]:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{party[0]}-{party[1]}-C{uid}",
        "issuer": "eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T00:00:00Z",
    }


def reserve(reservation_id: str) -> dict[str, Any]:
    return {
        "token": token(A, "RESA01"),
        "expiry_date": "2099-01-01T00:00:00Z",
        "reservation_id": reservation_id,
        "location_id": "LOC1",
        "evse_uid": "E1-2",
    }


@pytest.fixture
async def world(storage: SqlStorage, database_url: str) -> AsyncIterator[World]:
    settings = make_settings(database_url, commands={"timeout": 0.3, "simulate_stations": True})
    transport = AsgiTransport()
    app = create_app(settings, clock=SystemClock(), storage=storage, transport=transport)
    hub_state = SimHubState("FR", "107", f"http://{HUB_HOST}", quiet=True)
    hub_app = create_hub_app(hub_state, transport=transport)
    transport.apps.update({CPO_HOST: app, HUB_HOST: hub_app})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{CPO_HOST}"
    ) as client:
        network = Network(settings, storage, app, hub_state, hub_app, transport, client)
        hub = auth(await ready(network, profile="ocpi-2.2.1"))
        hub_url = f"http://{HUB_HOST}/ocpi/2.2.1/commands"
        callers = {
            "emsp A": await _emsp(storage, "emsp-a", A),
            "emsp B": await _emsp(storage, "emsp-b", B),
            "hub": Caller(hub, hub_url),
            "hub for A": Caller({**hub, **origin(A)}, hub_url),
            "hub for B": Caller({**hub, **origin(B)}, hub_url),
        }
        found = World(network, callers, await _callers_211(storage))
        await _objects_of_a(found)
        yield found
        await found.context.commands.close()


async def _objects_of_a(world: World) -> None:
    network = world.network
    await start(network, "TX-CDR", evse="E1-2")  # the simulated hub authorizes as NL/EMS
    await stop(network, 10, 2000, transaction_id="TX-CDR")
    await start(network, "TX-ACTIVE", evse="E1-1")
    async with network.storage.read() as uow:
        active, ended = await uow.sessions.recent(2)
        world.session_id = active.key.id
        assert ended.cdr_id is not None and active.token_party == A
        world.cdr_id = ended.cdr_id
    assert await world.command("emsp A", "RESERVE_NOW", reserve("R-A")) == "ACCEPTED"
    assert await world.command("hub for A", "RESERVE_NOW", reserve("R-HUB")) == "ACCEPTED"
    async with network.storage.read() as uow:
        world.hub_reservation = (await uow.commands.recent(1))[0].station_reservation_id
    info = {
        "party_id": "EMS",
        "country_code": "NL",
        "role": "EMSP",
        "status": "CONNECTED",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    told = await world.call("hub", "PUT", "hubclientinfo/NL/EMS", info)
    assert told.json()["status_code"] == 1000, told.text
    pushed = await world.call("emsp A", "PUT", "tokens/NL/EMS/TOKA", token(A, "TOKA"))
    assert pushed.json()["status_code"] == 1000, pushed.text
    token_211 = {k: v for k, v in token(A, "TOKB").items() if k not in ("country_code", "party_id")}
    token_211 |= {"auth_id": token_211.pop("contract_id")}
    pushed = await world.call("emsp A", "PUT", "tokens/NL/EMS/TOKB", token_211, "2.1.1")
    assert pushed.json()["status_code"] == 1000, pushed.text
