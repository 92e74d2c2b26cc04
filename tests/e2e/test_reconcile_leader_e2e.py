"""Reconciliation in one instance only (issue 16 item 4): two ``serve`` processes on one
PostgreSQL database, the schedule due for a partner that lost its Locations; the leader reads
every Location back once and repairs them, the other instance runs no reconciliation, and both
show the result."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.locations import make_location
from tests.support.processes import ROOT, cli, free_port, running, wait_http, write_config

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

LOCATIONS = 4
ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


def _call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else orjson.dumps(body),
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return orjson.loads(response.read())


def _until(check: Any, what: str, limit: float = 60) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached in {limit} s")


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _location_reads(hub: str) -> int:
    return sum(
        1
        for r in _call("GET", f"{hub}/_sim/requests")
        if r["method"] == "GET" and r["module"] == "locations" and r["path"].count("/") == 6
    )


def test_two_instances_reconcile_once(tmp_path: Path, database_url: str) -> None:
    hub_port = free_port()
    hub = f"http://127.0.0.1:{hub_port}"
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    configs = []
    for n, port in enumerate(ports):
        config = write_config(tmp_path / f"c{n}.toml", port=port, database_url=database_url)
        # The schedule: a slot every 3.6 s from midnight, so the partner is due once a slot
        # has passed since it registered.
        config.write_text(
            config.read_text().replace(
                "enabled = false", 'enabled = true\ntime_of_day = "00:00"\ninterval_hours = 0.001'
            )
        )
        configs.append(config)
    logs = [tmp_path / "cpo0.log", tmp_path / "cpo1.log"]
    with running(
        ["sim", "hub", "--port", str(hub_port), "--quiet"],
        ready_url=f"{hub}/_sim/state",
        log=tmp_path / "hub.log",
    ):
        first = _serve(configs[0], logs[0])
        try:
            wait_http(f"{urls[0]}/ocpi/versions", first, logs[0], timeout=60)
            places = [make_location(n) for n in range(1, LOCATIONS + 1)]
            imported = _call(
                "POST", f"{urls[0]}/admin/locations?allow_unknown_tariffs=true", places, ADMIN
            )
            assert imported["status_code"] == 1000, imported
            invited = cli(
                "partners",
                "invite",
                "hub",
                "--profile",
                "ocpi-2.2.1",
                "--json",
                config=configs[0],
            )
            assert invited.returncode == 0, invited.stderr
            assert _call("POST", f"{hub}/_sim/register", orjson.loads(invited.stdout))["ok"]
            _until(
                lambda: len(_call("GET", f"{hub}/_sim/locations")) == LOCATIONS,
                "the initial push",
            )
        finally:
            _stop(first)  # hands the lease over at once
        # The hub loses everything; a slot passes; two instances start on the one database.
        _call("POST", f"{hub}/_sim/forget", {"modules": ["locations"]})
        reads = _location_reads(hub)
        time.sleep(4)
        servers = [_serve(config, log) for config, log in zip(configs, logs, strict=True)]
        try:
            for url, server, log in zip(urls, servers, logs, strict=True):
                wait_http(f"{url}/ocpi/versions", server, log, timeout=60)
            result = _until(
                lambda: _call("GET", f"{urls[1]}/admin/partners", headers=ADMIN)["data"][0][
                    "reconciliation"
                ],
                "a reconciliation",
            )
            assert result["differences"] == LOCATIONS and result["repaired"] == LOCATIONS
            _until(
                lambda: len(_call("GET", f"{hub}/_sim/locations")) == LOCATIONS,
                "the repairs at the hub",
            )
            # Each instance would reconcile as soon as it leads: give the other one its chance.
            time.sleep(6)
            assert _location_reads(hub) - reads == LOCATIONS  # read back once, by one instance
            ran = [log.read_text().count("reconciled hub:") for log in logs]
            assert sorted(ran) == [0, 1], ran
            for url in urls:
                scraped = (
                    urllib.request.urlopen(
                        urllib.request.Request(f"{url}/metrics", headers=ADMIN), timeout=10
                    )
                    .read()
                    .decode()
                )
                assert f'ocpi_cpo_reconcile_repaired{{partner="hub"}} {LOCATIONS}.0' in scraped
        finally:
            for server in servers:
                _stop(server)
