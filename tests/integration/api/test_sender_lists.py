"""The Sender's list GETs served before FastAPI's router (api.sender_lists) answer exactly as the
FastAPI routes do: same status, headers and body (timestamps aside) for good pages, bad query
parameters (2001), unknown or missing tokens (401), rate limits (429) and database failures
(503). The reference is the same app without the fast path; the app under test has the FastAPI
list routes removed, so every answer it gives surely came from the fast path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError

from ocpi_cpo.api.app import create_app
from ocpi_cpo.api.sender_lists import SenderListsMiddleware
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.services import locations as location_service
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import ADMIN, imported, registered
from tests.support.factories import CPO_HOST, make_settings
from tests.support.locations import make_location

LISTS = ("/ocpi/2.2.1/locations", "/ocpi/2.2.1/tariffs")
TRACING = {"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
ROUTING = {
    "OCPI-from-country-code": "FR",
    "OCPI-from-party-id": "107",
    "OCPI-to-country-code": "FR",
    "OCPI-to-party-id": "AB1",
}
QUERIES = [
    "",
    "?limit=2",
    "?offset=2&limit=2",
    "?offset=1000",
    "?limit=100000",
    "?date_from=2025-01-01T00:00:00Z&limit=2",
    "?date_from=2026-01-01T00:00:00Z&date_to=2027-01-01T00:00:00Z&offset=1&limit=1",
    "?date_from=2030-01-01T00:00:00Z",
    # bad parameters: 2001 with a message
    "?date_from=yesterday",
    "?date_to=2026-01-01",
    "?date_from=2026-02-01T00:00:00Z&date_to=2026-01-01T00:00:00Z",
    "?offset=-1",
    "?offset=abc",
    "?limit=0",
    "?limit=1.5",
    "?offset=99999999999999999999",
    "?limit=2&limit=3&unknown=1",
]


def _without_fast_path(app: FastAPI) -> FastAPI:
    fast_path: object = SenderListsMiddleware
    app.user_middleware = [m for m in app.user_middleware if m.cls is not fast_path]
    return app


def _without_list_routes(app: FastAPI) -> FastAPI:
    app.router.routes = [
        r for r in app.router.routes if not (isinstance(r, APIRoute) and r.path in LISTS)
    ]
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{CPO_HOST}")


class Pair:
    """The same request to the app with the fast path and to the reference app."""

    def __init__(self, fast: httpx.AsyncClient, reference: httpx.AsyncClient) -> None:
        self.fast = fast
        self.reference = reference

    async def same(self, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
        fast = await self.fast.request(method, url, headers=headers)
        reference = await self.reference.request(method, url, headers=headers)
        assert fast.status_code == reference.status_code, url
        assert _headers(fast) == _headers(reference), url
        assert _body(fast) == _body(reference), url
        return fast


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted(response.headers.multi_items())


def _body(response: httpx.Response) -> Any:
    if not response.content:  # a redirect
        return None
    body = orjson.loads(response.content)
    assert isinstance(body, dict) and "timestamp" in body
    body["timestamp"] = "..."
    return body


def _apps(network: Network, routes: bool, **settings: Any) -> tuple[FastAPI, FastAPI]:
    config = make_settings(network.settings.database_url, **settings)

    def app() -> FastAPI:
        return create_app(
            config, clock=SystemClock(), storage=network.storage, transport=network.transport
        )

    fast = app() if routes else _without_list_routes(app())
    return fast, _without_fast_path(app())


@pytest.fixture
async def pair_for(network: Network) -> AsyncIterator[Callable[..., Pair]]:
    clients: list[httpx.AsyncClient] = []

    def make(*, routes: bool = False, **settings: Any) -> Pair:
        """``routes``: keep the FastAPI list routes in the app with the fast path."""
        fast, reference = _apps(network, routes, **settings)
        clients.extend([_client(fast), _client(reference)])
        return Pair(clients[-2], clients[-1])

    yield make
    for client in clients:
        await client.aclose()


async def _data(network: Network) -> str:
    token = await registered(network)
    locations = [make_location(n) for n in range(1, 6)]
    locations += [make_location(n, "FR*AB2") for n in range(6, 8)]
    locations.append(make_location(9, publish=False))
    await imported(network, locations)
    tariffs = [
        {
            "country_code": "FR",
            "party_id": "AB1",
            "id": f"T{n}",
            "currency": "EUR",
            "type": "REGULAR",
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20, "step_size": 1}]}
            ],
            "start_date_time": "2026-01-01T00:00:00Z",
        }
        for n in range(1, 5)
    ]
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=tariffs)
    assert response.json()["status_code"] == 1000
    return token


@pytest.mark.parametrize("path", LISTS)
async def test_pages_and_bad_parameters_answer_alike(
    network: Network, pair_for: Callable[..., Pair], path: str
) -> None:
    token = await _data(network)
    pair = pair_for(page_limits={"locations": 3, "tariffs": 3})
    statuses = set()
    for query in QUERIES:
        for extra in ({}, ROUTING, {**ROUTING, "OCPI-to-party-id": "AB2"}):
            response = await pair.same("GET", path + query, {**auth(token), **TRACING, **extra})
            statuses.add(response.json()["status_code"])
            if query.startswith("?date_from=yesterday"):
                assert response.json()["status_code"] == 2001
                assert "date_from" in response.json()["status_message"]
    assert statuses == {1000, 2001}
    first = await pair.same("GET", path, {**auth(token), **ROUTING, **TRACING})
    assert 'rel="next"' in first.headers["link"]
    assert first.headers["x-limit"] == "3"
    assert first.headers["ocpi-to-party-id"] == "107"
    assert first.headers["x-request-id"] == "req-1"
    generated = await pair.fast.get(path, headers={**auth(token), **ROUTING})
    assert generated.status_code == 200
    assert generated.headers["x-request-id"] and generated.headers["x-correlation-id"]


@pytest.mark.parametrize("path", LISTS)
async def test_callers_are_refused_alike(
    network: Network, pair_for: Callable[..., Pair], path: str
) -> None:
    pair = pair_for()
    assert (await pair.same("GET", path, TRACING)).status_code == 401
    assert (await pair.same("GET", path, {**TRACING, **auth("nobody")})).status_code == 401
    malformed = {**TRACING, "Authorization": "Bearer x"}
    assert (await pair.same("GET", path + "?offset=-1", malformed)).status_code == 401
    invited = await network.invite("other")  # token A: versions and credentials only
    refused = await pair.same("GET", path, {**TRACING, **auth(invited)})
    assert refused.status_code == 401
    assert "registration" in refused.json()["status_message"]


async def test_the_rate_limit_applies_alike(
    network: Network, pair_for: Callable[..., Pair]
) -> None:
    token = await registered(network)
    pair = pair_for(limits={"partner_rate": 0.001, "partner_burst": 1})
    headers = {**auth(token), **TRACING}
    assert (await pair.same("GET", LISTS[0], headers)).status_code == 200
    limited = await pair.same("GET", LISTS[0] + "?offset=-1", headers)
    assert limited.status_code == 429
    assert limited.headers["retry-after"]


async def test_database_failures_answer_alike(
    network: Network, pair_for: Callable[..., Pair], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await registered(network)
    pair = pair_for()

    async def locked(*_: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(location_service, "page", locked)
    failed = await pair.same("GET", LISTS[0], {**auth(token), **TRACING})
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "5"

    async def broken(*_: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(location_service, "page", broken)
    failed = await pair.same("GET", LISTS[0], {**auth(token), **TRACING})
    assert failed.status_code == 500
    assert "req-1" in failed.json()["status_message"]


async def test_other_methods_and_paths_still_reach_the_router(
    network: Network, pair_for: Callable[..., Pair]
) -> None:
    token = await registered(network)
    pair = pair_for(routes=True)
    headers = {**auth(token), **TRACING}
    assert (await pair.same("POST", LISTS[0], headers)).status_code == 405
    assert (await pair.same("GET", LISTS[0] + "/", headers)).status_code == 307
    await pair.same("GET", LISTS[0] + "/LOC1", headers)


async def test_the_list_routes_stay_documented(network: Network) -> None:
    schema = (await network.client.get("/admin/openapi.json")).json()
    for path in LISTS:
        assert "get" in schema["paths"][path]
