"""From the station to the hub: 100 simulated OCPP stations against ``ocpi-cpo serve``.

Three real processes on 127.0.0.1, as in production: ``ocpi-cpo serve`` (SQLite, the outbox worker
in the same process, its default), the simulated Gireve hub (``ocpi-cpo sim hub``) registered
through the real credentials handshake, and this process driving 100 simulated stations (half OCPP
1.6, half 2.0.1) over websockets. The network comes in through the CLI as a CPO's would
(``tariffs import``, ``locations import``, ``stations import``).

Figures (OCPP issue benchmark; performance issue 4 and 5):
* status: each station reports a connector status every 5 s, then every second, spread evenly
  (20 and 100 changes/s in all); latency from the moment the station sends its StatusNotification
  to the moment the hub has read the EVSE PATCH (its request log's receive time), p50 and p99;
* CDR: each station runs a charge (StartTransaction / TransactionEvent Started, meter values) and
  stops it, 20 stops a second; latency from StopTransaction / TransactionEvent Ended to the hub
  having read the priced CDR POST, p50 and p99;
* the serve process's CPU (user + system, all threads, from /proc) and resident memory during the
  status phase, beside the same process idle with the same stations connected.

The baseline beside each latency is an OCPP Heartbeat round trip from the same stations at the
busiest pace in the same run: the websocket, the OCPP library and one small write (the gateway
records the heartbeat), what any answer from the gateway costs on this machine at that moment.
Each PATCH and CDR is matched to its status or charge by EVSE and order (order per EVSE is kept,
so the k-th change sent is the k-th received); a missing or reordered one stops the benchmark.

    python -m bench.hub_latency [--quick] [--keep DIR]   (DIR: a new folder for the database and logs)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.report import Figure, limit_figure
from bench.serve_figures import rss_mb
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation

STATIONS = 100
#: status changes per second, all stations together: each station every 5 s, then every second
#: (real stations change far less often; these are busy and very busy networks)
STATUS_RATES = (20.0, 100.0)
STOP_RATE = 20.0  # charges stopped per second
BADGE = "04A1B2C3D4E5F6"
#: 1.6 word sent -> OCPI status the hub must receive (the mapping table, ocpp-bridge.md)
EXPECTED = {"Unavailable": "INOPERATIVE", "Available": "AVAILABLE"}
TICK = os.sysconf("SC_CLK_TCK")


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99 + 0.5) - 1)]
    return statistics.median(ordered) * 1000, p99 * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, every thread


def _config(folder: Path, port: int) -> Path:
    path = folder / "ocpi-cpo.toml"
    path.write_text(
        f'database_url = "sqlite+aiosqlite:///{folder / "cpo.db"}"\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        "allow_insecure_http = true\n"  # a Gireve-profile hub on 127.0.0.1 without TLS
        f"port = {port}\n"
        'log_level = "WARNING"\n'
        "[[operations]]\noperator_id = 'FR*AB1'\nname = 'AB1 Charging'\nnetwork_group = 'b'\n"
        "[[operations]]\noperator_id = 'FR*AB2'\nname = 'AB2 Charging'\nnetwork_group = 'b'\n"
    )
    return path


@dataclass
class Rig:
    """The three processes and what the benchmark learnt about them."""

    folder: Path
    cpo: str
    hub: str
    config: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stations: list[SimStation] = field(default_factory=list)
    notes: dict[str, float] = field(default_factory=dict)

    @property
    def serve_pid(self) -> int:
        return self.processes[0].pid

    def start(self, *args: str, log: str) -> None:
        """Start ``ocpi-cpo ARGS``; with ``OCPI_CPO_BENCH_PROFILE=FILE`` set, ``serve`` runs under
        cProfile and writes its profile to FILE when it stops (a heavier serve: compare shares,
        not figures)."""
        command = [sys.executable, "-m", "ocpi_cpo", *args]
        profile = os.environ.get("OCPI_CPO_BENCH_PROFILE")
        if profile and "serve" in args:
            command[1:1] = ["-m", "cProfile", "-o", profile]
        with (self.folder / log).open("wb") as out:
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=self.folder,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ocpi-cpo {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def stop(self) -> None:
        profiling = bool(os.environ.get("OCPI_CPO_BENCH_PROFILE"))
        for process in self.processes:
            if profiling and "cProfile" in list(process.args):  # type: ignore[arg-type]
                # uvicorn raises SIGTERM again once stopped, which ends the process before
                # cProfile writes; after SIGINT it does
                process.send_signal(signal.SIGINT)
            else:
                process.terminate()
        patience = 120 if os.environ.get("OCPI_CPO_BENCH_PROFILE") else 10  # the profile written
        for process in self.processes:
            try:
                process.wait(timeout=patience)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        return orjson.loads(await response.read())


async def _until(check: Callable[[], Awaitable[bool]], what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what}: not seen within {limit:g} s")


async def _hub_requests(
    session: aiohttp.ClientSession, rig: Rig, method: str, module: str
) -> list[dict[str, Any]]:
    return [
        r
        for r in await _get(session, f"{rig.hub}/_sim/requests")
        if r["method"] == method and r["module"] == module and not r.get("failed")
    ]


async def set_up(rig: Rig, session: aiohttp.ClientSession) -> None:
    """Both servers up, registered, the network and its tariff at the hub, stations connected."""
    for url in (f"{rig.cpo}/ocpi/versions", f"{rig.hub}/_sim/state"):
        for _ in range(600):
            try:
                await _get(session, url)
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"{url} did not come up: see {rig.folder}/*.log")
    invite = orjson.loads(
        rig.cli("partners", "invite", "gireve", "--profile", "gireve-preprod", "--json")
    )
    async with session.post(f"{rig.hub}/_sim/register", data=orjson.dumps(invite)) as response:
        result = orjson.loads(await response.read())
    if not result.get("ok"):
        raise RuntimeError(f"registration failed: {result}")
    (rig.folder / "tariffs.json").write_bytes(orjson.dumps(demo_data.tariffs()))
    (rig.folder / "locations.json").write_bytes(orjson.dumps(demo_data.locations(STATIONS)))
    rig.cli("tariffs", "import", str(rig.folder / "tariffs.json"))
    rig.cli("locations", "import", str(rig.folder / "locations.json"))

    async def network_at_hub() -> bool:
        return len(await _hub_requests(session, rig, "PUT", "locations")) >= STATIONS

    await _until(network_at_hub, f"{STATIONS} Location PUTs at the hub")
    stations = [
        {"station_id": f"S{n}", "location": f"LOC{n}", "evses": {"1": f"E{n}-1", "2": f"E{n}-2"}}
        for n in range(1, STATIONS + 1)
    ]
    (rig.folder / "stations.json").write_bytes(orjson.dumps(stations))
    rig.cli("stations", "import", str(rig.folder / "stations.json"))
    ws = rig.cpo.replace("http", "ws") + "/ocpp"
    rig.stations = [
        SimStation(ws, f"S{n}", "1.6" if n % 2 else "2.0.1", connectors=2, say=lambda _: None)
        for n in range(1, STATIONS + 1)
    ]
    for station in rig.stations:
        await station.connect()
    await asyncio.gather(*(s.boot() for s in rig.stations))
    for station in rig.stations:
        await station.status(1, "Available")
        await station.status(2, "Available")

    async def statuses_at_hub() -> bool:
        return len(await _hub_requests(session, rig, "PATCH", "locations")) >= 2 * STATIONS

    await _until(statuses_at_hub, "the stations' first statuses at the hub")


async def paced(
    stations: list[SimStation], rounds: int, rate: float, act: Callable[[SimStation, int], Any]
) -> dict[str, list[float]]:
    """Each station acts ``rounds`` times, all of them spread evenly at ``rate`` per second;
    returns the wall-clock send times per station."""
    sent: dict[str, list[float]] = defaultdict(list)
    start = time.time() + 0.2

    async def one(index: int, station: SimStation) -> None:
        for k in range(rounds):
            at = start + (k * len(stations) + index) / rate
            await asyncio.sleep(max(0.0, at - time.time()))
            sent[station.station_id].append(time.time())
            await act(station, k)

    await asyncio.gather(*(one(i, s) for i, s in enumerate(stations)))
    return sent


def _received(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["at"]).timestamp()


def match(
    sent: dict[str, list[float]], received: dict[str, list[dict[str, Any]]], what: str
) -> list[float]:
    """Pair the k-th thing sent for an EVSE with the k-th the hub read for it."""
    latencies = []
    for key, times in sent.items():
        got = received.get(key, [])
        if len(got) != len(times):
            raise RuntimeError(f"{what} for {key}: {len(times)} sent, {len(got)} at the hub")
        latencies += [_received(entry) - at for at, entry in zip(times, got, strict=True)]
    return latencies


async def status_phase(
    rig: Rig, session: aiohttp.ClientSession, rounds: int, rate: float, first: int
) -> tuple[list[float], float, float]:
    """Latencies, CPU share of one core, resident MB of serve. Connector 1 of every station
    alternates Unavailable / Available; ``first``: how many it reported before."""
    before = len(await _hub_requests(session, rig, "PATCH", "locations"))
    words = ("Unavailable", "Available")

    async def report(station: SimStation, k: int) -> None:
        await station.status(1, words[(first + k) % 2])

    pids = (rig.serve_pid, rig.processes[1].pid, os.getpid())
    cpu, wall = [cpu_seconds(pid) for pid in pids], time.monotonic()
    by_station = await paced(rig.stations, rounds, rate, report)
    expected = before + rounds * len(rig.stations)

    async def all_there() -> bool:
        return len(await _hub_requests(session, rig, "PATCH", "locations")) >= expected

    await _until(all_there, "every status PATCH at the hub")
    elapsed = time.monotonic() - wall
    share, hub_share, own_share = (
        (cpu_seconds(pid) - before_cpu) / elapsed for pid, before_cpu in zip(pids, cpu, strict=True)
    )
    rig.notes[f"hub_cpu_share_{rate:g}"] = hub_share
    rig.notes[f"stations_cpu_share_{rate:g}"] = own_share
    resident = rss_mb(rig.serve_pid)
    patches = (await _hub_requests(session, rig, "PATCH", "locations"))[before:]
    received: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in patches:
        station = "S" + entry["path"].rsplit("/", 1)[1].removeprefix("E").split("-")[0]
        if entry["path"].endswith("-1"):
            received[station].append(entry)
    for station_id, entries in received.items():
        statuses = [e["body"]["status"] for e in entries]
        wanted = [EXPECTED[words[(first + k) % 2]] for k in range(rounds)]
        if statuses != wanted:
            raise RuntimeError(f"{station_id}: hub received {statuses}, expected {wanted}")
    (rig.folder / f"status_sent_{rate:g}.json").write_bytes(orjson.dumps(by_station))
    (rig.folder / f"status_received_{rate:g}.json").write_bytes(orjson.dumps(received))
    return match(by_station, received, "status PATCHes"), share, resident


async def heartbeat_phase(rig: Rig, rounds: int) -> list[float]:
    """The baseline: a Heartbeat round trip per station, at the status phase's pace."""
    latencies: list[float] = []

    async def beat(station: SimStation, _: int) -> None:
        started = time.perf_counter()
        await station.heartbeat()
        latencies.append(time.perf_counter() - started)

    cpu, wall = cpu_seconds(rig.serve_pid), time.monotonic()
    await paced(rig.stations, rounds, max(STATUS_RATES), beat)
    rig.notes["heartbeat_cpu_share"] = (cpu_seconds(rig.serve_pid) - cpu) / (
        time.monotonic() - wall
    )
    return latencies


