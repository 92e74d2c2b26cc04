"""A new partner gets everything (issue 16 item 3), between real processes on 127.0.0.1: a
partner registering after Locations and tariffs exist receives all of them, tariffs first, in
batches; a later PATCH lands on a Location it holds; ``partners sync`` does it again on demand;
``partners update`` and a re-registration do it again, and a sync cut by SIGKILL resumes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from ocpi_cpo.sim import demo_data
from tests.support.locations import make_location
from tests.support.processes import ROOT, cli, free_port, running, wait_http, write_config

pytestmark = pytest.mark.e2e

LOCATIONS = 9
TARIFFS = ["AC22", "T1", "T2", "T3", "T4", "T5"]


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return orjson.loads(response.read())


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(url, data=orjson.dumps(body), method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return orjson.loads(response.read())


def _until(check: Any, what: str, limit: float = 40) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached in {limit} s")


def _puts(requests: list[dict[str, Any]], module: str) -> list[int]:
    return [n for n, r in enumerate(requests) if r["module"] == module and r["method"] == "PUT"]


def test_registration_pushes_everything_then_patches_land(
    tmp_path: Path, database_url: str
) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    # Small batches: the push takes several, each waiting for the previous one.
    config.write_text(config.read_text() + "\n[outbox]\nsync_batch_size = 4\n")
    places = tmp_path / "locations.json"
    places.write_bytes(orjson.dumps([make_location(n) for n in range(1, LOCATIONS + 1)]))
    prices = tmp_path / "tariffs.json"
    prices.write_bytes(orjson.dumps([demo_data.tariff(t, "0.30") for t in TARIFFS]))
    for kind, path in (("tariffs", prices), ("locations", places)):
        done = cli(kind, "import", str(path), config=config)
        assert done.returncode == 0, done.stderr
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
        invited = cli(
            "partners", "invite", "hub", "--profile", "ocpi-2.2.1", "--json", config=config
        )
        assert invited.returncode == 0, invited.stderr
        assert _post(f"{hub}/_sim/register", orjson.loads(invited.stdout))["ok"]

        held = _until(
            lambda: (found := _get(f"{hub}/_sim/locations")) and len(found) == LOCATIONS and found,
            "every Location at the partner",
        )
        assert set(held) == {f"FR/AB1/LOC{n}" for n in range(1, LOCATIONS + 1)}
        requests = _get(f"{hub}/_sim/requests")
        tariff_puts, location_puts = _puts(requests, "tariffs"), _puts(requests, "locations")
        assert sorted(requests[n]["path"].rsplit("/", 1)[1] for n in tariff_puts) == sorted(TARIFFS)
        assert len(location_puts) == LOCATIONS
        assert max(tariff_puts) < min(location_puts), (
            "tariffs first, then the Locations naming them"
        )

        changed = cli("evses", "set-status", "E3-1", "CHARGING", config=config)
        assert changed.returncode == 0, changed.stderr
        _until(
            lambda: (
                _get(f"{hub}/_sim/locations")["FR/AB1/LOC3"]["evses"][0]["status"] == "CHARGING"
            ),
            "the PATCH applied at the partner",
        )
        dead = cli("outbox", "list", "--state", "DEAD", "--json", config=config)
        assert dead.returncode == 0, dead.stderr
        assert orjson.loads(dead.stdout) == []

        again = cli("partners", "sync", "hub", "--module", "tariffs", "--json", config=config)
        assert again.returncode == 0, again.stderr
        progress = orjson.loads(again.stdout)
        assert progress["modules"] == ["tariffs"]
        assert progress["queued"] == len(TARIFFS)
        assert progress["delivered"] + progress["replaced"] == len(TARIFFS)
        assert progress["failed"] == 0 and progress["settled"]
        assert len(_puts(_get(f"{hub}/_sim/requests"), "tariffs")) == 2 * len(TARIFFS)

        shown = cli("partners", "sync", "hub", config=config)
        assert shown.returncode == 0, shown.stderr
        assert f"queued {len(TARIFFS) + LOCATIONS}" in shown.stdout
        assert f"delivered {len(TARIFFS) + LOCATIONS}" in shown.stdout

        listed = cli("partners", "list", "--json", config=config)
        assert listed.returncode == 0, listed.stderr
        [view] = orjson.loads(listed.stdout)
        assert view["sync"]["queued"] == view["sync"]["delivered"] == len(TARIFFS) + LOCATIONS
        assert view["reconciliation"] is None  # off in tests
        table = cli("partners", "list", config=config)
        assert table.returncode == 0 and "never" in table.stdout, table.stderr

        unknown = cli("partners", "sync", "nobody", config=config)
        assert unknown.returncode == 1 and "no partner named 'nobody'" in unknown.stderr
        assert "Traceback" not in unknown.stderr


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


def _admin(method: str, url: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        url, data=None if body is None else orjson.dumps(body), method=method, headers=ADMIN
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return orjson.loads(response.read())


def _sync_view(cpo: str) -> dict[str, Any]:
    """The partner's last sync, as ``GET /admin/partners`` (and ``partners list``) show it."""
    [view] = _admin("GET", f"{cpo}/admin/partners")["data"]
    sync: dict[str, Any] = view["sync"]
    return sync


