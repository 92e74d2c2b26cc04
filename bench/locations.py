"""Locations: the Sender's page against a minimal endpoint of the same framework, date_from over
100,000 Locations against the unfiltered page, and the import of 10,000 Locations.

Figures (issue 4 and the performance issue):
* a page of 50 Locations (2 EVSEs x 2 connectors each) from a 10,000-Location SQLite database,
  through ``ocpi-cpo serve`` with auth and headers: requests/s, ratio to a minimal FastAPI endpoint
  answering a tiny JSON body on the same uvicorn settings, >= 0.15;
* the same page with ``date_from`` over 100,000 Locations (1 % of them updated since), ratio to the
  unfiltered page on the same database, >= 0.8;
* importing 10,000 Locations (checks, storage, one push each queued) through the CLI's code path:
  seconds, < 10 s.

Both servers run in their own process on 127.0.0.1 (uvloop, httptools, no access log); the load
generator is an aiohttp client in this process with 32 connections, bounded in time. A Python load
generator saturates before a minimal endpoint does, so the baseline is an underestimate and the
ratio is kind to us; read the requests/s beside it.

    python -m bench.locations [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.report import Figure, limit_figure, ratio_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.locations import LocationKey, stamp
from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole, TokenKind
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.ocpi.v2_2_1.locations.mapping import parse_locations
from ocpi_cpo.services import locations as service
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

TOKEN = f"bench-token-{uuid.uuid4().hex}"
#: a partner may call only its agreed version's routes: the 2.1.1 page is asked by a 2.1.1 partner
TOKEN_211 = f"bench-token-211-{uuid.uuid4().hex}"
CONNECTIONS = 32
OPERATOR = OperatorId.parse("FR*AB1")
BASE = datetime(2026, 1, 1, tzinfo=UTC)
MINIMAL_APP = """
from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/ping")
async def ping() -> Response:
    return Response(b'{"status_code":1000}', media_type="application/json")