async def cdr_phase(rig: Rig, session: aiohttp.ClientSession, rounds: int) -> list[float]:
    before = len(await _hub_requests(session, rig, "POST", "cdrs"))
    stops: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for station in rig.stations:
            status = await station.start_transaction(2, BADGE)
            if status != "Accepted":
                raise RuntimeError(f"{station.station_id}: start -> {status}")
            await station.charging(2)
            await station.meter(2, 7000)

        async def stop(station: SimStation, _: int) -> None:
            await station.stop_transaction(2)

        for key, times in (await paced(rig.stations, 1, STOP_RATE, stop)).items():
            stops[key] += times
        for station in rig.stations:
            await station.status(2, "Available")
    expected = before + rounds * len(rig.stations)

    async def all_there() -> bool:
        return len(await _hub_requests(session, rig, "POST", "cdrs")) >= expected

    await _until(all_there, "every CDR at the hub")
    received: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in (await _hub_requests(session, rig, "POST", "cdrs"))[before:]:
        cdr = entry["body"]
        if not cdr.get("total_cost") or cdr["cdr_location"]["evse_uid"].split("-")[1] != "2":
            raise RuntimeError(f"unexpected CDR at the hub: {cdr.get('id')}")
        station = "S" + cdr["cdr_location"]["evse_uid"].removeprefix("E").split("-")[0]
        received[station].append(entry)
    return match(stops, received, "CDRs")


