"""Registration in both directions between real processes on 127.0.0.1 (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e


def call(
    url: str,
    *,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", "Token " + base64.b64encode(token.encode()).decode())
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                orjson.loads(response.read()),
            )
    except urllib.error.HTTPError as error:
        return (
            error.code,
            {k.lower(): v for k, v in error.headers.items()},
            orjson.loads(error.read()),
        )


def test_both_directions(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port, hub2_port = free_port(), free_port(), free_port()
    cpo, hub, hub2 = (f"http://127.0.0.1:{p}" for p in (cpo_port, hub_port, hub2_port))
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    with (
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=tmp_path / "cpo.log",
        ),
        running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
        ),
        running(
            ["sim", "hub", "--port", str(hub2_port), "--identity", "NL/HUB", "--quiet"],
            ready_url=f"{hub2}/_sim/state",
            log=tmp_path / "hub2.log",
        ),
    ):
        # FromIOP: Gireve's sequence with the registration token in Base64.
        invited = cli(
            "partners", "invite", "gireve", "--profile", "gireve-preprod", "--json", config=config
        )
        assert invited.returncode == 0, invited.stderr
        invite = orjson.loads(invited.stdout)
        assert invite["versions_url"] == f"{cpo}/ocpi/versions"
        _, _, result = call(f"{hub}/_sim/register", method="POST", body=invite)
        assert result["ok"], result
        assert result["steps"][-1]["request_id_echoed"]
        assert result["steps"][-1]["correlation_id_echoed"]
        _, _, ping = call(f"{hub}/_sim/ping", method="POST", body={})
        assert ping == {
            "ok": True,
            "http": 200,
            "ocpi": 1000,
            "request_id_echoed": True,
            "correlation_id_echoed": True,
        }
        status, headers, body = call(
            f"{cpo}/ocpi/versions",
            token=invite["token"],
            headers={"X-Request-ID": "r1", "X-Correlation-ID": "c1"},
        )
        assert status == 401 and body["status_code"] == 2000
        assert headers["x-request-id"] == "r1" and headers["x-correlation-id"] == "c1"
        # Gireve has no credentials PUT: update explains what to do instead.
        update = cli("partners", "update", "gireve", config=config)
        assert update.returncode == 1
        assert "unregister" in update.stderr and "register again" in update.stderr

        # HubClientInfo pulled page by page (the simulated hub serves 2 per page).
        parties = [
            {
                "party_id": p,
                "country_code": "NL",
                "role": "EMSP",
                "status": "CONNECTED",
                "last_updated": "2026-11-24T08:00:00Z",
            }
            for p in ("AAA", "BBB", "CCC")
        ]
        call(f"{hub}/_sim/parties", method="POST", body=parties)
        pulled = cli("partners", "parties", "gireve", "--pull", config=config)
        assert pulled.returncode == 0, pulled.stderr
        assert "3 parties" in pulled.stdout and "NL/CCC" in pulled.stdout
        _, _, requests = call(f"{hub}/_sim/requests")
        pages = [r for r in requests if r["path"] == "/ocpi/2.2.1/hubclientinfo"]
        assert len(pages) == 2 and all(not r["problems"] for r in pages)

        # ToIOP: we start the handshake with another hub, then update and unregister.
        _, _, offer = call(f"{hub2}/_sim/invite", method="POST", body={})
        registered = cli(
            "partners",
            "register",
            "hub2",
            "--versions-url",
            offer["versions_url"],
            "--token",
            offer["token"],
            "--profile",
            "ocpi-2.2.1",
            config=config,
        )
        assert registered.returncode == 0, registered.stderr
        assert "HUB NL/HUB" in registered.stdout
        assert "Location it may see is pushed to it" in registered.stdout
        assert call(f"{hub2}/_sim/ping", method="POST", body={})[2]["ok"]
        updated = cli("partners", "update", "hub2", config=config)
        assert updated.returncode == 0, updated.stderr
        assert call(f"{hub2}/_sim/ping", method="POST", body={})[2]["ok"]
        gone = cli("partners", "unregister", "hub2", config=config)
        assert gone.returncode == 0, gone.stderr
        _, _, state = call(f"{hub2}/_sim/state")
        assert state["registered"] is False
        listed = orjson.loads(cli("partners", "list", "--json", config=config).stdout)
        assert {p["name"]: p["state"] for p in listed} == {
            "gireve": "REGISTERED",
            "hub2": "UNREGISTERED",
        }
        hub_requests = call(f"{hub}/_sim/requests")[2]
        assert all(not r["problems"] for r in hub_requests), hub_requests
