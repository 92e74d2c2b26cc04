"""Three ``serve`` processes on one PostgreSQL database, as behind a load balancer (issue 18,
point 6): stations on different instances, the simulated hub calling each instance in turn.

* START_SESSION and STOP_SESSION through each instance reach every station;
* SIGKILL of the instance holding a station while 1,000 status changes flow through all three
  and two stations on the other instances make 20 charges: every change the CPO accepted reaches
  the hub in order per EVSE, every charge's CDR reaches it, each once (a message the killed
  instance had in flight when it died may arrive a second time right after the first: at least
  once; the check allows only that); the killed instance's station reconnects to another instance
  and its commands work again;
* ``partners unregister`` on the CLI kills the hub's token on the instances at once.
"""

from __future__ import annotations

import asyncio
import base64
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.support.processes import ROOT, cli, free_port, running, wait_http, write_config

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef", "Content-Type": "application/json"}
STATUSES = ("CHARGING", "AVAILABLE", "BLOCKED", "AVAILABLE")
JSON = {"Content-Type": "application/json"}
BADGE = "04A1B2C3D4E5F6"
#: status changes during the kill: 8 EVSEs x 125
ROUNDS = 125
#: charges during the kill, each ending in a CDR: ST2 (instance 2) and ST3 (instance 0), 10 each
CHARGES_PER_STATION = 10


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


async def _json(
    session: aiohttp.ClientSession, method: str, url: str, body: Any = None, headers: Any = None
) -> Any:
    async with session.request(
        method, url, data=orjson.dumps(body) if body is not None else None, headers=headers or JSON
    ) as response:
        return orjson.loads(await response.read())


def _statuses(requests: list[dict[str, Any]], uid: str) -> list[dict[str, Any]]:
    """The EVSE's PATCH bodies (status and last_updated) in the order the hub accepted them."""
    return [
        r["body"]
        for r in requests
        if r["method"] == "PATCH"
        and f"/{uid}" in r["path"]
        and not r.get("failed")
        and isinstance(r["body"], dict)
        and "status" in r["body"]
    ]


def _collapse(bodies: list[dict[str, Any]]) -> list[str]:
    """At least once: a message in flight when an instance died may arrive again right after the
    first time (the same body, last_updated included); no other repeat is tolerated."""
    kept = [b for i, b in enumerate(bodies) if i == 0 or b != bodies[i - 1]]
    return [b["status"] for b in kept]


def _cdr_posts(requests: list[dict[str, Any]]) -> list[str]:
    """CDR ids POSTed to the hub for the charges of ST2 (E2-1) and ST3 (E1-2), in order."""
    return [
        str(r["body"]["id"])
        for r in requests
        if r["method"] == "POST"
        and "/cdrs" in r["path"]
        and not r.get("failed")
        and r["body"]["cdr_location"]["evse_uid"] in ("E2-1", "E1-2")
    ]