def _new_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=False)
    return path.resolve()


async def run(quick: bool, keep: Path | None = None) -> dict[str, Any]:
    rounds = 5 if quick else 20
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as name:
        folder = Path(name)
        if keep is not None:  # the database and both logs stay there, for a closer look
            folder = _new_folder(keep)
        cpo_port, hub_port = free_port(), free_port()
        config = _config(folder, cpo_port)
        rig = Rig(folder, f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}", config)
        rig.start("--config", str(config), "serve", log="cpo.log")
        rig.start(
            "sim", "hub", "--port", str(hub_port), "--identity", "FR/107", "--quiet", log="hub.log"
        )
        try:
            async with aiohttp.ClientSession() as session:
                await set_up(rig, session)
                idle_cpu, wall = cpu_seconds(rig.serve_pid), time.monotonic()
                await asyncio.sleep(3.0)
                idle_share = (cpu_seconds(rig.serve_pid) - idle_cpu) / (time.monotonic() - wall)
                idle_rss = rss_mb(rig.serve_pid)
                heartbeat = percentiles(await heartbeat_phase(rig, rounds))
                statuses, first = [], 0
                for rate in STATUS_RATES:  # each phase lasts as long as the busiest
                    phase_rounds = max(1, round(rounds * rate / max(STATUS_RATES)))
                    samples, share, resident = await status_phase(
                        rig, session, phase_rounds, rate, first
                    )
                    first += phase_rounds
                    statuses.append(
                        {
                            "per_s": rate,
                            "samples": len(samples),
                            "p50_ms": percentiles(samples)[0],
                            "p99_ms": percentiles(samples)[1],
                            "cpu_share": share,
                            "rss_mb": resident,
                        }
                    )
                cdr = percentiles(await cdr_phase(rig, session, 1 if quick else 2))
        except Exception:
            for log in ("cpo.log", "hub.log"):
                print(f"--- {log} (tail)\n{(folder / log).read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            for station in rig.stations:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(station.disconnect(), 2)
            rig.stop()
    return {
        "stations": STATIONS,
        "status": statuses,
        "heartbeat_p50_ms": heartbeat[0],
        "heartbeat_p99_ms": heartbeat[1],
        "cdr_p50_ms": cdr[0],
        "cdr_p99_ms": cdr[1],
        "idle_cpu_share": idle_share,
        "idle_rss_mb": idle_rss,
        **rig.notes,
    }


def figures(result: dict[str, Any]) -> list[Figure]:
    n = result["stations"]
    stations = f"{n} stations (half 1.6, half 2.0.1)"
    rows = [
        limit_figure(
            f"status: StatusNotification -> PATCH at the hub, p99, {phase['per_s']:g}/s",
            phase["p99_ms"],
            "ms",
            "ms Heartbeat round trip p99",
            result["heartbeat_p99_ms"],
            50.0,
            f"{stations}, {phase['per_s']:g} changes/s; p50 {phase['p50_ms']:.1f} ms over"
            f" {phase['samples']}",
        )
        for phase in result["status"]
    ]
    rows.append(
        limit_figure(
            "CDR: StopTransaction -> priced CDR at the hub, p99",
            result["cdr_p99_ms"],
            "ms",
            "ms Heartbeat round trip p99",
            result["heartbeat_p99_ms"],
            200.0,
            f"{n} stations, {STOP_RATE:g} stops/s; p50 {result['cdr_p50_ms']:.1f} ms",
        )
    )
    for phase in result["status"]:
        rate = f"{phase['per_s']:g}"
        rows.append(
            Figure(
                f"CPU of serve at {rate} changes/s (% of one core)",
                phase["cpu_share"] * 100,
                "%",
                "% idle, same stations connected",
                result["idle_cpu_share"] * 100,
                "report",
                True,
                f"{stations}; user + system, all threads (/proc); Heartbeats at"
                f" {max(STATUS_RATES):g}/s: {result['heartbeat_cpu_share'] * 100:.0f} %;"
                " meanwhile the simulated hub"
                f" {result[f'hub_cpu_share_{rate}'] * 100:.0f} %, the stations"
                f" {result[f'stations_cpu_share_{rate}'] * 100:.0f} % (2 cores in all)",
            )
        )
    busiest = result["status"][-1]
    rows.append(
        Figure(
            f"memory of serve at {busiest['per_s']:g} changes/s",
            busiest["rss_mb"],
            "MB",
            "MB idle, same stations connected",
            result["idle_rss_mb"],
            "report",
            True,
            "resident set (VmRSS) at the end of the status phase",
        )
    )
    return rows


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    logging.getLogger("ocpi_cpo").setLevel(logging.ERROR)
    return figures(await run(quick))


if __name__ == "__main__":
    import argparse

    from bench.report import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.hub_latency")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--keep", type=Path, help="a new folder to keep the database and logs in")
    arguments = parser.parse_args()
    logging.getLogger("ocpi_cpo").setLevel(logging.ERROR)
    print_table(figures(asyncio.run(run(arguments.quick, arguments.keep))))
