"""Many stations on one server (issue 21): ``python -m bench --only scale``.

Three real processes on 127.0.0.1: ``ocpi-cpo serve`` (SQLite, and PostgreSQL when bench has a
database), the simulated hub (``ocpi-cpo sim hub``, registered through the real credentials
handshake) and the load generator ``bench.scale_load`` in its own process, which connects the
stations over real websockets (half OCPP 1.6J, half 2.0.1) and drives:

1. steady state: heartbeats at a compressed interval, connector-1 status changes at a set rate,
   transactions with MeterValues on connector 2 of some stations (started over a ramp before the
   phase, after which the generator waits until the hub has heard all that the ramp queued),
   sessions ending at a set rate, each station starting its next a moment later;
2. a reconnect storm: every station drops and comes back (BootNotification, its statuses) at a
   random moment within a window.

Figures: OCPP answer p99 (the generator's CALL -> CALLRESULT), StatusNotification -> PATCH at the
hub p99, StopTransaction -> priced CDR at the hub p99 (both from the hub's request log), serve's
resident memory per connected station and CPU (from /proc), the storm's time until every station
is back, and whether the hub's statuses afterwards are complete, in order and without duplicates.

Station count: ``OCPI_CPO_BENCH_SCALE_STATIONS`` (default 10,000; ``--quick``: 500).

    python -m bench.scale [--quick] [--stations N] [--keep DIR]
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.hub_latency import Rig, _get, _until, cpu_seconds, percentiles
from bench.report import Figure, limit_figure
from bench.scale_load import raise_open_files
from bench.serve_figures import rss_mb
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.sim import demo_data

ROOT = Path(__file__).resolve().parent.parent

#: OCPP word sent -> OCPI status the hub must receive (ocpp-bridge.md)
OCPI = {
    "Available": "AVAILABLE",
    "Unavailable": "INOPERATIVE",
    "Charging": "CHARGING",
    "Occupied": "CHARGING",
}


def station_count(quick: bool) -> int:
    configured = os.environ.get("OCPI_CPO_BENCH_SCALE_STATIONS")
    if configured:
        return int(configured)
    return 500 if quick else 10_000


def load_plan(stations: int, quick: bool) -> dict[str, float]:
    """The issue's network, scaled to ``stations``: 30 % charging, their sessions started over a
    ramp before the steady phase; in it MeterValues every 60 s from each (the issue's rate), 1
    status change per 100 stations per second, heartbeats compressed 10x (300 s -> 30 s) and
    sessions ending at a tenth of a percent of the stations per second, each followed by the
    station's next session (a 5-minute session, compressed, so that the phase sees hundreds of
    CDRs)."""
    charging = int(stations * 0.3)
    return {
        "duration": 30.0 if quick else 60.0,
        "heartbeat_interval": 30.0,
        "status_rate": max(1.0, stations / 100),
        "charging": charging,
        "ramp": 10.0 if quick else 30.0,
        "meter_interval": 60.0,
        "stop_rate": max(0.5, charging / 300),
        "storm_window": 15.0 if quick else 60.0,
        # the storm is judged, and ends, this long after the drop (the target: all back in 2 min)
        "storm_limit": 120.0,
    }


PLAN_KNOBS = (
    "duration",
    "heartbeat_interval",
    "status_rate",
    "charging",
    "ramp",
    "meter_interval",
    "stop_rate",
    "storm_window",
    "storm_limit",
)


def _config(folder: Path, port: int, database_url: str) -> Path:
    path = folder / "ocpi-cpo.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        "allow_insecure_http = true\n"  # a Gireve-profile hub on 127.0.0.1 without TLS
        f"port = {port}\n"
        'log_level = "WARNING"\n'
        "[[operations]]\noperator_id = 'FR*AB1'\nname = 'AB1 Charging'\nnetwork_group = 'b'\n"
        "[[operations]]\noperator_id = 'FR*AB2'\nname = 'AB2 Charging'\nnetwork_group = 'b'\n"
        # every simulated station connects from 127.0.0.1: the per-address door is opened wide
        # (per station id it stays as configured by default)
        "[ocpp]\nconnection_burst_per_address = 100000\n"
        "connections_per_minute_per_address = 600000\n"
    )
    return path


async def _requests(session: aiohttp.ClientSession, rig: Rig) -> list[dict[str, Any]]:
    return [r for r in await _get(session, f"{rig.hub}/_sim/requests") if not r.get("failed")]


async def _count(session: aiohttp.ClientSession, rig: Rig, method: str, module: str) -> int:
    """Requests the hub read (not failed), counted by the hub: polled while waiting, where the
    whole log (every body, growing to tens of thousands of entries) loaded the hub and bench."""
    got = await _get(session, f"{rig.hub}/_sim/requests/count?method={method}&module={module}")
    return int(got["count"])


async def set_up(
    rig: Rig, session: aiohttp.ClientSession, stations: int, clock: dict[str, float] | None = None
) -> float:
    """Registered, the network at the hub, the stations imported; returns the seconds it took.
    ``clock`` gets the seconds of each step."""
    clock = {} if clock is None else clock
    started = time.monotonic()
    for url in (f"{rig.cpo}/ocpi/versions", f"{rig.hub}/_sim/state"):
        for _ in range(600):
            try:
                await _get(session, url)
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"{url} did not come up: see {rig.folder}/*.log")
    clock["setup_up_s"] = time.monotonic() - started
    invite = orjson.loads(
        rig.cli("partners", "invite", "gireve", "--profile", "gireve-preprod", "--json")
    )
    async with session.post(f"{rig.hub}/_sim/register", data=orjson.dumps(invite)) as response:
        result = orjson.loads(await response.read())
    if not result.get("ok"):
        raise RuntimeError(f"registration failed: {result}")
    (rig.folder / "tariffs.json").write_bytes(orjson.dumps(demo_data.tariffs()))
    (rig.folder / "locations.json").write_bytes(orjson.dumps(demo_data.locations(stations)))
    rig.cli("tariffs", "import", str(rig.folder / "tariffs.json"))
    step = time.monotonic()
    clock["setup_register_s"] = step - started - clock["setup_up_s"]
    rig.cli("locations", "import", str(rig.folder / "locations.json"))
    clock["setup_import_s"] = time.monotonic() - step
    step = time.monotonic()

    async def network_at_hub() -> bool:
        return await _count(session, rig, "PUT", "locations") >= stations

    await _until(network_at_hub, f"{stations} Location PUTs at the hub", 120 + stations / 20)
    clock["setup_push_s"] = time.monotonic() - step
    step = time.monotonic()
    (rig.folder / "stations.json").write_bytes(
        orjson.dumps(
            [
                {
                    "station_id": f"S{n}",
                    "location": f"LOC{n}",
                    "evses": {"1": f"E{n}-1", "2": f"E{n}-2"},
                }
                for n in range(1, stations + 1)
            ]
        )
    )
    rig.cli("stations", "import", str(rig.folder / "stations.json"))
    clock["setup_stations_s"] = time.monotonic() - step
    return time.monotonic() - started


def _evse(station_id: str, number: int) -> str:
    return f"E{station_id.removeprefix('S')}-{number}"


def _at(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["at"]).timestamp()


def analyse(events: dict[str, Any], hub: list[dict[str, Any]], stations: int) -> dict[str, Any]:
    """Match what the generator sent with what the hub read."""
    patches: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in hub:
        if entry["method"] == "PATCH" and entry["module"] == "locations":
            body = entry["body"] or {}
            if "status" in body:
                patches[entry["path"].rsplit("/", 1)[1]].append(entry)
    cdrs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in hub:
        if entry["method"] == "POST" and entry["module"] == "cdrs":
            cdr = entry["body"]
            if cdr.get("total_cost"):
                cdrs[cdr["cdr_location"]["evse_uid"]].append(entry)

    # Duplicates: a PATCH repeating the status the hub already had for that EVSE.
    duplicates = sum(
        1
        for entries in patches.values()
        for before, after in itertools.pairwise(entries)
        if before["body"]["status"] == after["body"]["status"]
    )
    # Status changes in the steady phase, connector 1: the k-th sent is the k-th PATCH read after
    # the first was sent (order per EVSE is kept), before the storm.
    storm_at = (events.get("storm_at") or [None])[0]
    closed_at = events["closed_at"][0]
    sent: dict[str, list[tuple[str, float]]] = defaultdict(list)
    unanswered: set[str] = set()
    for station_id, number, word, at, *flags in events["status"]:
        sent[_evse(station_id, number)].append((OCPI[word], at))
        if flags:  # a change the station never got an answer for: taken or not, nobody knows
            unanswered.add(_evse(station_id, number))
    for evse in unanswered:
        del sent[evse]
    latencies: list[float] = []
    missing = out_of_order = 0
    examples: list[dict[str, Any]] = []
    for evse, wanted in sent.items():
        first = wanted[0][1]
        got = [e for e in patches.get(evse, []) if first <= _at(e) < closed_at]
        # the PATCH of the status reported at connection may be read after the first change left
        if (
            got
            and got[0]["body"]["status"] != wanted[0][0]
            and got[0]["body"]["status"] != "UNKNOWN"
        ):
            got = got[1:]
        # those of the storm (UNKNOWN, then the status again) come after: order per EVSE is kept
        got = got[: len(wanted)]
        got_words = [e["body"]["status"] for e in got]
        missing += len(wanted) - len(got_words)
        if got_words != [w for w, _ in wanted][: len(got_words)]:
            out_of_order += 1
            if len(examples) < 5:  # what was sent and read, to look into
                examples.append(
                    {
                        "evse": evse,
                        "sent": [[w, at] for w, at in wanted],
                        "read": [[e["body"]["status"], _at(e)] for e in patches.get(evse, [])],
                    }
                )
        latencies += [_at(e) - at for (_, at), e in zip(wanted, got, strict=False)]
    stops: dict[str, list[float]] = defaultdict(list)
    for station_id, number, _, at in events["stop"]:
        stops[_evse(station_id, number)].append(at)
    cdr_latencies: list[float] = []
    cdr_missing = 0
    for evse, times in stops.items():
        got = cdrs.get(evse, [])
        cdr_missing += max(0, len(times) - len(got))
        cdr_latencies += [_at(e) - at for at, e in zip(times, got, strict=False)]
    result: dict[str, Any] = {
        "status_samples": len(latencies),
        "status_missing": missing,
        "status_out_of_order": out_of_order,
        "status_unanswered_evses": len(unanswered),
        "status_out_of_order_examples": examples,
        "duplicates": duplicates,
        "cdr_samples": len(cdr_latencies),
        "cdr_missing": cdr_missing,
    }
    if latencies:
        result["status_p50_ms"], result["status_p99_ms"] = percentiles(latencies)
    if cdr_latencies:
        result["cdr_p50_ms"], result["cdr_p99_ms"] = percentiles(cdr_latencies)
    if storm_at is not None:
        # The drop marks EVSEs UNKNOWN at the hub (offline); after the storm each EVSE's last
        # status at the hub (before the generator closed) must be what its station reported.
        final: dict[str, str] = {}
        for station_id, number, word, _ in events["storm_status"]:
            final[_evse(station_id, number)] = OCPI[word]
        in_storm = {
            evse: [e["body"]["status"] for e in entries if storm_at <= _at(e) < closed_at]
            for evse, entries in patches.items()
        }
        result["storm_evses"] = len(final)
        result["storm_expected_evses"] = 2 * stations
        last = {
            evse: [e["body"]["status"] for e in entries if _at(e) < closed_at]
            for evse, entries in patches.items()
        }
        result["storm_wrong_status"] = sum(
            1 for evse, word in final.items() if (last.get(evse) or [None])[-1] != word
        )
        result["storm_patches"] = sum(len(v) for v in in_storm.values())
        result["storm_unknown_patches"] = sum(v.count("UNKNOWN") for v in in_storm.values())
    return result


class Sampler:
    """serve's CPU and resident set at the generator's phase marks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.marks: dict[str, tuple[float, float, float]] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = (time.monotonic(), cpu_seconds(self.pid), rss_mb(self.pid))

    def share(self, start: str, end: str) -> float:
        (t0, c0, _), (t1, c1, _) = self.marks[start], self.marks[end]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0