"""


def location(number: int, last_updated: datetime = BASE) -> dict[str, Any]:
    when = stamp(last_updated)
    evses = [
        {
            "uid": f"E{number}-{e}",
            "evse_id": f"FR*AB1*E{number}N{e}",
            "status": "AVAILABLE",
            "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
            "connectors": [
                {
                    "id": str(c),
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 32,
                    "tariff_ids": ["AC22"],
                    "last_updated": when,
                }
                for c in (1, 2)
            ],
            "last_updated": when,
        }
        for e in (1, 2)
    ]
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": f"LOC{number}",
        "publish": True,
        "name": f"Station {number}",
        "address": f"{number} rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "FRA",
        "coordinates": {"latitude": "48.869100", "longitude": "2.331600"},
        "evses": evses,
        "operator": {"name": "AB1 Charging"},
        "owner": {"name": "Ville de Paris"},
        "time_zone": "Europe/Paris",
        "last_updated": when,
    }


async def _database(url: str) -> SqlStorage:
    engine = create_engine(url)
    await upgrade(engine)
    storage = SqlStorage(engine)
    async with storage.transaction() as uow:
        await _registered_partner(
            uow, "gireve-preprod", "2.2.1", PartyRole("HUB", "FR", "107"), TOKEN
        )
    return storage


async def _add_211_partner(storage: SqlStorage) -> None:
    """The 2.1.1 partner that asks the 2.1.1 page, added after the import (whose figure counts
    one partner's pushes, as it always has)."""
    async with storage.transaction() as uow:
        await _registered_partner(
            uow, "ocpi-2.1.1", "2.1.1", PartyRole("EMSP", "NL", "EMS"), TOKEN_211
        )


async def _registered_partner(
    uow: UnitOfWork, profile: str, version: str, role: PartyRole, token: str
) -> None:
    """A partner registered on ``version`` that calls us with ``token``."""
    now = datetime.now(UTC)
    partner = await uow.partners.create(
        f"bench-locations-{version}-{uuid.uuid4().hex[:8]}", profile, PartnerState.INVITED, now
    )
    await uow.partners.save_connection(
        partner.id,
        state=PartnerState.REGISTERED,
        direction=Direction.FROM_PARTNER,
        versions_url="http://127.0.0.1:9/ocpi/versions",
        version=version,
        endpoints=[Endpoint("locations", "RECEIVER", "http://127.0.0.1:9/locations")],
        roles=[role],
        outbound_token="unused",
        registered_at=now,
    )
    await uow.tokens.add(partner.id, TokenKind.ACCESS, token, now)


async def import_seconds(storage: SqlStorage, count: int) -> float:
    """The CLI's import path: parse and check the file, store, queue one PUT per Location."""
    raw = orjson.dumps([location(n) for n in range(count)])
    started = time.perf_counter()
    documents, single = parse_locations(raw, operators=[OPERATOR])
    async with storage.transaction() as uow:
        await service.import_locations(
            uow,
            publisher(),
            documents,
            [OPERATOR],
            datetime.now(UTC),
            single=single,
            checked=True,
            allow_unknown_tariffs=True,
        )
    return time.perf_counter() - started


async def bulk_rows(storage: SqlStorage, count: int, recent: int) -> datetime:
    """``count`` Locations stored directly (faster than the import); the last ``recent`` are
    updated later than the others. Returns a date_from that selects just those."""
    since = BASE + timedelta(days=30)
    for start in range(0, count, 5000):
        rows = []
        for n in range(start, min(count, start + 5000)):
            when = since + timedelta(seconds=n) if n >= count - recent else BASE
            document = location(n, when)
            rows.append(service.row_of(LocationKey.of(document), document))
        async with storage.transaction() as uow:
            await uow.locations.add(rows)
    return since


def _config(folder: Path, port: int, database_url: str) -> Path:
    path = folder / f"bench-{port}.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        "allow_insecure_http = true\n"  # a Gireve-profile hub on 127.0.0.1 without TLS
        f"port = {port}\n"
        "[outbox]\nworker_in_serve = false\n"
        # The benchmark is one partner asking as fast as it can: no rate limit.
        "[limits]\npartner_rate = 1000000.0\npartner_burst = 1000000\n"
        "[[operations]]\noperator_id = 'FR*AB1'\nname = 'AB1 Charging'\n"
    )
    return path


async def _started(command: list[str], url: str, cwd: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90  # a loaded machine starts serve slowly
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return process
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"{command} did not start: {process.stderr.read().decode() if process.stderr else ''}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def requests_per_second(url: str, headers: dict[str, str], seconds: float) -> float:
    """``CONNECTIONS`` clients in a loop for ``seconds`` (after a short warm-up)."""
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(until: float, counts: list[int]) -> None:
            while time.perf_counter() < until:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"GET {url}: HTTP {response.status}")
                counts[0] += 1

        warm: list[int] = [0]
        until = time.perf_counter() + min(1.0, seconds / 4)
        await asyncio.gather(*(client(until, warm) for _ in range(CONNECTIONS)))
        counts: list[int] = [0]
        started = time.perf_counter()
        await asyncio.gather(*(client(started + seconds, counts) for _ in range(CONNECTIONS)))
        return counts[0] / (time.perf_counter() - started)


def _auth_211() -> dict[str, str]:
    """A 2.1.1 partner's request: the token as it is, no routing headers."""
    return {"Authorization": f"Token {TOKEN_211}", "X-Request-ID": "bench"}


def _auth() -> dict[str, str]:
    encoded = base64.b64encode(TOKEN.encode()).decode()
    return {
        "Authorization": f"Token {encoded}",
        "X-Request-ID": "bench",
        "X-Correlation-ID": "bench",
        "OCPI-from-country-code": "FR",
        "OCPI-from-party-id": "107",
        "OCPI-to-country-code": "FR",
        "OCPI-to-party-id": "AB1",
    }


