"""Body size, per-partner rate limit, storage outage: clean OCPI answers, nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import registered
from tests.support.asgi import AsgiTransport
from tests.support.factories import make_settings

INFO = {
    "party_id": "ABC",
    "country_code": "NL",
    "role": "EMSP",
    "status": "PLANNED",
    "last_updated": "2026-11-24T08:00:00Z",
}


async def test_oversized_body_is_refused_and_nothing_stored(network: Network) -> None:
    token = await registered(network)
    limited = network.settings.model_copy(
        update={"limits": network.settings.limits.model_copy(update={"max_body_bytes": 2048})}
    )
    app = create_app(
        limited, clock=SystemClock(), storage=network.storage, transport=network.transport
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cpo.test"
    ) as client:
        big = {**INFO, "padding": "x" * 4000}
        response = await client.put(
            "/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token), json=big
        )
        assert response.status_code == 413
        assert response.json()["status_code"] == 2000
        assert "exceeds 2048" in response.json()["status_message"]
        chunked = await client.put(
            "/ocpi/2.2.1/hubclientinfo/NL/ABC",
            headers={**auth(token), "Content-Type": "application/json"},
            content=_chunks(b'{"padding": "' + b"y" * 5000 + b'"}'),
        )
        assert chunked.status_code == 413
        ok = await client.put("/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token), json=INFO)
        assert ok.status_code == 201
    async with network.storage.read() as uow:
        stored = await uow.client_info.all(1)
    assert len(stored) == 1


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


async def test_rate_limit_answers_429_with_retry_after(network: Network) -> None:
    token = await registered(network)
    network.app.state.ocpi.limiter.rate = 0.5
    network.app.state.ocpi.limiter.burst = 3
    network.app.state.ocpi.limiter._buckets.clear()
    codes = []
    for _ in range(4):
        response = await network.client.get("/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token))
        codes.append(response.status_code)
    assert codes == [404, 404, 404, 429]
    assert response.headers["Retry-After"] == "2"
    assert response.json()["status_code"] == 2000
    assert "rate limit" in response.json()["status_message"]


@pytest.mark.parametrize("url", ["postgresql+asyncpg://postgres@127.0.0.1:1/none"])
async def test_storage_down_gives_3000_and_503(url: str) -> None:
    settings = make_settings(url)
    storage = SqlStorage(create_engine(url))
    app = create_app(settings, clock=SystemClock(), storage=storage, transport=AsgiTransport())
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cpo.test"
        ) as client:
            response = await client.get("/ocpi/versions", headers=auth("whatever"))
        assert response.status_code == 503
        assert response.json()["status_code"] == 3000
        assert "nothing was written" in response.json()["status_message"]
        assert response.headers["Retry-After"] == "5"
    finally:
        await storage.close()
