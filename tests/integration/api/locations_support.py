"""Shared steps of the Locations API tests: register the hub, import through the admin API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.conftest import Network

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


async def registered(network: Network) -> str:
    await network.hub_registers(await network.invite())
    assert network.hub_state.cpo_token is not None
    return network.hub_state.cpo_token


async def admin_import(
    network: Network, body: Any, *, allow_unknown_tariffs: bool = True
) -> httpx.Response:
    """These tests are about Locations: the connectors' tariff AC22 need not be published unless
    a test says so (the tariff rule has its own tests: test_location_links)."""
    params = {"allow_unknown_tariffs": "true"} if allow_unknown_tariffs else {}
    return await network.client.post("/admin/locations", headers=ADMIN, json=body, params=params)


async def imported(network: Network, body: Any) -> dict[str, Any]:
    response = await admin_import(network, body)
    assert response.json()["status_code"] == 1000, response.json()
    data: dict[str, Any] = response.json()["data"]
    assert isinstance(data.pop("warnings"), list)
    return data
