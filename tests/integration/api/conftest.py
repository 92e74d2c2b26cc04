"""An in-process network: our app and the simulated hub, talking through AsgiTransport."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ocpi_cpo.api.app import create_app
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.services import partners as partner_service
from ocpi_cpo.sim.hub import SimHubState, create_hub_app
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.asgi import AsgiTransport
from tests.support.factories import CPO_HOST, HUB_HOST, make_settings


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@dataclass
class Network:
    settings: Settings
    storage: SqlStorage
    app: FastAPI
    hub_state: SimHubState
    hub_app: FastAPI
    transport: AsgiTransport
    client: httpx.AsyncClient

    async def invite(
        self, name: str = "gireve", profile: str = "gireve-preprod", operation: str | None = None
    ) -> str:
        """Token A of a partner invited with ``profile``, bound to ``operation`` if given."""
        async with self.storage.transaction() as uow:
            return await partner_service.invite(
                uow, name, profile, SystemClock().now(), operation=operation
            )

    async def hub_registers(self, token: str) -> dict[str, Any]:
        from ocpi_cpo.sim.hub import register_from_iop

        return await register_from_iop(
            self.hub_state, self.transport, f"http://{CPO_HOST}/ocpi/versions", token
        )


@pytest.fixture
async def network(storage: SqlStorage, database_url: str) -> AsyncIterator[Network]:
    settings = make_settings(database_url)
    transport = AsgiTransport()
    app = create_app(settings, clock=SystemClock(), storage=storage, transport=transport)
    hub_state = SimHubState("FR", "107", f"http://{HUB_HOST}", quiet=True)
    hub_app = create_hub_app(hub_state, transport=transport)
    transport.apps.update({CPO_HOST: app, HUB_HOST: hub_app})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{CPO_HOST}"
    ) as client:
        yield Network(settings, storage, app, hub_state, hub_app, transport, client)
