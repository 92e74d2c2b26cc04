"""One charge reported to a 2.2.1 partner and a 2.1.1 partner at the same time, each in its own
version's wire; real processes on 127.0.0.1 (the server, a simulated Gireve hub on 2.2.1, a
simulated plain eMSP on 2.1.1, an OCPP 1.6 station, the CLI; SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.ocpi.v2_1_1.cdrs.schemas import CDR as CDR211
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import Session as Session211
from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR as CDR221
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import Session as Session221
from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.e2e.test_drills import _json
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e
BADGE = "04A1B2C3D4E5F6"


async def _until(session: aiohttp.ClientSession, url: str, check: Any, limit: float = 30) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check(await _json(session, "GET", url))
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url}: not seen within {limit} s")


def _cdr_posts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["module"] == "cdrs" and r["method"] == "POST"]


async def test_one_charge_reaches_a_221_hub_and_a_211_emsp_each_in_its_wire(
    tmp_path: Path, database_url: str
) -> None:
    cpo_port, hub_port, emsp_port = free_port(), free_port(), free_port()
    cpo, hub, emsp = (f"http://127.0.0.1:{p}" for p in (cpo_port, hub_port, emsp_port))
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    (tmp_path / "l.json").write_bytes(orjson.dumps(demo_data.locations(2)))
    (tmp_path / "t.json").write_bytes(orjson.dumps(demo_data.tariffs()))
    with (
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=tmp_path / "cpo.log",
            timeout=60,
        ),
        running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
            timeout=60,
        ),
        running(
            [
                "sim",
                "hub",
                "--port",
                str(emsp_port),
                "--version",
                "2.1.1",
                "--identity",
                "NL/EMS",
                "--quiet",
            ],
            ready_url=f"{emsp}/_sim/state",
            log=tmp_path / "emsp.log",
            timeout=60,
        ),  # fmt: skip
    ):
        for args in (
            ("tariffs", "import", str(tmp_path / "t.json")),
            ("locations", "import", str(tmp_path / "l.json")),
            ("stations", "add", "ST1", "--location", "LOC1", "--evse", "1=E1-1"),
        ):
            done = cli(*args, config=config)
            assert done.returncode == 0, done.stderr
        async with aiohttp.ClientSession() as session:
            # The Gireve hub on 2.2.1 registers with us; we register with the 2.1.1 eMSP.
            invited = cli("partners", "invite", "gireve", "--profile", "gireve-preprod",
                          "--json", config=config)  # fmt: skip
            invite = orjson.loads(invited.stdout)
            assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
            offer = await _json(session, "POST", f"{emsp}/_sim/invite", {})
            registered = cli(
                "partners", "register", "emsp", "--versions-url", offer["versions_url"],
                "--token", offer["token"], "--profile", "ocpi-2.1.1", config=config,
            )  # fmt: skip
            assert registered.returncode == 0, registered.stderr
            listed = orjson.loads(cli("partners", "list", "--json", config=config).stdout)
            assert {p["name"]: p["version"] for p in listed} == {"gireve": "2.2.1", "emsp": "2.1.1"}

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

            at_hub = await _until(session, f"{hub}/_sim/requests", _cdr_posts)
            at_emsp = await _until(session, f"{emsp}/_sim/requests", _cdr_posts)
            await station.disconnect()
            hub_requests = await _json(session, "GET", f"{hub}/_sim/requests")
            emsp_requests = await _json(session, "GET", f"{emsp}/_sim/requests")

    # 2.2.1 at the hub: its URLs, Session and CDR in 2.2.1 form.
    [cdr_221] = [r["body"] for r in at_hub]
    CDR221.model_validate(cdr_221)
    hub_sessions = [r for r in hub_requests if r["module"] == "sessions"]
    assert hub_sessions and all(r["path"].startswith("/ocpi/2.2.1/sessions/FR/AB1/")
                                for r in hub_sessions)  # fmt: skip
    session_221 = hub_sessions[-1]["body"]
    Session221.model_validate(session_221)
    assert {"start_date_time", "cdr_token", "country_code"} <= set(session_221)
    assert "start_datetime" not in session_221 and "auth_id" not in session_221
    assert isinstance(cdr_221["total_cost"], dict) and "end_date_time" in cdr_221
    assert all(not r["problems"] for r in hub_requests), [r["problems"] for r in hub_requests]

    # 2.1.1 at the eMSP: its URLs, Session and CDR in 2.1.1 form, tokens as they are.
    [cdr_211] = [r["body"] for r in at_emsp]
    CDR211.model_validate(cdr_211)
    emsp_sessions = [r for r in emsp_requests if r["module"] == "sessions"]
    assert emsp_sessions and all(r["path"].startswith("/ocpi/2.1.1/sessions/FR/AB1/")
                                 for r in emsp_sessions)  # fmt: skip
    session_211 = [r["body"] for r in emsp_sessions if r["method"] == "PUT"][-1]
    Session211.model_validate(session_211)
    assert {"start_datetime", "auth_id", "location"} <= set(session_211)
    assert "cdr_token" not in session_211 and "country_code" not in session_211
    assert isinstance(cdr_211["total_cost"], float | int) and "stop_date_time" in cdr_211
    assert all(r["path"].startswith("/ocpi/2.1.1/") for r in emsp_requests
               if r["module"] != "versions")  # fmt: skip
    assert all(not r["problems"] for r in emsp_requests), [r["problems"] for r in emsp_requests]

    # The same charge in both.
    assert cdr_211["id"] == cdr_221["id"]
    assert session_211["id"] == session_221["id"] == cdr_221["session_id"]
    assert cdr_211["auth_id"] == cdr_221["cdr_token"]["uid"] == BADGE
    assert cdr_211["total_energy"] == cdr_221["total_energy"]
    assert cdr_211["total_cost"] == cdr_221["total_cost"]["excl_vat"]
    assert cdr_211["location"]["id"] == cdr_221["cdr_location"]["id"] == "LOC1"
