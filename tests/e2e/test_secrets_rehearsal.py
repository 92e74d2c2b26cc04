"""Secrets stay secret through a whole rehearsal with real processes (docs/security.md).

``serve`` (admin token from ``admin_token_file``, logs at DEBUG) and the simulated hub run on
127.0.0.1; the demo's steps register the hub, push tariffs and locations, connect simulated
stations, charge and send commands; a station with a Basic auth password connects (and a wrong
password is refused); the CLI and the admin API make changes. Then every output is searched for
every secret used: serve's log, /metrics, the audit table dumped from the database, and every CLI
output (but ``partners invite``'s, which hands the registration token out on purpose).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from websockets.exceptions import InvalidStatus

from ocpi_cpo.cli.demo import (
    ADMIN_TOKEN,
    Processes,
    _cli,
    _config,
    _wait_up,
    emsp_211_args,
    free_port,
)
from ocpi_cpo.cli.demo_walk import Stage, steps
from ocpi_cpo.sim.station import SimStation

pytestmark = [pytest.mark.e2e]

PASSWORD = "station-pw-Zq8Jd7Lw"
WRONG_PASSWORD = "wrong-pw-Xk2Vb9Qp"


def _serve_config(folder: Path, port: int) -> Path:
    token_file = folder / "admin.token"
    token_file.write_text(ADMIN_TOKEN + "\n")
    text = _config(port).replace(
        str(Path("var/demo").resolve() / "ocpi-cpo.db"), str(folder / "ocpi-cpo.db")
    )
    text = text.replace(f'admin_token = "{ADMIN_TOKEN}"', f'admin_token_file = "{token_file}"')
    assert ADMIN_TOKEN not in text
    config = folder / "ocpi-cpo.toml"
    config.write_text('log_level = "DEBUG"\n' + text)
    return config


def _recording(run: Any, outputs: list[tuple[tuple[str, ...], str]]) -> Any:
    def recorded(*args: str) -> Any:
        done = run(*args)
        outputs.append((args, done.stdout + done.stderr))
        return done

    return recorded


async def test_no_secret_in_any_output(tmp_path: Path) -> None:
    cpo_port, hub_port, partner_port = free_port(), free_port(), free_port()
    config = _serve_config(tmp_path, cpo_port)
    outputs: list[tuple[tuple[str, ...], str]] = []
    processes = Processes()
    for args, log in (
        (["--config", str(config), "serve"], "cpo.log"),
        (["sim", "hub", "--port", str(hub_port), "--identity", "FR/107", "--quiet"], "hub.log"),
        # the demo's eMSP on OCPI 2.1.1, beside the hub on 2.2.1
        ([*emsp_211_args(partner_port), "--quiet"], "emsp-2.1.1.log"),
    ):
        with (tmp_path / log).open("wb") as out:
            processes.running.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ocpi_cpo", *args], stdout=out, stderr=subprocess.STDOUT
                )
            )
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    partner = f"http://127.0.0.1:{partner_port}"
    try:
        await _wait_up(f"{cpo}/ocpi/versions", processes)
        await _wait_up(f"{hub}/_sim/state", processes)
        await _wait_up(f"{partner}/_sim/state", processes)
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            stage = Stage(tmp_path, cpo, hub, _recording(_cli(config), outputs), session, partner)
            for title, action in steps(stage):
                assert await action(), title
            await _station_with_password(stage)
            secrets = await _secrets_used(stage, outputs)
            metrics = await _metrics(stage)
            stage.run_cli("partners", "list")
            stage.run_cli("stations", "list", "--json")
            stage.run_cli("outbox", "list", "--json")
            stage.run_cli("audit")
            stage.run_cli("audit", "--json")
            for station in stage.stations:
                await station.disconnect()
    finally:
        processes.stop()
    searched = {
        "serve's log": (tmp_path / "cpo.log").read_text(errors="replace"),
        "/metrics": metrics,
        "the audit table": _audit_dump(tmp_path / "ocpi-cpo.db"),
    }
    for command, text in outputs:
        if command[:2] != ("partners", "invite"):
            searched["ocpi-cpo " + " ".join(command)] = text
    assert len(searched["the audit table"]) > 1000  # the rehearsal's changes are there
    assert len(searched["serve's log"]) > 1000
    leaks = [
        f"{name} in {where}"
        for name, secret in secrets.items()
        for where, text in searched.items()
        if secret in text
    ]
    assert leaks == []


async def _station_with_password(stage: Stage) -> None:
    stage.run_cli(
        "stations", "add", "STPW", "--location", "LOC3", "--evse", "1=E3-1", "--password", PASSWORD
    )
    ws = stage.cpo.replace("http://", "ws://") + "/ocpp"
    wrong = SimStation(ws, "STPW", "1.6", password=WRONG_PASSWORD, say=lambda _: None)
    with pytest.raises(InvalidStatus) as refused:
        await wrong.connect()
    assert refused.value.response.status_code == 401
    station = SimStation(ws, "STPW", "1.6", password=PASSWORD, say=lambda _: None)
    await station.connect()
    assert await station.boot() == "Accepted"
    stage.stations.append(station)


async def _secrets_used(stage: Stage, outputs: list[tuple[tuple[str, ...], str]]) -> dict[str, str]:
    invite = next(text for args, text in outputs if args[:2] == ("partners", "invite"))
    state = await stage.get(f"{stage.hub}/_sim/state")
    secrets = {
        "the admin token": ADMIN_TOKEN,
        "the station password": PASSWORD,
        "a wrong station password": WRONG_PASSWORD,
        "the registration token": orjson.loads(invite)["token"],
        "our token for the hub": state["cpo_token"],
    }
    assert all(len(s) >= 16 for s in secrets.values()), secrets
    return secrets


async def _metrics(stage: Stage) -> str:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with stage.session.get(f"{stage.cpo}/metrics", headers=headers) as response:
        assert response.status == 200
        return await response.text()


def _audit_dump(database: Path) -> str:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    return "\n".join(repr(row) for row in rows)
