"""Push EVCI and Check EVCI between real processes: import, status change on the hub's side,
a stale copy found by ``locations check`` and repaired by ``--fix``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.e2e.test_registration_e2e import call
from tests.support.locations import make_location
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


def eventually(check: Callable[[], bool], timeout: float = 30) -> None:
    """Until ``check`` holds, 30 s at most (start-ups and deliveries on a loaded machine). A
    2.1.1 status PATCH that never reached the eMSP, twice under the full suite on PostgreSQL, was
    no slowness: the partner's sync had superseded it with a PUT of the Location read before it
    (tests/integration/api/test_partner_sync.py)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


def test_push_check_and_fix(tmp_path: Path, database_url: str) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
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

        def held() -> dict[str, Any]:
            found: dict[str, Any] = call(f"{hub}/_sim/locations")[2]
            return found

        file = tmp_path / "locations.json"
        file.write_bytes(orjson.dumps([make_location(n) for n in range(1, 4)]))
        done = cli("locations", "import", str(file), "--allow-unknown-tariffs", config=config)
        assert done.returncode == 0, done.stderr
        eventually(lambda: len(held()) == 3)

        _, _, body = call(
            f"{cpo}/admin/evses/E2-1/status",
            method="PUT",
            body={"status": "CHARGING"},
            headers=ADMIN,
        )
        assert body["data"] == {"changed": True}
        eventually(lambda: held()["FR/AB1/LOC2"]["evses"][0]["status"] == "CHARGING")

        stale = make_location(2)
        call(f"{hub}/_sim/locations/FR/AB1/LOC2", method="PUT", body=stale)
        checked = cli("locations", "check", "gireve", config=config)
        assert checked.returncode == 1, checked.stdout + checked.stderr
        assert (
            "DIFFERENT FR/AB1/LOC2/E2-1: status ours 'CHARGING' theirs 'AVAILABLE'"
            in checked.stdout
        )
        assert "3 Locations checked with gireve: 1 out of sync" in checked.stdout

        fixed = cli("locations", "check", "gireve", "--fix", config=config)
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert "queued 1 full PUTs" in fixed.stdout
        eventually(lambda: held()["FR/AB1/LOC2"]["evses"][0]["status"] == "CHARGING")
        again = cli("locations", "check", "gireve", config=config)
        assert again.returncode == 0, again.stdout
        assert "0 out of sync" in again.stdout
