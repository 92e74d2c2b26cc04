"""``ocpi-cpo stations`` and ``ocpi-cpo sim station`` as real processes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson
import pytest

from ocpi_cpo.domain.stations import EvseStatus
from tests.integration.ocpp.conftest import GOOD_BADGE, PASSWORD, RecordingEvents, serve_gateway
from tests.support.processes import ROOT, cli, write_config


def config_in(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )


def test_add_list_remove(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    added = cli(
        "stations", "add", "CP1", "--location", "LOC1", "--evse", "1=FR*AB1*E1",
        "--evse", "2=FR*AB1*E2", "--password", PASSWORD, config=config,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert (
        "station CP1 added at location LOC1, profile 1 (Basic auth): 1=FR*AB1*E1, 2=FR*AB1*E2"
        in added.stdout
    )
    assert "ws://127.0.0.1:8080/ocpp/CP1" in added.stdout
    listed = cli("stations", "list", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    (station,) = orjson.loads(listed.stdout)
    assert station["evses"] == {"1": "FR*AB1*E1", "2": "FR*AB1*E2"}
    assert station["connected"] is False and station["last_heartbeat"] is None
    assert station["basic_auth"] is True and station["security_profile"] == 1
    assert station["instance"] is None  # connected to no instance
    assert PASSWORD not in listed.stdout and "scrypt" not in listed.stdout
    table = cli("stations", "list", config=config)
    assert "CP1" in table.stdout and "never" in table.stdout and "1 stations" in table.stdout
    removed = cli("stations", "remove", "CP1", config=config)
    assert removed.returncode == 0 and "station CP1 removed" in removed.stdout
    assert orjson.loads(cli("stations", "list", "--json", config=config).stdout) == []


def test_errors_say_what_to_fix(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    bad = cli("stations", "add", "CP1", "--location", "L", "--evse", "x=E1", config=config)
    assert bad.returncode == 2 and "expected N=EVSE_UID" in bad.stderr
    short = cli(
        "stations", "add", "CP1", "--location", "L", "--evse", "1=E1", "--password", "short",
        config=config,
    )  # fmt: skip
    assert short.returncode == 1 and "16 to 40 printable characters" in short.stderr
    assert "Traceback" not in short.stderr
    gone = cli("stations", "remove", "NOBODY", config=config)
    assert gone.returncode == 1 and "no station 'NOBODY'" in gone.stderr


async def _run_cli(*args: str, timeout: float = 30) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpi_cpo", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_sim_station_cli(tmp_path: Path, version: str) -> None:
    events = RecordingEvents()
    async with serve_gateway(tmp_path, events) as gateway:
        await gateway.add_station("CP1", password=PASSWORD)
        code, out, err = await _run_cli(
            "sim", "station", "--url", gateway.url, "--id", "CP1", "--ocpp", version,
            "--scenario", "plug-and-charge", "--password", PASSWORD, "--badge", GOOD_BADGE,
        )  # fmt: skip
        assert code == 0, err
        assert "scenario plug-and-charge done" in out
        await events.wait(lambda: bool(events.named("transaction_stopped")))
        assert events.statuses("CP1*1")[-1] is EvseStatus.AVAILABLE
        code, out, err = await _run_cli(
            "sim", "station", "--url", gateway.url, "--id", "CP1", "--ocpp", version,
            "--scenario", "plug-and-charge",
        )  # fmt: skip
        assert code == 1 and "the gateway refused the station: HTTP 401" in err
        code, _, err = await _run_cli(
            "sim", "station", "--url", gateway.url, "--id", "CP1", "--scenario", "nope"
        )
        assert code == 2 and "expected one of plug-and-charge" in err


def test_import_many_all_or_nothing(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    good = [
        {"station_id": f"CP{n}", "location": f"LOC{n}", "evses": {"1": f"E{n}-1", "2": f"E{n}-2"}}
        for n in range(1, 4)
    ]
    good[0]["password"] = PASSWORD
    path = tmp_path / "stations.json"
    path.write_bytes(orjson.dumps(good))
    done = cli("stations", "import", str(path), config=config)
    assert done.returncode == 0, done.stderr
    assert "3 stations added (1 with Basic auth)" in done.stdout
    listed = orjson.loads(cli("stations", "list", "--json", config=config).stdout)
    assert [(s["station_id"], s["evses"], s["basic_auth"]) for s in listed] == [
        ("CP1", {"1": "E1-1", "2": "E1-2"}, True),
        ("CP2", {"1": "E2-1", "2": "E2-2"}, False),
        ("CP3", {"1": "E3-1", "2": "E3-2"}, False),
    ]
    # The same EVSE twice in a new file: refused whole, naming the entry; nothing more stored.
    clash = [
        {"station_id": "CP4", "location": "LOC4", "evses": {"1": "E4-1"}},
        {"station_id": "CP5", "location": "LOC5", "evses": {"1": "E4-1"}},
    ]
    path.write_bytes(orjson.dumps(clash))
    refused = cli("stations", "import", str(path), config=config)
    assert refused.returncode == 1
    assert "entry 2 (CP5): EVSE E4-1 is already mapped to station CP4" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert len(orjson.loads(cli("stations", "list", "--json", config=config).stdout)) == 3


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (b"{not json", "not JSON"),
        (b'{"station_id": "CP1"}', "expected a JSON array of stations"),
        (b'[{"station_id": "CP1", "evses": {"1": "E1"}}]', "entry 1: 'location' must be"),
        (b'[{"station_id": "CP1", "location": "L", "evses": {"x": "E1"}}]', "entry 'x'"),
        (b'[{"station_id": "CP1", "location": "L", "evses": {}, "pw": 1}]', "unknown field 'pw'"),
    ],
)
def test_import_says_which_entry_and_field(tmp_path: Path, document: bytes, said: str) -> None:
    config = config_in(tmp_path)
    path = tmp_path / "stations.json"
    path.write_bytes(document)
    bad = cli("stations", "import", str(path), config=config)
    assert bad.returncode == 2 and said in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr
