"""A held CDR never reaches the hub; `ocpi-cpo cdrs reprice` sends it priced (real processes: the
server, the simulated hub, an OCPP 1.6 station, the CLI)."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.e2e.test_drills import _accepted, _json, _serve
from tests.support.processes import cli, free_port, running, wait_http, write_config

pytestmark = pytest.mark.e2e
BADGE = "04A1B2C3D4E5F6"


async def _hub_cdrs(session: aiohttp.ClientSession, hub: str) -> list[dict[str, Any]]:
    return _accepted(await _json(session, "GET", f"{hub}/_sim/requests"), "POST", "/cdrs")


async def test_a_held_cdr_waits_then_arrives_priced(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps(demo_data.locations(1)))
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
            # the connectors name the demo tariff, which is not published yet
            imported = cli(
                "locations", "import", str(locations), "--allow-unknown-tariffs", config=config
            )
            assert imported.returncode == 0, imported.stderr
            assert "warning:" in imported.stderr
            added = cli(
                "stations", "add", "ST1", "--location", "LOC1", "--evse", "1=E1-1", config=config
            )
            assert added.returncode == 0, added.stderr
            async with aiohttp.ClientSession() as session:
                assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
                hub_token = (await _json(session, "GET", f"{hub}/_sim/state"))["cpo_token"]
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
                assert await station.authorize(BADGE) == "Accepted"
                assert await station.start_transaction(1, BADGE) == "Accepted"
                await station.meter(1, 4000)
                await station.stop_transaction(1, "EVDisconnected")
                await station.disconnect()

                held: list[dict[str, Any]] = []
                deadline = time.monotonic() + 20
                while not held and time.monotonic() < deadline:
                    held = orjson.loads(cli("cdrs", "held", "--json", config=config).stdout)
                assert len(held) == 1 and demo_data.TARIFF_ID in held[0]["reason"]
                await asyncio.sleep(2)  # the worker had every chance to send it
                assert await _hub_cdrs(session, hub) == []

                assert cli("tariffs", "import", str(tariffs), config=config).returncode == 0
                repriced = cli("cdrs", "reprice", held[0]["id"], config=config)
                assert repriced.returncode == 0, repriced.stderr
                sent: list[dict[str, Any]] = []
                deadline = time.monotonic() + 20
                while not sent and time.monotonic() < deadline:
                    sent = await _hub_cdrs(session, hub)
                    await asyncio.sleep(0.2)
                [cdr] = [r["body"] for r in sent]
                assert cdr["id"] == held[0]["id"]
                assert cdr["total_cost"]["excl_vat"] > 0
                assert [t["id"] for t in cdr["tariffs"]] == [demo_data.TARIFF_ID]
                assert orjson.loads(cli("cdrs", "held", "--json", config=config).stdout) == []
        finally:
            server.terminate()
            server.wait(timeout=15)
