"""A charge through Gireve on OCPI 2.1.1, real processes on 127.0.0.1 (the server, the simulated
hub with ``--version 2.1.1``, an OCPP 1.6 station, the CLI; SQLite and PostgreSQL): the badge is
authorized at the hub with one EVSE, the Session goes as full PUTs and the CDR as a POST, both in
2.1.1 form with Gireve's ``authorization_id`` (docs/gireve-2.1.1.md §6, §10); then a remote start
in 2.1.1 with its result at the hub's response_url."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.e2e.test_drills import _json
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e
BADGE = "04A1B2C3D4E5F6"


async def _until(session: aiohttp.ClientSession, url: str, check: Any, limit: float = 20) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check(await _json(session, "GET", url))
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url}: not seen within {limit} s")


async def test_a_charge_reaches_gireve_on_211(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    (tmp_path / "l.json").write_bytes(orjson.dumps(demo_data.locations(2)))
    (tmp_path / "t.json").write_bytes(orjson.dumps(demo_data.tariffs()))
    with (
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=tmp_path / "cpo.log",
            timeout=60,  # start-up on a loaded machine
        ),
        running(
            ["sim", "hub", "--port", str(hub_port), "--version", "2.1.1", "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
            timeout=60,  # start-up on a loaded machine
        ),
    ):
        for args in (
            ("tariffs", "import", str(tmp_path / "t.json")),
            ("locations", "import", str(tmp_path / "l.json")),
            ("stations", "add", "ST1", "--location", "LOC1", "--evse", "1=E1-1"),
        ):
            done = cli(*args, config=config)
            assert done.returncode == 0, done.stderr
        invited = cli(
            "partners", "invite", "gireve", "--profile", "gireve-preprod", "--version", "2.1.1",
            "--operation", "FR*AB1", "--json", config=config,
        )  # fmt: skip
        async with aiohttp.ClientSession() as session:
            invite = orjson.loads(invited.stdout)
            assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
            station = SimStation(
                cpo.replace("http", "ws") + "/ocpp", "ST1", "1.6", say=lambda _: None
            )
            await station.connect()
            await station.boot()
            await station.status(1, "Available")
            assert await station.authorize(BADGE) == "Accepted"
            assert await station.start_transaction(1, BADGE) == "Accepted"
            await station.charging(1)
            await station.meter(1, 4000)
            await station.stop_transaction(1, "EVDisconnected")
            await station.status(1, "Available")

            requests = f"{hub}/_sim/requests"
            cdr_posts = await _until(
                session, requests, lambda rs: [r for r in rs if r["path"].endswith("/cdrs")]
            )
            seen: list[dict[str, Any]] = await _json(session, "GET", requests)
            [authorize] = [r for r in seen if r["path"].endswith(f"/tokens/{BADGE}/authorize")]
            assert authorize["body"] == {"location_id": "LOC1", "evse_uids": ["E1-1"]}
            session_calls = [r for r in seen if r["module"] == "sessions"]
            assert session_calls and {r["method"] for r in session_calls} == {"PUT"}
            last = session_calls[-1]["body"]
            assert {"start_datetime", "auth_id", "location"} <= set(last)
            assert last["auth_id"] == BADGE and "authorization_reference" not in last
            [cdr] = [r["body"] for r in cdr_posts]
            assert cdr["authorization_id"] == last["authorization_id"]
            assert len(cdr["authorization_id"]) == 20
            assert "stop_date_time" in cdr and isinstance(cdr["total_cost"], float | int)
            assert all(not r["problems"] for r in seen), [r["problems"] for r in seen]
            assert all(
                r["path"].startswith("/ocpi/2.1.1/") for r in seen if r["module"] != "versions"
            )

            state = await _json(session, "GET", f"{hub}/_sim/state")
            assert "commands" in state["cpo_endpoints"]
            answer = await _json(
                session,
                "POST",
                f"{hub}/_sim/commands/START_SESSION",
                {"location_id": "LOC1", "evse_uid": "E1-1"},
            )
            assert (answer.get("data") or {}).get("result") == "ACCEPTED", answer
            await station.wait_for("started", 10)
            results = await _until(session, f"{hub}/_sim/command_results", lambda rs: rs)
            assert results[0]["result"] == "ACCEPTED" and results[0]["ref"] == answer["ref"]
            await station.disconnect()