async def drive(
    rig: Rig, stations: int, plan: dict[str, float], sampler: Sampler
) -> dict[str, Any]:
    ws = rig.cpo.replace("http", "ws") + "/ocpp"
    events = rig.folder / "events.json"
    command = [
        sys.executable,
        "-m",
        "bench.scale_load",
        "--url",
        ws,
        "--stations",
        str(stations),
        "--duration",
        str(plan["duration"]),
        "--heartbeat-interval",
        str(plan["heartbeat_interval"]),
        "--status-rate",
        str(plan["status_rate"]),
        "--charging",
        str(int(plan["charging"])),
        "--ramp",
        str(plan["ramp"]),
        "--meter-interval",
        str(plan["meter_interval"]),
        "--stop-rate",
        str(plan["stop_rate"]),
        "--storm-window",
        str(plan["storm_window"]),
        "--storm-limit",
        str(plan["storm_limit"]),
        "--settle-url",
        f"{rig.hub}/_sim/requests/count",
        "--events",
        str(events),
        "--progress",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    sampler.mark("start")
    peak = 0.0
    stderr: list[str] = []

    async def marks() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode().strip()
            if line.startswith("phase "):
                sampler.mark(line.removeprefix("phase "))
            else:
                stderr.append(line)

    async def peak_rss() -> None:
        nonlocal peak
        while process.returncode is None:
            peak = max(peak, rss_mb(rig.serve_pid))
            await asyncio.sleep(1.0)

    watcher = asyncio.create_task(peak_rss())
    out, _ = await asyncio.gather(process.stdout.read(), marks())
    await process.wait()
    sampler.mark("exited")
    watcher.cancel()
    if process.returncode != 0:
        raise RuntimeError(f"scale_load exited {process.returncode}: {stderr[-20:]}")
    summary: dict[str, Any] = orjson.loads(out)
    summary["events"] = orjson.loads(events.read_bytes())
    summary["serve_peak_rss_mb"] = peak
    return summary


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


async def run(
    quick: bool,
    database_url: str | None,
    stations: int,
    keep: Path | None = None,
    changes: dict[str, float] | None = None,
) -> dict[str, Any]:
    raise_open_files(stations + 1000)  # serve inherits it
    plan = {**load_plan(stations, quick), **(changes or {})}
    began = time.monotonic()
    clock: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        folder = Path(name) if keep is None else _folder(keep)
        url = database_url or f"sqlite+aiosqlite:///{folder / 'cpo.db'}"
        cpo_port, hub_port = free_port(), free_port()
        config = _config(folder, cpo_port, url)
        rig = Rig(folder, f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}", config)
        if database_url:  # serve creates a SQLite schema by itself, not a PostgreSQL one
            rig.cli("db", "upgrade")
        rig.start("--config", str(config), "serve", log="cpo.log")
        rig.start(
            "sim", "hub", "--port", str(hub_port), "--identity", "FR/107", "--quiet", log="hub.log"
        )
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
                setup_s = await set_up(rig, session, stations, clock)
                idle_rss = rss_mb(rig.serve_pid)
                sampler = Sampler(rig.serve_pid)
                summary = await drive(rig, stations, plan, sampler)
                driven = time.monotonic()
                events = summary.pop("events")
                expected_cdrs = int(summary["stops"])

                async def settled() -> bool:
                    return await _count(session, rig, "POST", "cdrs") >= expected_cdrs

                with contextlib.suppress(RuntimeError):  # counted as missing below
                    await _until(settled, "every CDR at the hub", 120)
                await asyncio.sleep(3.0)  # the last PATCHes
                clock["settling_s"] = time.monotonic() - driven
                step = time.monotonic()
                hub = await _requests(session, rig)
                (folder / "hub_requests.json").write_bytes(orjson.dumps(hub))
                clock["fetch_s"] = time.monotonic() - step
        except Exception:
            for log in ("cpo.log", "hub.log"):
                print(f"--- {log} (tail)\n{(folder / log).read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            rig.stop()
    marks = sampler.marks
    step = time.monotonic()
    analysed = analyse(events, hub, stations)
    clock["analysis_s"] = time.monotonic() - step
    for name, (start, end) in {
        "connect_s": ("start", "connected"),
        "ramp_s": ("ramp_start", "ramp_end"),
        "ramp_settle_s": ("ramp_end", "ramp_settled"),
        "steady_s": ("steady_start", "steady_end"),
        "storm_s": ("storm_start", "storm_end"),
        "close_s": ("storm_end" if "storm_end" in marks else "steady_end", "exited"),
    }.items():
        if start in marks and end in marks:
            clock[name] = marks[end][0] - marks[start][0]
    clock["total_s"] = time.monotonic() - began
    result = {
        "database": "PostgreSQL" if database_url else "SQLite",
        "stations": stations,
        "plan": plan,
        "setup_s": setup_s,
        "idle_rss_mb": idle_rss,
        "load": summary,
        "hub": analysed,
        "clock": clock,
        "connected_rss_mb": marks["connected"][2],
        "steady_rss_mb": marks["steady_end"][2],
        "peak_rss_mb": summary["serve_peak_rss_mb"],
        "cpu_connect": sampler.share("start", "connected"),
        "cpu_steady": sampler.share("steady_start", "steady_end"),
    }
    if "storm_end" in marks:
        result["cpu_storm"] = sampler.share("storm_start", "storm_end")
    return result


def _ramp_p99(load: dict[str, Any]) -> float:
    ramp = load.get("ramp") or {}
    return float((ramp.get("answers") or {}).get("p99_ms", 0.0))


def figures(result: dict[str, Any]) -> list[Figure]:
    n, db = result["stations"], result["database"]
    load, hub, plan = result["load"], result["hub"], result["plan"]
    tag = f"{n:,} stations, {db}"
    what = (
        f"{load['connected']:,} connected (1.6/2.0.1 {load['versions']}), heartbeat every"
        f" {plan['heartbeat_interval']:g} s ({load['heartbeats_per_s']:.0f}/s),"
        f" {plan['status_rate']:g} status changes/s, {int(plan['charging']):,} charging"
        f" (MeterValues every {plan['meter_interval']:g} s, {load['meters_per_s']:.0f}/s;"
        f" {plan['stop_rate']:g} sessions ending/s, each station's next starting"
        f" {load['restart_after_s']:g} s later),"
        f" {plan['duration']:g} s; the ramp before it ({int(plan['charging']):,} starts in"
        f" {plan['ramp']:g} s, not judged): answer p99 {_ramp_p99(load):.0f} ms, then"
        f" {(load.get('ramp') or {}).get('settle_s', 0.0):.0f} s until the hub heard all it"
        " queued"
    )
    rows = [
        limit_figure(
            f"scale: OCPP answer p99, {tag}",
            load["answers"]["p99_ms"],
            "ms",
            "ms BootNotification p99 at connect",
            load["boot"].get("p99_ms", 0.0),
            50.0,
            f"{what}; p50 {load['answers']['p50_ms']:.1f} ms over {load['answers']['n']:,}",
        ),
        limit_figure(
            f"scale: StatusNotification -> PATCH p99, {tag}",
            hub.get("status_p99_ms", float("inf")),
            "ms",
            "ms OCPP answer p99",
            load["answers"]["p99_ms"],
            1000.0,
            f"p50 {hub.get('status_p50_ms', 0):.1f} ms over {hub['status_samples']:,};"
            f" missing {hub['status_missing']}, EVSEs out of order {hub['status_out_of_order']},"
            f" duplicate PATCHes {hub['duplicates']}; EVSEs with a change never answered (not"
            f" judged) {hub.get('status_unanswered_evses', 0)}",
        ),
        limit_figure(
            f"scale: StopTransaction -> priced CDR p99, {tag}",
            hub.get("cdr_p99_ms", float("inf")),
            "ms",
            "ms OCPP answer p99",
            load["answers"]["p99_ms"],
            1000.0,
            f"p50 {hub.get('cdr_p50_ms', 0):.1f} ms over {hub['cdr_samples']:,};"
            f" missing {hub['cdr_missing']}",
        ),
        limit_figure(
            f"scale: serve resident memory, {tag}",
            result["peak_rss_mb"],
            "MB",
            "MB before the stations connected",
            result["idle_rss_mb"],
            1536.0,
            f"{(result['connected_rss_mb'] - result['idle_rss_mb']) * 1024 / max(1, load['connected']):.0f}"
            f" kB per connected station (after connecting, {result['connected_rss_mb']:.0f} MB);"
            f" peak over the run",
        ),
        Figure(
            f"scale: serve CPU, steady state, {tag} (% of one core)",
            result["cpu_steady"] * 100,
            "%",
            "% while the stations connected",
            result["cpu_connect"] * 100,
            "report",
            True,
            f"user + system, all threads (/proc); the generator used {load['cpu_s']:.0f} s of CPU"
            f" in all; 2 cores shared with it and the hub",
        ),
    ]
    storm = load.get("storm")
    if storm:
        # the storm ends at its limit (2 minutes): a station not back by then is not waited for
        back = storm["all_back_s"] if storm["back"] == n else float("inf")
        ok = (
            hub["storm_wrong_status"] == 0
            and hub["duplicates"] == 0
            and hub["storm_patches"] <= 2 * hub["storm_expected_evses"]
            and hub["storm_evses"] == hub["storm_expected_evses"]
        )
        rows.append(
            Figure(
                f"scale: reconnect storm, all back, {tag}",
                back,
                "s",
                "s window the stations came back in",
                storm["window_s"],
                "< 120 s, statuses right",
                back < 120 and ok,
                f"{storm['back']:,}/{n:,} back within {storm.get('limit_s', 120):g} s (last at"
                f" {storm.get('last_back_s') or 0:.1f} s); Boot p99"
                f" {storm['boot'].get('p99_ms', 0):.0f} ms;"
                f" boots {load['boots']}; EVSEs with the wrong status at the hub"
                f" {hub['storm_wrong_status']} of {hub['storm_evses']:,}; PATCHes from the drop on"
                f" {hub['storm_patches']:,} ({hub['storm_unknown_patches']:,} UNKNOWN while"
                f" offline), repeating a status {hub['duplicates']}; serve CPU"
                f" {result.get('cpu_storm', 0) * 100:.0f} %",
            )
        )
    return rows


async def fresh_database(url: str, name: str = "ocpi_cpo_bench_scale") -> str:
    """A new, empty database beside bench's (the other suites leave theirs filled)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


#: issue 21: the whole suite (every database) from a fresh clone within 10 minutes
SUITE_LIMIT_S = 600.0


def _phases(clock: dict[str, float]) -> str:
    setup = sum(v for k, v in clock.items() if k.startswith("setup_"))
    parts = [f"setup {setup:.0f}"] + [
        f"{name} {clock[f'{name}_s']:.0f}"
        for name in ("connect", "ramp", "ramp_settle", "steady", "storm", "close", "settling")
        if f"{name}_s" in clock
    ]
    return ", ".join(parts) + " s"


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    stations = station_count(quick)
    began = time.monotonic()
    results = [await run(quick, None, stations)]
    if postgres_url:
        results.append(await run(quick, await fresh_database(postgres_url), stations))
    took = time.monotonic() - began
    rows = [row for result in results for row in figures(result)]
    rows.append(
        limit_figure(
            f"scale: the suite's time, {stations:,} stations, {len(results)} database(s)",
            took,
            "s",
            "s the load itself (connect, ramp, steady, storm), measured",
            sum(
                r["clock"].get(f"{phase}_s", 0.0)
                for r in results
                for phase in ("connect", "ramp", "steady", "storm")
            ),
            SUITE_LIMIT_S,
            "; ".join(f"{r['database']}: {_phases(r['clock'])}" for r in results),
        )
    )
    return rows


if __name__ == "__main__":
    import argparse

    from bench.report import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--quick", action="store_true", help="500 stations, shorter phases")
    parser.add_argument("--stations", type=int, help="station count")
    parser.add_argument(
        "--postgres", help="a PostgreSQL server's URL instead of SQLite (a fresh database on it)"
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep the database and logs in")
    parser.add_argument("--json", type=Path, help="write the raw result here")
    for knob in PLAN_KNOBS:
        parser.add_argument(f"--{knob.replace('_', '-')}", type=float, help="overrides the plan")
    arguments = parser.parse_args()
    count = arguments.stations or station_count(arguments.quick)
    changes = {k: getattr(arguments, k) for k in PLAN_KNOBS if getattr(arguments, k) is not None}
    database = asyncio.run(fresh_database(arguments.postgres)) if arguments.postgres else None
    outcome = asyncio.run(run(arguments.quick, database, count, arguments.keep, changes))
    if arguments.json:
        arguments.json.write_bytes(orjson.dumps(outcome, option=orjson.OPT_INDENT_2))
    print(
        "phases (s): "
        + ", ".join(f"{k.removesuffix('_s')} {v:.1f}" for k, v in outcome["clock"].items()),
        file=sys.stderr,
    )
    print_table(figures(outcome))
