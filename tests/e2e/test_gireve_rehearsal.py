"""A rehearsal of Gireve's certification with real processes on 127.0.0.1: one test per CPO use
case (the same steps as `make demo`, in order), then the pagination checks Gireve is known to
run (at least 21 locations, 21 CDRs and 101 tariffs, each seen over several pages; on 2.1.1 the
hub is registered for FR*AB1 only, one registration per operation, and pulls its 14 locations).

All of it twice: against Gireve on OCPI 2.2.1 (with the demo's 2.1.1 eMSP beside it), then
against Gireve on OCPI 2.1.1 (each use case of its 2.1.1 guide, docs/gireve-2.1.1.md). One serve
and one hub per version; the use cases of a version run in order on them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from ocpi_cpo.cli.demo import Processes, _cli, _config, _wait_up, emsp_211_args, free_port
from ocpi_cpo.cli.demo_walk import BADGE, Stage, cdr_of_session, cost_excl_vat, evse_of, steps
from ocpi_cpo.sim import demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

VERSIONS = ["2.2.1", "2.1.1"]


def _titles(version: str) -> list[str]:
    shape = Stage(Path(), "", "", print, None, "" if version == "2.1.1" else "x", version=version)  # type: ignore[arg-type]
    return [title for title, _ in steps(shape)]


# (version, title) as the value: a title alone would group the same use case of both versions
USE_CASES = [pytest.param(v, (v, t), id=f"{v}-{t}") for v in VERSIONS for t in _titles(v)]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stage]:
    version: str = request.param
    folder = tmp_path_factory.mktemp(f"rehearsal-{version}")
    cpo_port, hub_port, partner_port = free_port(), free_port(), free_port()
    config = folder / "ocpi-cpo.toml"
    config.write_text(
        _config(cpo_port).replace(
            str(Path("var/demo").resolve() / "ocpi-cpo.db"), str(folder / "ocpi-cpo.db")
        )
    )
    processes = Processes()
    hub_args = ["sim", "hub", "--port", str(hub_port), "--identity", "FR/107", "--quiet"]
    started = [
        (["--config", str(config), "serve"], "cpo.log"),
        ([*hub_args, "--version", version], "hub.log"),
    ]
    if version == "2.2.1":  # the demo's eMSP on OCPI 2.1.1, beside the hub on 2.2.1
        started.append(([*emsp_211_args(partner_port), "--quiet"], "emsp-2.1.1.log"))
    for args, log in started:
        with (folder / log).open("wb") as out:
            processes.running.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ocpi_cpo", *args], stdout=out, stderr=subprocess.STDOUT
                )
            )
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    partner = f"http://127.0.0.1:{partner_port}" if version == "2.2.1" else ""
    try:
        await _wait_up(f"{cpo}/ocpi/versions", processes)
        await _wait_up(f"{hub}/_sim/state", processes)
        if partner:
            await _wait_up(f"{partner}/_sim/state", processes)
        connector = aiohttp.TCPConnector(force_close=True)  # servers close idle connections
        async with aiohttp.ClientSession(connector=connector) as session:
            rehearsal = Stage(folder, cpo, hub, _cli(config), session, partner, version=version)  # type: ignore[arg-type]
            yield rehearsal
            for station in rehearsal.stations:
                await station.disconnect()
    finally:
        processes.stop()


# scope="module": the stage's parameter must keep the fixture's scope (one serve per version)
@pytest.mark.parametrize(("stage", "use_case"), USE_CASES, indirect=["stage"], scope="module")
async def test_use_case(stage: Stage, use_case: tuple[str, str]) -> None:
    action = dict(steps(stage))[use_case[1]]
    detail = await action()
    assert detail


@pytest.mark.parametrize("stage", VERSIONS, indirect=True)
async def test_each_station_also_does_the_other_kind_of_charge(stage: Stage) -> None:
    """1.6 has charged by RFID and 2.0.1 was started remotely above; now the other way round."""
    rfid_201, remote_16 = stage.stations[1], stage.stations[0]
    await rfid_201.status(2, "Preparing")
    assert await rfid_201.authorize(BADGE) == "Accepted"
    assert await rfid_201.start_transaction(2, BADGE) == "Accepted"
    await rfid_201.meter(2, 4000)
    await rfid_201.stop_transaction(2, "EVDisconnected")
    await stage.until(lambda: _cdr_at(stage, "E2-2"), "the 2.0.1 RFID CDR at the hub")
    await remote_16.status(1, "Available")  # the RFID charge above ended with the car leaving
    await stage.until(lambda: _evse_status(stage, "E1-1", "AVAILABLE"), "E1-1 AVAILABLE here")
    answer = await stage.post(
        f"{stage.hub}/_sim/commands/START_SESSION", {"location_id": "LOC1", "evse_uid": "E1-1"}
    )
    assert answer["data"]["result"] == "ACCEPTED", answer
    await remote_16.wait_for("started", 10)
    session = await stage.until(
        lambda: _session_at(stage, "E1-1", "ACTIVE"), "the 1.6 remote session at the hub"
    )
    answer = await stage.post(
        f"{stage.hub}/_sim/commands/STOP_SESSION", {"session_id": session["id"]}
    )
    assert answer["data"]["result"] == "ACCEPTED", answer
    await remote_16.wait_for("stopped", 10)
    cdr = await stage.until(lambda: _cdr_at(stage, "E1-1", session), "the 1.6 remote CDR")
    assert cost_excl_vat(cdr) > 0
    # the stop's result travels in its own queue: the CDR may reach the hub before it
    await stage.until(lambda: _accepted_results(stage, 4), "two starts' and two stops' results")


async def _accepted_results(stage: Stage, count: int) -> bool:
    results = await stage.get(f"{stage.hub}/_sim/command_results")
    return [r["result"] for r in results].count("ACCEPTED") >= count


async def _evse_status(stage: Stage, evse_uid: str, status: str) -> bool:
    """Our own view: a command is checked against it, so wait until the station's report landed."""
    location = (await stage.admin("GET", "/admin/locations/FR/AB1/LOC1"))["data"]
    return any(e["uid"] == evse_uid and e["status"] == status for e in location["evses"])


