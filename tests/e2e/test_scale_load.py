"""The scale benchmark's load generator (bench.scale_load) against a real ``serve`` and the
simulated hub, set up as the benchmark does: 20 stations, half OCPP 1.6J and half 2.0.1, boot,
heartbeats, status changes, four stations charging (their sessions started over a ramp, then ending
and starting again in the steady phase) and a reconnect storm. What it reports must add up, and
the hub must have received every status change and CDR, in order and without repeats."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
from bench import scale
from bench.hub_latency import Rig

from tests.support.processes import ROOT, free_port

STATIONS = 20
CHARGING = 4


def test_generator_drives_twenty_stations_and_counts_what_it_did(tmp_path: Path) -> None:
    cpo_port, hub_port = free_port(), free_port()
    config = scale._config(tmp_path, cpo_port, f"sqlite+aiosqlite:///{tmp_path}/cpo.db")
    rig = Rig(tmp_path, f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}", config)
    rig.start("--config", str(config), "serve", log="cpo.log")
    rig.start(
        "sim", "hub", "--port", str(hub_port), "--identity", "FR/107", "--quiet", log="hub.log"
    )
    events = tmp_path / "events.json"
    try:

        async def prepare() -> None:
            async with aiohttp.ClientSession() as session:
                await scale.set_up(rig, session, STATIONS)

        asyncio.run(prepare())
        load = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.scale_load",
                "--url",
                f"ws://127.0.0.1:{cpo_port}/ocpp",
                "--stations",
                str(STATIONS),
                "--duration",
                "6",
                "--heartbeat-interval",
                "2",
                "--status-rate",
                "5",
                "--charging",
                str(CHARGING),
                "--ramp",
                "1",
                "--meter-interval",
                "1",
                "--stop-rate",
                "1",
                "--restart-after",
                "0.5",
                "--storm-window",
                "2",
                "--linger",
                "1",
                "--events",
                str(events),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )

        async def requests() -> list[dict[str, Any]]:
            async with aiohttp.ClientSession() as session:
                await asyncio.sleep(1.0)  # the CDRs of the last stops
                return await scale._requests(session, rig)

        hub = asyncio.run(requests())
    finally:
        rig.stop()
    assert load.returncode == 0, load.stderr
    summary = json.loads(load.stdout)
    assert summary["connected"] == STATIONS
    assert summary["versions"] == {"1.6": STATIONS // 2, "2.0.1": STATIONS // 2}
    assert summary["connect_failures"] == 0
    assert summary["errors"] == {}
    # every station booted twice (at start and after the storm), each accepted
    assert summary["boots"] == {"Accepted": 2 * STATIONS}
    assert summary["storm"]["back"] == STATIONS
    # every call sent was answered, and every answer in the steady phase measured
    assert summary["answered"] == {k: v for k, v in summary["sent"].items() if " " not in k}
    assert summary["answers"]["n"] == sum(a["n"] for a in summary["per_action"].values()) > 0
    # charges: S1 and S3 speak 1.6, S2 and S4 2.0.1; each started in the ramp, and in the steady
    # phase a session ended every second (the four in turn), each followed by the station's next
    assert summary["ramp"]["answers"]["n"] >= 2 * CHARGING  # the starts and their statuses
    assert summary["stops"] >= CHARGING
    assert summary["restarts"] == summary["stops"]
    assert summary["starts"] == {"Accepted": CHARGING + summary["restarts"]}
    assert summary["answered"]["StopTransaction"] >= CHARGING // 2
    assert summary["answered"]["StartTransaction"] == (
        CHARGING // 2 + summary["answered"]["StopTransaction"]
    )
    assert summary["answered"]["Heartbeat"] > 0
    assert summary["answered"]["MeterValues"] > 0
    recorded = json.loads(events.read_text())
    assert len(recorded["status"]) == summary["status_changes"] > 0
    assert len(recorded["storm_status"]) == 2 * STATIONS
    # what the hub read matches what the stations said
    seen = scale.analyse(recorded, hub, STATIONS)
    assert seen["status_samples"] == summary["status_changes"]
    assert seen["status_missing"] == seen["status_out_of_order"] == seen["duplicates"] == 0
    assert seen["cdr_samples"] == summary["stops"] and seen["cdr_missing"] == 0
    assert seen["storm_evses"] == 2 * STATIONS and seen["storm_wrong_status"] == 0


def test_the_wait_after_the_ramp_asks_a_busy_hub_again() -> None:
    """``settle`` asks the hub how many requests it read until nothing new comes for ``quiet``
    seconds: an answer that fails (HTTP 500, not JSON) is asked again, and a hub that never
    answers ends the wait with an error that says so."""
    from aiohttp import web
    from bench.scale_load import settle

    async def scenario() -> tuple[float, str]:
        asked = {"n": 0}

        async def count(request: web.Request) -> web.Response:
            asked["n"] += 1
            if asked["n"] <= 2:
                return web.Response(status=500, text="busy")
            return web.json_response({"count": 5})

        async def broken(request: web.Request) -> web.Response:
            return web.Response(status=500, text="busy")

        app = web.Application()
        app.router.add_get("/count", count)
        app.router.add_get("/broken", broken)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            waited = await settle(f"http://127.0.0.1:{port}/count", quiet=0.3, limit=10)
            try:
                await settle(f"http://127.0.0.1:{port}/broken", quiet=0.3, limit=1.5)
            except RuntimeError as exc:
                said = str(exc)
            else:
                said = ""
        finally:
            await runner.cleanup()
        assert asked["n"] > 3
        return waited, said

    waited, said = asyncio.run(scenario())
    assert 0.3 <= waited < 10
    assert "never said" in said