class Drill:
    def __init__(self, session: aiohttp.ClientSession, hub: str, instances: list[str]) -> None:
        self.session = session
        self.hub = hub
        self.instances = instances

    async def command(self, name: str, via: str, **order: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await _json(
            self.session, "POST", f"{self.hub}/_sim/commands/{name}", {**order, "via": via}
        )
        return answer

    async def result(self, ref: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for result in await _json(self.session, "GET", f"{self.hub}/_sim/command_results"):
                if result.get("ref") == ref:
                    return str(result["result"])
            await asyncio.sleep(0.1)
        raise AssertionError(f"no CommandResult for command {ref}")

    async def session_at(self, evse_uid: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sessions = await _json(self.session, "GET", f"{self.hub}/_sim/sessions")
            for found in sessions.values():
                if found["evse_uid"] == evse_uid and found["status"] == "ACTIVE":
                    return str(found["id"])
            await asyncio.sleep(0.1)
        raise AssertionError(f"no active session at {evse_uid}")

    async def start_stop(
        self, station: SimStation, location: str, evse: str, start: str, stop: str
    ) -> None:
        """START through ``start``, STOP through ``stop``: both reach ``station``."""
        answer = await self.command("START_SESSION", start, location_id=location, evse_uid=evse)
        assert answer["data"]["result"] == "ACCEPTED", answer
        assert await self.result(answer["ref"]) == "ACCEPTED"
        await station.wait_for("started", timeout=20)
        session_id = await self.session_at(evse)
        answer = await self.command("STOP_SESSION", stop, session_id=session_id)
        assert answer["data"]["result"] == "ACCEPTED", answer
        assert await self.result(answer["ref"]) == "ACCEPTED"
        await station.wait_for("stopped", timeout=20)


async def test_three_instances_one_database(tmp_path: Path, database_url: str) -> None:
    ports = [free_port() for _ in range(3)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    hub_port = free_port()
    hub = f"http://127.0.0.1:{hub_port}"
    configs = []
    for n, port in enumerate(ports):
        config = write_config(tmp_path / f"c{n}.toml", port=port, database_url=database_url)
        text = config.read_text().replace(f'public_url = "{urls[n]}"', f'public_url = "{urls[0]}"')
        config.write_text(
            text + "\n[limits]\npartner_rate = 100000.0\npartner_burst = 100000\n\n"
            "[outbox]\nbackoff_cap_seconds = 1.0\nlease_seconds = 3.0\n"
        )
        configs.append(config)
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps(demo_data.locations(6)))
    tariffs = tmp_path / "tariffs.json"
    tariffs.write_bytes(orjson.dumps(demo_data.tariffs()))
    assert cli("tariffs", "import", str(tariffs), config=configs[0]).returncode == 0
    assert cli("locations", "import", str(locations), config=configs[0]).returncode == 0
    stations = (("ST1", "LOC1", "E1-1"), ("ST2", "LOC2", "E2-1"), ("ST3", "LOC1", "E1-2"))
    for station_id, location, evse in stations:
        added = cli(
            "stations",
            "add",
            station_id,
            "--location",
            location,
            "--evse",
            f"1={evse}",
            config=configs[0],
        )
        assert added.returncode == 0, added.stderr
    logs = [tmp_path / f"cpo{n}.log" for n in range(3)]
    servers: list[subprocess.Popen[bytes]] = []
    with running(
        ["sim", "hub", "--port", str(hub_port), "--quiet"],
        ready_url=f"{hub}/_sim/state",
        log=tmp_path / "hub.log",
    ):
        try:
            servers += [_serve(config, log) for config, log in zip(configs, logs, strict=True)]
            for url, server, log in zip(urls, servers, logs, strict=True):
                wait_http(f"{url}/ocpi/versions", server, log, timeout=90)
            await _drill(configs, urls, servers, logs, hub)
        finally:
            for server in servers:
                if server.poll() is None:
                    server.terminate()
                    server.wait(timeout=15)


async def _drill(
    configs: list[Path],
    urls: list[str],
    servers: list[subprocess.Popen[bytes]],
    logs: list[Path],
    hub: str,
) -> None:
    invite = orjson.loads(
        cli(
            "partners",
            "invite",
            "gireve",
            "--profile",
            "gireve-preprod",
            "--json",
            config=configs[0],
        ).stdout
    )
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        assert (await _json(session, "POST", f"{hub}/_sim/register", invite))["ok"]
        hub_token = (await _json(session, "GET", f"{hub}/_sim/state"))["cpo_token"]
        # The Gireve profiles wait for the hub's own pull; this hub does not pull: push once.
        assert cli("partners", "sync", "gireve", config=configs[0]).returncode == 0
        deadline = time.monotonic() + 30
        while len(await _json(session, "GET", f"{hub}/_sim/locations")) < 6:
            assert time.monotonic() < deadline, "the sync did not reach the hub"
            await asyncio.sleep(0.1)
        drill = Drill(session, hub, urls)
        ws = [url.replace("http", "ws") + "/ocpp" for url in urls]
        st1 = SimStation(ws[1], "ST1", "1.6", say=lambda _: None)  # on instance 1
        st2 = SimStation(ws[2], "ST2", "1.6", say=lambda _: None)  # on instance 2
        for station in (st1, st2):
            await station.connect()
            await station.boot()
            await station.status(1, "Available")
        await asyncio.sleep(1.0)  # presence recorded (taken on connect)

        # START and STOP through each instance reach both stations.
        for start, stop in ((0, 1), (1, 2), (2, 0)):
            await drill.start_stop(st1, "LOC1", "E1-1", urls[start], urls[stop])
            await drill.start_stop(st2, "LOC2", "E2-1", urls[start], urls[stop])

        # The eMSP pushed the badge (whitelist ALLOWED) through instance 0: charges need no hub.
        token = {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": BADGE,
            "type": "RFID",
            "contract_id": "NL-EMS-C1",
            "issuer": "EMS",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2026-11-24T08:00:00Z",
        }
        auth = {"Authorization": "Token " + base64.b64encode(hub_token.encode()).decode()}
        answer = await _json(
            session,
            "PUT",
            f"{urls[0]}/ocpi/2.2.1/tokens/NL/EMS/{BADGE}",
            token,
            {**auth, **JSON},
        )
        assert answer["status_code"] == 1000, answer
        st3 = SimStation(ws[0], "ST3", "1.6", say=lambda _: None)  # on instance 0
        await st3.connect()
        await st3.boot()
        await st3.status(1, "Available")
        cdrs_before = len(_cdr_posts(await _json(session, "GET", f"{hub}/_sim/requests")))

        # 1,000 status changes through all three instances (8 EVSEs at once, each EVSE's changes
        # one after the other) and 20 charges on ST2 and ST3; instance 1 (holding ST1) is killed
        # once half of the changes are in.
        evses = [f"E{n}-{k}" for n in range(3, 7) for k in (1, 2)]
        sent: dict[str, list[str]] = {uid: [] for uid in evses}
        alive = [0, 1, 2]
        half = asyncio.Event()

        async def changes(i: int, uid: str) -> None:
            for round_ in range(ROUNDS):
                status = STATUSES[round_ % len(STATUSES)]
                for attempt in range(3):
                    via = urls[alive[(round_ + i + attempt) % len(alive)]]
                    try:
                        answer = await _json(
                            session,
                            "PUT",
                            f"{via}/admin/evses/{uid}/status",
                            {"status": status},
                            ADMIN,
                        )
                        break
                    except aiohttp.ClientError:
                        # The instance died under this request (as a balancer would answer 502):
                        # sent again elsewhere; stored at most once ("changed" false the 2nd time).
                        assert via == urls[1], via
                else:
                    raise AssertionError(f"{uid}: no instance answered")
                assert answer["status_code"] == 1000, answer
                sent[uid].append(status)
                if sum(len(v) for v in sent.values()) >= len(evses) * ROUNDS // 2:
                    half.set()

        async def kill() -> None:
            await half.wait()
            servers[1].send_signal(signal.SIGKILL)
            alive.remove(1)  # the balancer stops sending to it; requests in flight finished
            await asyncio.to_thread(servers[1].wait)

        async def charges(station: SimStation) -> None:
            for _ in range(CHARGES_PER_STATION):
                assert await station.authorize(BADGE) == "Accepted"
                assert await station.start_transaction(1, BADGE) == "Accepted"
                await station.meter(1, 1000)
                await station.stop_transaction(1, "EVDisconnected")

        await asyncio.gather(
            *(changes(i, uid) for i, uid in enumerate(evses)),
            kill(),
            charges(st2),
            charges(st3),
        )
        assert servers[1].poll() is not None
        assert sum(len(v) for v in sent.values()) == 1000

        # ST1 loses its instance and reconnects through the balancer to instance 0.
        await st1.disconnect()
        st1.url = ws[0] + "/ST1"
        await st1.connect()
        await st1.boot()
        await asyncio.sleep(1.0)
        await drill.start_stop(st1, "LOC1", "E1-1", urls[2], urls[0])

        deadline = time.monotonic() + 60
        received: dict[str, list[str]] = {}
        cdrs: list[str] = []
        while time.monotonic() < deadline:
            requests = await _json(session, "GET", f"{hub}/_sim/requests")
            received = {uid: _collapse(_statuses(requests, uid)) for uid in evses}
            cdrs = _cdr_posts(requests)[cdrs_before:]
            if received == sent and len(set(cdrs)) >= 2 * CHARGES_PER_STATION:
                break
            await asyncio.sleep(0.25)
        for uid in evses:
            assert received[uid] == sent[uid], uid  # every change, once, in order
        assert len(set(cdrs)) == 2 * CHARGES_PER_STATION, cdrs  # every charge's CDR
        repeated = [c for i, c in enumerate(cdrs) if c in cdrs[:i]]
        assert all(cdrs[cdrs.index(c) + 1] == c for c in repeated), cdrs  # only a retried one

        # The hub's token, revoked on the CLI, is refused by every live instance at once.
        for n in alive:
            async with session.get(f"{urls[n]}/ocpi/2.2.1/locations", headers=auth) as response:
                assert response.status == 200
        assert cli("partners", "unregister", "gireve", config=configs[0]).returncode == 0
        for n in alive:
            async with session.get(f"{urls[n]}/ocpi/2.2.1/locations", headers=auth) as response:
                assert response.status == 401, n
        for station in (st1, st2, st3):
            await station.disconnect()