async def _serve_and_measure(
    folder: Path, database_url: str, paths: list[str], seconds: float
) -> list[float]:
    port = free_port()
    config = _config(folder, port, database_url)
    base = f"http://127.0.0.1:{port}"
    server = await _started(
        [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
        f"{base}/ocpi/versions",
        folder,
    )
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(base + paths[0], headers=_auth()) as response,
        ):
            body = orjson.loads(await response.read())
        if len(body["data"]) != 50:
            raise RuntimeError(f"expected a page of 50, got {len(body['data'])}")
        return [
            await requests_per_second(
                base + path, _auth_211() if "/2.1.1/" in path else _auth(), seconds
            )
            for path in paths
        ]
    finally:
        _stop(server)


async def minimal_rps(folder: Path, seconds: float) -> float:
    (folder / "bench_minimal_app.py").write_text(MINIMAL_APP)
    port = free_port()
    server = await _started(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_minimal_app:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        f"http://127.0.0.1:{port}/ping",
        folder,
    )
    try:
        return await requests_per_second(f"http://127.0.0.1:{port}/ping", {}, seconds)
    finally:
        _stop(server)


async def run(folder: Path, database_url: str, label: str, quick: bool) -> list[Figure]:
    seconds = 3.0 if quick else 8.0
    storage = await _database(database_url)
    try:
        imported = await import_seconds(storage, 10_000)
        await _add_211_partner(storage)
    finally:
        await storage.close()
    baseline = await minimal_rps(folder, seconds)
    page, page_211 = await _serve_and_measure(
        folder,
        database_url,
        ["/ocpi/2.2.1/locations?limit=50", "/ocpi/2.1.1/locations?limit=50"],
        seconds,
    )
    return [
        limit_figure(
            f"Locations import, 10,000 Locations ({label})",
            imported,
            "s",
            "",
            0.0,
            10.0,
            "checks + storage + 10,000 pushes queued, one transaction",
        ),
        ratio_figure(
            f"Locations Sender page of 50 from 10,000 ({label})",
            page,
            "r/s",
            "r/s minimal endpoint",
            baseline,
            0.15,
            "ocpi-cpo serve with auth and routing headers; 2 EVSEs x 2 connectors each",
        ),
        ratio_figure(
            f"Locations Sender page of 50, OCPI 2.1.1 ({label})",
            page_211,
            "r/s",
            "r/s 2.2.1 page",
            page,
            0.8,
            "the same rows rendered to 2.1.1 once and kept (ocpi.v2_1_1.sender.Kept)",
        ),
    ]


async def run_date_from(folder: Path, database_url: str, label: str, quick: bool) -> Figure:
    seconds = 3.0 if quick else 8.0
    storage = await _database(database_url)
    try:
        since = await bulk_rows(storage, 100_000, 1000)
    finally:
        await storage.close()
    date_from = stamp(since)
    unfiltered, filtered = await _serve_and_measure(
        folder,
        database_url,
        ["/ocpi/2.2.1/locations?limit=50", f"/ocpi/2.2.1/locations?limit=50&date_from={date_from}"],
        seconds,
    )
    return ratio_figure(
        f"Locations Sender date_from over 100,000 ({label})",
        filtered,
        "r/s",
        "r/s unfiltered page",
        unfiltered,
        0.8,
        "1,000 of 100,000 Locations updated since date_from",
    )


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures += await run(folder, f"sqlite+aiosqlite:///{folder / 'l10k.db'}", "SQLite", quick)
        figures.append(
            await run_date_from(
                folder, f"sqlite+aiosqlite:///{folder / 'l100k.db'}", "SQLite", quick
            )
        )
        if postgres_url:
            figures += await run(folder, postgres_url, "PostgreSQL", quick)
    return figures


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all(quick="--quick" in sys.argv)))
