"""Outage and crash drills with real processes: the hub down while 1,000 status changes and 50
charges happen, then the server killed with SIGKILL in the middle of the replay and restarted.
Afterwards the hub has every change, in order per EVSE, and every CDR: nothing lost.

The outage lasts OCPI_CPO_TEST_OUTAGE_SECONDS (5 by default; 60 for the full drill)."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.support.processes import ROOT, cli, free_port, running, wait_http, write_config

pytestmark = pytest.mark.e2e

OUTAGE = float(os.environ.get("OCPI_CPO_TEST_OUTAGE_SECONDS", "5"))
ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef", "Content-Type": "application/json"}
STATUSES = ("CHARGING", "AVAILABLE", "BLOCKED", "AVAILABLE")
BADGE = "04A1B2C3D4E5F6"


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


async def _json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    async with session.request(
        method,
        url,
        data=orjson.dumps(body) if body is not None else None,
        headers=headers or {"Content-Type": "application/json"},
    ) as response:
        return orjson.loads(await response.read())


def _accepted(requests: list[dict[str, Any]], method: str, part: str) -> list[dict[str, Any]]:
    return [
        r for r in requests if r["method"] == method and part in r["path"] and not r.get("failed")
    ]


def _statuses(requests: list[dict[str, Any]], uid: str) -> list[str]:
    return [
        r["body"]["status"]
        for r in _accepted(requests, "PATCH", f"/{uid}")
        if isinstance(r["body"], dict) and "status" in r["body"]
    ]


def _collapse(values: list[str]) -> list[str]:
    """At least once: a message in flight when the server died may arrive twice in a row."""
    return [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]


async def test_outage_then_sigkill_during_replay(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(
        tmp_path / "c.toml",
        port=cpo_port,
        database_url=database_url,
    )
    config.write_text(
        config.read_text() + "\n[limits]\npartner_rate = 100000.0\n"
        "partner_burst = 100000\n\n[outbox]\nbackoff_cap_seconds = 1.0\n"
    )
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps(demo_data.locations(10)))
    tariffs = tmp_path / "tariffs.json"
    tariffs.write_bytes(orjson.dumps(demo_data.tariffs()))
    server_log = tmp_path / "cpo.log"
    server = _serve(config, server_log)
    with running(
        ["sim", "hub", "--port", str(hub_port), "--quiet"],
        ready_url=f"{hub}/_sim/state",
        log=tmp_path / "hub.log",
    ):
        try:
            wait_http(f"{cpo}/ocpi/versions", server, server_log)
            invite = orjson.loads(
                cli(
                    "partners",
                    "invite",
                    "gireve",
                    "--profile",
                    "gireve-preprod",
                    "--json",
                    config=config,
                ).stdout
            )
            assert cli("tariffs", "import", str(tariffs), config=config).returncode == 0
            assert cli("locations", "import", str(locations), config=config).returncode == 0
            assert (
                cli(
                    "stations",
                    "add",
                    "ST1",
                    "--location",
                    "LOC1",
                    "--evse",
                    "1=E1-1",
                    config=config,
                ).returncode
                == 0
            )
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
                hub_token = (await _json(session, "GET", f"{hub}/_sim/state"))["cpo_token"]
                # The Gireve profiles wait for the hub's own pull; this hub does not pull, so the
                # operator pushes everything once, as after any new registration.
                assert cli("partners", "sync", "gireve", config=config).returncode == 0
                deadline = time.monotonic() + 30
                while len(await _json(session, "GET", f"{hub}/_sim/locations")) < 10:
                    assert time.monotonic() < deadline, "the sync did not reach the hub"
                    await asyncio.sleep(0.1)
                # The eMSP pushed the badge (whitelist ALLOWED), so it charges while the hub is down.
                token = {
                    "country_code": "NL",
                    "party_id": "EMS",
                    "uid": BADGE,
                    "type": "RFID",
                    "contract_id": "NL-EMS-C1",
                    "issuer": "EMS",
                    "valid": True,
                    "whitelist": "ALLOWED",
                    "last_updated": "2026-11-24T08:00:00Z",
                }
                auth = "Token " + base64.b64encode(hub_token.encode()).decode()
                await _json(
                    session,
                    "PUT",
                    f"{cpo}/ocpi/2.2.1/tokens/NL/EMS/{BADGE}",
                    token,
                    {"Authorization": auth, "Content-Type": "application/json"},
                )
                station = SimStation(
                    cpo.replace("http", "ws") + "/ocpp", "ST1", "1.6", say=lambda _: None
                )
                await station.connect()
                await station.boot()
                await station.status(1, "Available")

                await _json(session, "POST", f"{hub}/_sim/fail", {"mode": "down", "seconds": 0})
                started = time.monotonic()
                evses = [f"E{n}-{k}" for n in range(2, 11) for k in (1, 2)][:20]
                sent: dict[str, list[str]] = {uid: [] for uid in evses}
                for round_ in range(50):  # 50 x 20 = 1,000 status changes
                    for uid in evses:
                        status = STATUSES[round_ % len(STATUSES)]
                        answer = await _json(
                            session,
                            "PUT",
                            f"{cpo}/admin/evses/{uid}/status",
                            {"status": status},
                            ADMIN,
                        )
                        assert answer["status_code"] == 1000, answer
                        sent[uid].append(status)
                for _ in range(50):  # 50 charges, each ending in a CDR
                    assert await station.authorize(BADGE) == "Accepted"
                    assert await station.start_transaction(1, BADGE) == "Accepted"
                    await station.meter(1, 1000)
                    await station.stop_transaction(1, "EVDisconnected")
                await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - started)))
                assert (
                    _accepted(await _json(session, "GET", f"{hub}/_sim/requests"), "POST", "/cdrs")
                    == []
                )
                await _json(session, "POST", f"{hub}/_sim/fail", {"mode": "ok"})
                # The replay starts; kill the server in the middle of it.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    requests = await _json(session, "GET", f"{hub}/_sim/requests")
                    if len(_accepted(requests, "PATCH", "/locations/")) > 100:
                        break
                    await asyncio.sleep(0.02)
                server.send_signal(signal.SIGKILL)
                server.wait()
                await station.disconnect()
                server = _serve(config, server_log)
                wait_http(f"{cpo}/ocpi/versions", server, server_log)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    requests = await _json(session, "GET", f"{hub}/_sim/requests")
                    cdrs = {r["body"]["id"] for r in _accepted(requests, "POST", "/cdrs")}
                    received = {uid: _statuses(requests, uid) for uid in evses}
                    if len(cdrs) >= 50 and all(
                        _collapse(received[uid]) == _collapse(sent[uid]) for uid in evses
                    ):
                        break
                    await asyncio.sleep(0.25)
            assert len(cdrs) == 50, f"{len(cdrs)} CDRs reached the hub"
            for uid in evses:
                assert _collapse(received[uid]) == _collapse(sent[uid]), uid
        finally:
            server.terminate()
            server.wait(timeout=15)
