"""The CPO and simulated hubs speaking OCPI 2.1.1, real processes on 127.0.0.1 (SQLite and
PostgreSQL): registration both ways (Gireve's FromIOP on 2.1.1, and ToIOP with a plain 2.1.1
partner), tokens as they are, no routing headers, Locations pushed in 2.1.1 form and pulled, a
change 2.1.1 cannot carry refused by the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.e2e.test_locations_e2e import ADMIN, eventually
from tests.e2e.test_registration_e2e import call
from tests.support.locations import make_location
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e


def test_a_211_hub_registers_gets_locations_and_pulls_them(
    tmp_path: Path, database_url: str
) -> None:
    cpo_port, hub_port, emsp_port = free_port(), free_port(), free_port()
    cpo, hub, emsp = (f"http://127.0.0.1:{p}" for p in (cpo_port, hub_port, emsp_port))
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    wrong = cli("sim", "hub", "--version", "2.2")
    assert wrong.returncode == 2 and "expected 2.2.1 or 2.1.1" in wrong.stderr
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
        running(
            ["sim", "hub", "--port", str(emsp_port), "--version", "2.1.1", "--identity", "NL/EMS"],
            ready_url=f"{emsp}/_sim/state",
            log=tmp_path / "emsp.log",
            timeout=60,  # start-up on a loaded machine
        ),
    ):
        # FromIOP on 2.1.1: the hub reads our versions and details, POSTs its 2.1.1 credentials.
        invited = cli(
            "partners",
            "invite",
            "gireve",
            "--profile",
            "gireve-preprod",
            "--version",
            "2.1.1",
            "--operation",  # one registration per operation (docs/gireve-2.1.1.md §2)
            "FR*AB1",
            "--json",
            config=config,
        )
        assert invited.returncode == 0, invited.stderr
        result = call(f"{hub}/_sim/register", method="POST", body=orjson.loads(invited.stdout))[2]
        assert result["ok"], result
        assert result["steps"][0]["version"] == "2.1.1"
        state = call(f"{hub}/_sim/state")[2]
        assert (state["version"], state["cpo_party"]) == ("2.1.1", "FR/AB1")
        assert call(f"{hub}/_sim/ping", method="POST", body={})[2]["ok"]

        # ToIOP on 2.1.1 with a plain partner: our 2.1.1 credentials, its token as it is.
        offer = call(f"{emsp}/_sim/invite", method="POST", body={})[2]
        registered = cli(
            "partners",
            "register",
            "emsp",
            "--versions-url",
            offer["versions_url"],
            "--token",
            offer["token"],
            "--profile",
            "ocpi-2.1.1",
            config=config,
        )
        assert registered.returncode == 0, registered.stderr
        assert call(f"{emsp}/_sim/state")[2]["cpo_party"] == "FR/AB1"
        listed = orjson.loads(cli("partners", "list", "--json", config=config).stdout)
        assert {p["name"]: p["version"] for p in listed} == {"gireve": "2.1.1", "emsp": "2.1.1"}

        # Locations pushed in 2.1.1 form to both, a status change as an EVSE PATCH.
        file = tmp_path / "locations.json"
        file.write_bytes(orjson.dumps([make_location(n) for n in range(1, 4)]))
        done = cli("locations", "import", str(file), "--allow-unknown-tariffs", config=config)
        assert done.returncode == 0, done.stderr

        def held(at: str) -> dict[str, Any]:
            found: dict[str, Any] = call(f"{at}/_sim/locations")[2]
            return found

        eventually(lambda: len(held(hub)) == 3 and len(held(emsp)) == 3)
        location = held(hub)["FR/AB1/LOC2"]
        assert location["type"] and "parking_type" not in location
        assert "country_code" not in location and "publish" not in location
        assert "tariff_id" in location["evses"][0]["connectors"][0]
        call(
            f"{cpo}/admin/evses/E2-1/status",
            method="PUT",
            body={"status": "CHARGING"},
            headers=ADMIN,
        )
        eventually(lambda: held(hub)["FR/AB1/LOC2"]["evses"][0]["status"] == "CHARGING")
        eventually(lambda: held(emsp)["FR/AB1/LOC2"]["evses"][0]["status"] == "CHARGING")

        # A change 2.1.1 cannot carry (a 2.2.1-only power type, a connector PATCH): exit 2
        # naming the field, nothing stored (issue 17 item 3: PATCH bodies are checked too).
        changed = [make_location(n) for n in range(1, 4)]
        changed[0]["evses"][0]["connectors"][0]["power_type"] = "AC_2_PHASE"
        file.write_bytes(orjson.dumps(changed))
        refused = cli("locations", "import", str(file), "--allow-unknown-tariffs", config=config)
        assert refused.returncode == 2, refused.stdout
        assert "OCPI 2.1.1 locations: connector.power_type" in refused.stderr
        assert "nothing stored" in refused.stderr

        for at in (hub, emsp):
            requests = call(f"{at}/_sim/requests")[2]
            pushes = [r for r in requests if r["module"] == "locations"]
            assert {r["method"] for r in pushes} == {"PUT", "PATCH"}
            assert all(r["path"].startswith("/ocpi/2.1.1/locations/FR/AB1/") for r in pushes)
            assert all(not r["problems"] for r in requests), [r["problems"] for r in requests]

        # The hub pulls our 2.1.1 Locations Sender page by page.
        assert "locations" in state["cpo_endpoints"]
        pulled = call(f"{hub}/_sim/pull", method="POST", body={"module": "locations", "limit": 2})
        assert pulled[2]["ok"], pulled[2]
        assert len(pulled[2]["pages"]) >= 2 and {"LOC1", "LOC2", "LOC3"} <= set(pulled[2]["ids"])