def _holds_everything(hub: str) -> bool:
    locations, tariffs = _get(f"{hub}/_sim/locations"), _get(f"{hub}/_sim/tariffs")
    return len(locations) == LOCATIONS and len(tariffs) == len(TARIFFS)


def _check_pushed_after(hub: str, mark: int) -> None:
    """Every tariff and Location PUT again since ``mark``, every tariff before any Location."""
    requests = _get(f"{hub}/_sim/requests")[mark:]
    tariff_puts, location_puts = _puts(requests, "tariffs"), _puts(requests, "locations")
    assert {requests[n]["path"].rsplit("/", 1)[1] for n in tariff_puts} == set(TARIFFS)
    assert {requests[n]["path"].rsplit("/", 1)[1] for n in location_puts} == {
        f"LOC{n}" for n in range(1, LOCATIONS + 1)
    }
    assert max(tariff_puts) < min(location_puts), "tariffs first, then the Locations naming them"


def test_update_and_re_registration_push_everything_and_a_killed_sync_resumes(
    tmp_path: Path, database_url: str
) -> None:
    """``partners update`` and a re-registration queue everything again (the hub lost it all),
    tariffs first; ``serve`` killed with SIGKILL in the middle of the update's sync resumes it
    after a restart and the hub ends holding every Location and tariff."""
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    # Batches of 2, each queued when the previous one has landed: the sync lasts long enough to
    # be killed in its middle; claims of the killed process lapse quickly.
    config.write_text(
        config.read_text()
        + "\n[outbox]\nsync_batch_size = 2\nlease_seconds = 2\n"
        + "backoff_base_seconds = 0.2\nbackoff_cap_seconds = 1\n"
    )
    log = tmp_path / "cpo.log"
    with running(
        ["sim", "hub", "--port", str(hub_port), "--quiet"],
        ready_url=f"{hub}/_sim/state",
        log=tmp_path / "hub.log",
    ):
        serve = _serve(config, log)
        try:
            wait_http(f"{cpo}/ocpi/versions", serve, log)
            prices = [demo_data.tariff(t, "0.30") for t in TARIFFS]
            assert _admin("PUT", f"{cpo}/admin/tariffs", prices)["status_code"] == 1000
            places = [make_location(n) for n in range(1, LOCATIONS + 1)]
            assert _admin("POST", f"{cpo}/admin/locations", places)["status_code"] == 1000
            offer = _post(f"{hub}/_sim/invite", {})
            registered = cli(
                "partners",
                "register",
                "hub",
                "--versions-url",
                offer["versions_url"],
                "--token",
                offer["token"],
                "--profile",
                "ocpi-2.2.1",
                config=config,
            )
            assert registered.returncode == 0, registered.stderr
            _until(lambda: _holds_everything(hub), "everything at the hub after registering")
            _check_pushed_after(hub, 0)

            # The hub loses everything; a credentials update gives it all again.
            assert _post(f"{hub}/_sim/forget", {})["forgotten"]["locations"] == LOCATIONS
            mark = len(_get(f"{hub}/_sim/requests"))
            updated = cli("partners", "update", "hub", config=config)
            assert updated.returncode == 0, updated.stderr
            started = _sync_view(cpo)
            assert started["reason"] == "UPDATE"
            _until(lambda: len(_get(f"{hub}/_sim/locations")) >= 2, "the sync under way", 30)
            serve.send_signal(signal.SIGKILL)
            serve.wait()
            at_kill = _get(f"{hub}/_sim/locations")
            assert len(at_kill) < LOCATIONS, "killed after the sync ended: no middle to resume"
            assert len(_get(f"{hub}/_sim/tariffs")) == len(TARIFFS)  # before any Location

            serve = _serve(config, log)
            wait_http(f"{cpo}/ocpi/versions", serve, log)
            _until(lambda: _holds_everything(hub), "everything at the hub after the restart")
            _check_pushed_after(hub, mark)
            resumed = _until(
                lambda: (view := _sync_view(cpo))["settled"] and view, "the sync settled"
            )
            assert resumed["id"] == started["id"]  # the same sync, resumed
            assert resumed["queued"] == len(TARIFFS) + LOCATIONS
            assert resumed["failed"] == 0  # nothing parked

            # Unregistered, the hub lost everything again; registering anew gives it all.
            gone = cli("partners", "unregister", "hub", config=config)
            assert gone.returncode == 0, gone.stderr
            _post(f"{hub}/_sim/forget", {})
            mark = len(_get(f"{hub}/_sim/requests"))
            offer = _post(f"{hub}/_sim/invite", {})
            again = cli(
                "partners",
                "register",
                "hub",
                "--versions-url",
                offer["versions_url"],
                "--token",
                offer["token"],
                "--profile",
                "ocpi-2.2.1",
                config=config,
            )
            assert again.returncode == 0, again.stderr
            _until(lambda: _holds_everything(hub), "everything at the hub after re-registering")
            _check_pushed_after(hub, mark)
            last = _until(lambda: (view := _sync_view(cpo))["settled"] and view, "settled")
            assert last["reason"] == "REGISTRATION" and last["id"] != started["id"]
        finally:
            serve.terminate()
            try:
                serve.wait(timeout=10)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
