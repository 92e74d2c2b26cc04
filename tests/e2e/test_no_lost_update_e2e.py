"""No lost update with real processes (issue 18, point 0): 100 changes over the 10 EVSEs of one
Location, sent at once from several connections — the admin API over HTTP, ``ocpi-cpo evses
set-status`` as its own process, and a station over OCPP 1.6 — to ``ocpi-cpo serve`` on SQLite
and on PostgreSQL. Each EVSE's changes go one after the other (each stored before the next: the
admin API and the CLI answer after the commit, a station's StatusNotification before it, so the
test waits to see it stored), the 10 EVSEs at the same time. Afterwards the CPO holds the last status of every EVSE and the hub
received all 100 PATCHes once each, in order per EVSE (one Location, so one queue).

The in-process test (tests/integration/storage/test_no_lost_update.py) runs the same shape through
four connection pools; this one goes through every entry point a change has.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.support.processes import ROOT, cli, free_port, running, write_config

pytestmark = pytest.mark.e2e

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef", "Content-Type": "application/json"}
EVSES = 10
CHANGES_PER_EVSE = 10
#: OCPI status -> what the station says (OCPP 1.6); none is the initial UNKNOWN, each step changes
WALK = {"CHARGING": "Charging", "RESERVED": "Reserved", "OUTOFORDER": "Faulted"}
ORDER = list(WALK)


def _statuses(evse: int) -> list[str]:
    return [ORDER[(evse + step) % len(ORDER)] for step in range(CHANGES_PER_EVSE)]


def _source(step: int) -> str:
    """Per EVSE: 5 admin API, 4 station, 1 CLI (10 CLI processes in all, at about the same time)."""
    return "cli" if step == CHANGES_PER_EVSE - 1 else ("admin", "station")[step % 2]


def _location() -> dict[str, Any]:
    location = demo_data.location(1, datetime.now(UTC))
    template = location["evses"][0]
    location["evses"] = [
        {**template, "uid": f"E1-{k}", "evse_id": f"FR*AB1*E1N{k}"} for k in range(1, EVSES + 1)
    ]
    return location


async def _json(
    session: aiohttp.ClientSession, method: str, url: str, body: Any = None, headers: Any = None
) -> Any:
    async with session.request(
        method,
        url,
        data=orjson.dumps(body) if body is not None else None,
        headers=headers or {"Content-Type": "application/json"},
    ) as response:
        return orjson.loads(await response.read())


async def _evse_status(session: aiohttp.ClientSession, cpo: str, uid: str) -> str:
    held = await _json(session, "GET", f"{cpo}/admin/locations/FR/AB1/LOC1", headers=ADMIN)
    return str(next(e["status"] for e in held["data"]["evses"] if e["uid"] == uid))


async def _cli(config: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocpi_cpo",
        "--config",
        str(config),
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_concurrent_changes_from_every_entry_point(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    config.write_text(
        config.read_text() + "\n[limits]\npartner_rate = 100000.0\npartner_burst = 100000\n"
    )
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps([_location()]))
    tariffs = tmp_path / "tariffs.json"
    tariffs.write_bytes(orjson.dumps(demo_data.tariffs()))
    assert cli("tariffs", "import", str(tariffs), config=config).returncode == 0
    assert cli("locations", "import", str(locations), config=config).returncode == 0
    mapping = [f"--evse={k}=E1-{k}" for k in range(1, EVSES + 1)]
    added = cli("stations", "add", "ST1", "--location", "LOC1", *mapping, config=config)
    assert added.returncode == 0, added.stderr
    with (
        running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
            timeout=90,
        ),
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=tmp_path / "cpo.log",
            timeout=90,
        ),
    ):
        invite = orjson.loads(
            cli(
                "partners", "invite", "hub", "--profile", "gireve-preprod", "--json", config=config
            ).stdout
        )
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
            hub_token = (await _json(session, "GET", f"{hub}/_sim/state"))["cpo_token"]
            # The Gireve profiles wait for the hub's pull; this hub does not pull: push once.
            assert cli("partners", "sync", "hub", config=config).returncode == 0
            deadline = time.monotonic() + 60
            while not await _json(session, "GET", f"{hub}/_sim/locations"):
                assert time.monotonic() < deadline, "the sync did not reach the hub"
                await asyncio.sleep(0.1)
            station = SimStation(
                cpo.replace("http", "ws") + "/ocpp",
                "ST1",
                "1.6",
                connectors=EVSES,
                say=lambda _: None,
            )
            await station.connect()
            await station.boot()
            before = len(await _json(session, "GET", f"{hub}/_sim/requests"))

            async def change(evse: int, step: int, status: str) -> None:
                uid = f"E1-{evse + 1}"
                source = _source(step)
                if source == "admin":
                    answer = await _json(
                        session, "PUT", f"{cpo}/admin/evses/{uid}/status", {"status": status}, ADMIN
                    )
                    assert answer["status_code"] == 1000, answer
                    assert answer["data"] == {"changed": True}, (uid, step, answer)
                elif source == "cli":
                    said = await _cli(config, "evses", "set-status", uid, status)
                    assert "partners are told" in said, (uid, step, said)
                else:
                    # A StatusNotification is answered before it is stored (ocpp_gateway/link.py):
                    # this EVSE's next change waits until the CPO holds this one.
                    await station.status(evse + 1, WALK[status])
                    deadline = time.monotonic() + 30
                    while await _evse_status(session, cpo, uid) != status:
                        assert time.monotonic() < deadline, (uid, step, "never stored")
                        await asyncio.sleep(0.02)

            async def walk(evse: int) -> None:
                for step, status in enumerate(_statuses(evse)):
                    await change(evse, step, status)

            await asyncio.gather(*(walk(evse) for evse in range(EVSES)))

            # Stored: the CPO publishes every EVSE's last status.
            auth = {"Authorization": "Token " + base64.b64encode(hub_token.encode()).decode()}
            async with session.get(f"{cpo}/ocpi/2.2.1/locations/LOC1", headers=auth) as response:
                held = orjson.loads(await response.read())["data"]
            final = {evse["uid"]: evse["status"] for evse in held["evses"]}
            assert final == {f"E1-{e + 1}": _statuses(e)[-1] for e in range(EVSES)}

            # Pushed: all 100 PATCHes, once each, in order per EVSE.
            expected = {f"E1-{e + 1}": _statuses(e) for e in range(EVSES)}
            received: dict[str, list[str]] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                requests = (await _json(session, "GET", f"{hub}/_sim/requests"))[before:]
                patches = [
                    r
                    for r in requests
                    if r["method"] == "PATCH" and "/LOC1/" in r["path"] and not r.get("failed")
                ]
                received = {
                    uid: [r["body"]["status"] for r in patches if r["path"].endswith(f"/{uid}")]
                    for uid in expected
                }
                if sum(len(v) for v in received.values()) >= EVSES * CHANGES_PER_EVSE:
                    break
                await asyncio.sleep(0.2)
            assert received == expected
            hub_copy = next(iter((await _json(session, "GET", f"{hub}/_sim/locations")).values()))
            assert {e["uid"]: e["status"] for e in hub_copy["evses"]} == final
            await station.disconnect()
