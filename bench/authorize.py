"""Real-time authorization: decisions per second and the latency we add on top of the hub's own
answer time, against a local fake hub in its own process (issue "Tokens", benchmark).

Baseline, same run: the same POST {tokens}/{uid}/authorize sent straight to the fake hub with a
plain aiohttp loop. Our figure goes through the whole service: uid normalisation, EVSE lookup,
the request through the outbound transport, and the decision written to the database.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson

from bench.report import Figure, limit_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole
from ocpi_cpo.domain.stations import AuthorizationRequest
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.ocpi.v2_2_1.tokens.client import HubAuthorizer
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.services.authorization import AuthorizationService
from ocpi_cpo.services.locations import import_locations
from ocpi_cpo.sim import demo_data
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

BODY = orjson.dumps({"location_id": "LOC1", "evse_uids": ["E1-1"]})


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def direct(url: str, count: int) -> list[float]:
    """The hub's own answer times (ms), one request after the other."""
    timings = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        for n in range(count):
            started = time.perf_counter()
            async with session.post(
                f"{url}/0400000{n % 10}AA/authorize?type=RFID",
                data=BODY,
                headers={"Content-Type": "application/json"},
            ) as response:
                await response.read()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def through_service(database_url: str, url: str, count: int) -> list[float]:
    storage = SqlStorage(create_engine(database_url))
    await upgrade(storage.engine)
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        partner = await uow.partners.create("hub", "gireve-preprod", PartnerState.REGISTERED, now)
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url=url,
            version="2.2.1",
            endpoints=[Endpoint("tokens", "SENDER", url)],
            roles=[PartyRole("HUB", "FR", "107")],
            outbound_token="t",
            registered_at=now,
        )
        await import_locations(
            uow,
            publisher(),
            [demo_data.location(1, now)],
            [OperatorId("FR", "AB1")],
            now,
            allow_unknown_tariffs=True,
        )
    transport = AiohttpTransport()
    service = AuthorizationService(storage, SystemClock(), HubAuthorizer(transport, 5.0), 5.0)
    timings = []
    try:
        for n in range(count):
            started = time.perf_counter()
            decision = await service.authorize(
                AuthorizationRequest("ST1", "E1-1", f"0400000{n % 10}aa", "RFID")
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert decision.allowed, decision
    finally:
        await transport.close()
        await storage.close()
    return timings


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    count = 300 if quick else 1000
    port = free_port()
    hub = subprocess.Popen([sys.executable, "-m", "bench.fakehub", str(port)])
    url = f"http://127.0.0.1:{port}/ocpi/2.2.1/tokens"
    figures: list[Figure] = []
    try:
        for _ in range(100):
            try:
                await direct(url, 1)
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        base = await direct(url, count)
        targets: list[tuple[str, str | None]] = [("SQLite", None)]
        if postgres_url:
            targets.append(("PostgreSQL", postgres_url))
        with tempfile.TemporaryDirectory() as folder:
            for label, database in targets:
                ours = await through_service(
                    database or f"sqlite+aiosqlite:///{Path(folder) / 'auth.db'}", url, count
                )
                base_rate = 1000 / statistics.mean(base)
                rate = 1000 / statistics.mean(ours)
                # The issue sets no target here: the figure is reported beside its baseline.
                figures.append(
                    Figure(
                        f"authorizations/s through the service ({label})",
                        rate,
                        "/s",
                        "direct POST /s",
                        base_rate,
                        "reported",
                        True,
                        "one after the other; each decision is also written to the database",
                    )
                )
                added = p99(ours) - p99(base)
                figures.append(
                    limit_figure(
                        f"p99 latency added to the hub's answer ({label})",
                        added,
                        "ms",
                        "hub p99 ms",
                        p99(base),
                        50.0,
                    )
                )
    finally:
        hub.terminate()
        hub.wait()
    return figures


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all(quick="--quick" in sys.argv)))
