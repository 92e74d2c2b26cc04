"""Commands tests: our app and the simulated hub in-process, simulated stations reporting to a
recording station side (StationEvents + SessionDirectory), a short command timeout."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.commands import StoredCommand
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    AuthorizationRequest,
    ChargingState,
    EvseStatus,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services.commands import CommandService
from ocpi_cpo.services.ownership import Parties, may_act_on
from ocpi_cpo.services.simulated_stations import SimulatedStations
from ocpi_cpo.sim.hub import SimHubState, create_hub_app
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import imported, registered
from tests.support.asgi import AsgiTransport
from tests.support.factories import CPO_HOST, HUB_HOST, make_settings
from tests.support.locations import make_location

TIMEOUT = 0.3  # seconds we give the (simulated) station in these tests
ROUTING = {
    "OCPI-from-country-code": "NL",
    "OCPI-from-party-id": "EMS",
    "OCPI-to-country-code": "FR",
    "OCPI-to-party-id": "AB1",
}
RESPONSE_URL = f"http://{HUB_HOST}/ocpi/2.2.1/commands"


@dataclass
class StationSide:
    """StationEvents + SessionDirectory that records what the stations report; every
    transaction opens a session S1, S2, ..."""

    started: list[TransactionStarted] = field(default_factory=list)
    stopped: list[TransactionStopped] = field(default_factory=list)
    statuses: list[tuple[str, EvseStatus]] = field(default_factory=list)
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def station_online(self, station_id: str, at: Any) -> None:
        return None

    async def station_offline(self, station_id: str, at: Any, epoch: int | None = None) -> None:
        return None

    async def evse_status(self, evse_uid: str, status: EvseStatus, at: Any) -> None:
        self.statuses.append((evse_uid, status))

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED)

    async def transaction_started(self, event: TransactionStarted) -> AuthorizationDecision:
        self.started.append(event)
        self.sessions[f"S{next(self._numbers)}"] = (event.station_id, event.transaction_id)
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED)

    async def meter_values(self, *readings: MeterReading) -> None:
        return None

    async def charging_state(
        self, station_id: str, transaction_id: str, state: ChargingState, at: Any
    ) -> None:
        return None

    async def transaction_stopped(self, event: TransactionStopped) -> None:
        self.stopped.append(event)
        for session_id, found in list(self.sessions.items()):
            if found == (event.station_id, event.transaction_id):
                del self.sessions[session_id]

    async def transaction_of(
        self, session_id: str, parties: Parties, operation: tuple[str, str] | None = None
    ) -> tuple[str, str] | None:
        """Every session here is of a token of NL/EMS (``token()``), at FR*AB1's LOC1."""
        if operation not in (None, ("FR", "AB1")):
            return None
        return self.sessions.get(session_id) if may_act_on(parties, ("NL", "EMS")) else None


@dataclass
class Commands:
    network: Network
    side: StationSide
    #: the partner's token to call us, once registered
    token: str = ""

    @property
    def service(self) -> CommandService:
        context: OcpiContext = self.network.app.state.ocpi
        return context.commands

    @property
    def stations(self) -> SimulatedStations:
        simulated = self.service.drivers.simulated
        assert simulated is not None
        return simulated

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.network.hub_state.command_results

    async def send(
        self, command: str, body: Any, *, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.network.client.post(
            f"/ocpi/2.2.1/commands/{command}",
            headers={**auth(self.token), **ROUTING, **(headers or {})},
            content=body if isinstance(body, bytes) else orjson.dumps(body),
        )

    async def settle(self) -> list[dict[str, Any]]:
        """Let running commands end, deliver what was queued, return the results received."""
        await self.service.idle()
        worker = OutboxWorker(
            self.network.storage, self.network.transport, self.network.settings, SystemClock()
        )
        while await worker.drain_once():
            pass
        return self.results

    async def stored(self) -> list[StoredCommand]:
        async with self.network.storage.read() as uow:
            return list(reversed(await uow.commands.recent()))


def token(uid: str = "SIMAPPUSER0001", token_type: str = "APP_USER") -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": token_type,
        "contract_id": "NL-EMS-C00000001",
        "issuer": "Simulated eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T00:00:00Z",
    }


def start_body(ref: str = "1", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "response_url": f"{RESPONSE_URL}/START_SESSION/{ref}",
        "token": token(),
        "location_id": "LOC1",
        "authorization_reference": "AUTH-REF-1",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


async def with_location(network: Network, **evse_status: str) -> None:
    """LOC1 of FR*AB1 with EVSEs E1-1 and E1-2 (2 connectors each); statuses by EVSE number."""
    location = make_location(1)
    for evse in location["evses"]:
        number = evse["uid"].rsplit("-", 1)[1]
        evse["status"] = evse_status.get(f"e{number}", "AVAILABLE")
    await imported(network, [location])


@pytest.fixture
async def commands(storage: SqlStorage, database_url: str) -> AsyncIterator[Commands]:
    settings = make_settings(database_url, commands={"timeout": TIMEOUT, "simulate_stations": True})
    transport = AsgiTransport()
    app = create_app(settings, clock=SystemClock(), storage=storage, transport=transport)
    hub_state = SimHubState("FR", "107", f"http://{HUB_HOST}", quiet=True)
    hub_app = create_hub_app(hub_state, transport=transport)
    transport.apps.update({CPO_HOST: app, HUB_HOST: hub_app})
    side = StationSide()
    context: OcpiContext = app.state.ocpi
    context.commands.connect(events=side, sessions=side)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{CPO_HOST}"
    ) as client:
        network = Network(settings, storage, app, hub_state, hub_app, transport, client)
        yield Commands(network, side)
        await context.commands.close()


async def ready(commands: Commands, profile: str = "gireve-preprod", **statuses: str) -> Commands:
    """The hub registered with the given profile, LOC1 imported."""
    if profile == "gireve-preprod":
        commands.token = await registered(commands.network)
    else:
        await commands.network.hub_registers(await commands.network.invite("emsp", profile=profile))
        assert commands.network.hub_state.cpo_token is not None
        commands.token = commands.network.hub_state.cpo_token
    await with_location(commands.network, **statuses)
    return commands