async def _cdr_at(stage: Stage, evse_uid: str, session: Any = None) -> Any:
    for cdr in await stage.get(f"{stage.hub}/_sim/cdrs"):
        if evse_of(cdr) == evse_uid and (session is None or cdr_of_session(cdr, session)):
            return cdr
    return None


async def _session_at(stage: Stage, evse_uid: str, status: str) -> Any:
    sessions = await stage.get(f"{stage.hub}/_sim/sessions")
    return next(
        (s for s in sessions.values() if evse_of(s) == evse_uid and s["status"] == status), None
    )


@pytest.mark.parametrize("stage", VERSIONS, indirect=True)
async def test_21_cdrs_pulled_in_pages_of_20(stage: Stage) -> None:
    station = stage.stations[0]
    existing = len(await stage.get(f"{stage.hub}/_sim/cdrs"))  # from the use cases above
    for _ in range(21 - existing):
        await station.status(1, "Preparing")
        assert await station.authorize(BADGE) == "Accepted"
        assert await station.start_transaction(1, BADGE) == "Accepted"
        await station.meter(1, 1000)
        await station.stop_transaction(1, "EVDisconnected")
    await stage.until(lambda: _at_least(stage.get(f"{stage.hub}/_sim/cdrs"), 21), "21 CDRs", 30)
    result = await stage.post(f"{stage.hub}/_sim/pull", {"module": "cdrs", "party": "FR/AB1"})
    assert result["ok"], result
    assert [p["count"] for p in result["pages"]] == [20, 1]
    assert {p["limit"] for p in result["pages"]} == {20}


@pytest.mark.parametrize("stage", VERSIONS, indirect=True)
async def test_101_tariffs_pulled_in_pages_of_100(stage: Stage) -> None:
    path = stage.folder / "many-tariffs.json"
    path.write_bytes(orjson.dumps([demo_data.tariff(f"T{n:03d}", "0.25") for n in range(100)]))
    stage.run_cli("tariffs", "import", str(path))
    result = await stage.post(f"{stage.hub}/_sim/pull", {"module": "tariffs", "party": "FR/AB1"})
    assert result["ok"], result
    # On 2.1.1 the hub is registered for FR*AB1 only (one registration per operation,
    # docs/gireve-2.1.1.md §2): FR/AB2's AC22 is not its business either.
    assert len(result["ids"]) == 101  # AC22 and T000..T099
    assert [p["count"] for p in result["pages"]] == [100, 1]


async def _at_least(fetch: Any, count: int) -> bool:
    return len(await fetch) >= count
