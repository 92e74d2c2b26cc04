"""Tokens with real processes: pull page by page, authorize from the CLI (hub up, then down)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.e2e.test_registration_e2e import call
from tests.support.locations import make_location
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e


def token(n: int) -> dict[str, object]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": f"0000000{n}",
        "type": "RFID",
        "contract_id": f"NL-EMS-C{n}",
        "issuer": "EMS",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": f"2026-11-2{n}T08:00:00Z",
    }


def test_pull_and_authorize(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(
        tmp_path / "c.toml", port=cpo_port, database_url=database_url, authorization_timeout="1.0"
    )
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps([make_location(1)]))
    with (
        running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
        ) as hub_process,
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=tmp_path / "cpo.log",
        ),
    ):
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
        assert call(f"{hub}/_sim/register", method="POST", body=invite)[2]["ok"]
        assert (
            cli(
                "locations", "import", str(locations), "--allow-unknown-tariffs", config=config
            ).returncode
            == 0
        )

        call(f"{hub}/_sim/tokens/list", method="POST", body=[token(n) for n in range(1, 6)])
        pulled = cli("tokens", "pull", "gireve", config=config)
        assert pulled.returncode == 0, pulled.stderr
        assert "5 tokens stored from 3 pages" in pulled.stdout
        since = cli("tokens", "pull", "gireve", "--since", "2026-11-24T00:00:00Z", config=config)
        assert "2 tokens stored from 1 pages" in since.stdout
        bad = cli("tokens", "pull", "gireve", "--since", "yesterday", config=config)
        assert bad.returncode == 2 and "RFC 3339" in bad.stderr

        call(f"{hub}/_sim/tokens", method="POST", body={"04A23BC1": {"allowed": "BLOCKED"}})
        blocked = cli("tokens", "authorize", "04a23bc1", "--evse", "FR*AB1*E1N1", config=config)
        assert blocked.returncode == 1
        assert orjson.loads(blocked.stdout)["allowed"] == "BLOCKED"
        allowed = cli("tokens", "authorize", "1234ABCD", "--evse", "E1-1", config=config)
        assert allowed.returncode == 0, allowed.stdout
        decision = orjson.loads(allowed.stdout)
        assert decision["source"] == "REAL_TIME" and decision["authorization_reference"]
        hub_process.terminate()
        hub_process.wait()
        # Hub down: a pulled token (whitelist ALLOWED) still charges, decided offline.
        offline = cli("tokens", "authorize", "00000003", "--evse", "E1-1", config=config)
        assert offline.returncode == 0, offline.stdout
        assert orjson.loads(offline.stdout)["offline"] is True
        unknown = cli("tokens", "authorize", "0BADBADB", "--evse", "E1-1", config=config)
        assert unknown.returncode == 1
        assert orjson.loads(unknown.stdout)["offline"] is True
