"""serve and ``ocpi-cpo worker`` open as many connections per partner as the outbox may use."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from ocpi_cpo.outbound.transport import AiohttpTransport
from tests.support.factories import make_settings
from tests.support.receiver import FakePartner


@pytest.mark.parametrize(("concurrency", "expected"), [(40, 40), (4, 16)])
async def test_connections_follow_concurrency_per_partner(concurrency: int, expected: int) -> None:
    settings = make_settings(
        "sqlite+aiosqlite:///unused.db", outbox={"concurrency_per_partner": concurrency}
    )
    partner = FakePartner()
    partner.delay = 0.3
    await partner.start()
    transport = AiohttpTransport.for_settings(settings)
    try:
        await asyncio.gather(
            *(
                transport.send(
                    "PATCH",
                    f"{partner.base_url}/ocpi/2.2.1/locations/FR/AB1/L{n}",
                    token="t",
                    body=orjson.dumps({"key": f"L{n}"}),
                )
                for n in range(50)
            )
        )
    finally:
        await transport.close()
        await partner.stop()
    assert partner.max_in_flight == expected
