"""``ocpi-cpo demo``: the whole product on one machine, each step printed with a tick or a cross.

It writes a config for two operations (FR*AB1 and FR*AB2 in one network group) on SQLite under
./var/demo, starts the CPO server, a simulated Gireve hub (OCPI 2.2.1) and a simulated eMSP on
OCPI 2.1.1 (the same simulator with ``--version 2.1.1``) as real processes on 127.0.0.1, connects
simulated OCPP 1.6 and 2.0.1 stations, and walks through every Gireve CPO use case; the charges
reach the 2.1.1 eMSP too, in 2.1.1 form. Exit 0 only when every step passed.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ocpi_cpo.cli.demo_walk import Stage

DEMO_DIR = Path("var/demo")
START = "start the CPO, the hub (2.2.1) and an eMSP (2.1.1)"
#: the demo's admin API token (the demo runs on 127.0.0.1 only)
ADMIN_TOKEN = "demo-admin-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def emsp_211_args(port: int) -> list[str]:
    """The CLI arguments of the demo's eMSP: a simulated partner on OCPI 2.1.1 (NL/EMS), beside
    the hub on 2.2.1. The demo and the rehearsals that replay it start it alike."""
    return ["sim", "hub", "--port", str(port), "--identity", "NL/EMS", "--version", "2.1.1"]


def _config(port: int) -> str:
    return f"""\
database_url = "sqlite+aiosqlite:///{DEMO_DIR.resolve() / "ocpi-cpo.db"}"
public_url = "http://127.0.0.1:{port}"
# the demo's hub uses the Gireve profile on 127.0.0.1 without TLS: a lab, never production
allow_insecure_http = true
port = {port}
admin_token = "{ADMIN_TOKEN}"

[business_details]
name = "Demo CPO"
website = "https://cpo.example"

[[operations]]
operator_id = "FR*AB1"
name = "AB1 Charging"
network_group = "demo"

[[operations]]
operator_id = "FR*AB2"
name = "AB2 Charging"
network_group = "demo"

[page_limits]
locations = 10
cdrs = 20
"""


class Processes:
    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, log: str) -> None:
        with (DEMO_DIR / log).open("wb") as out:
            command = [sys.executable, "-m", "ocpi_cpo", *args]
            self.running.append(
                subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
            )

    def check(self) -> None:
        for process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited: see {DEMO_DIR}/*.log")

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _wait_up(url: str, processes: Processes, timeout: float = 60) -> None:
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            processes.check()
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout:g} s")


def _cli(config: Path) -> object:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ocpi_cpo", "--config", str(config), *args]
        return subprocess.run(  # noqa: S603 - our own command, fixed arguments
            command, capture_output=True, text=True, timeout=120, check=False
        )

    return run


async def _walk(stage: Stage, processes: Processes) -> list[tuple[str, bool, float, str]]:
    from ocpi_cpo.cli.demo_walk import steps

    results: list[tuple[str, bool, float, str]] = []
    started = time.perf_counter()
    try:
        await asyncio.gather(
            _wait_up(f"{stage.cpo}/ocpi/versions", processes),
            _wait_up(f"{stage.hub}/_sim/state", processes),
            _wait_up(f"{stage.partner}/_sim/state", processes),
        )
        results.append(
            (
                START,
                True,
                time.perf_counter() - started,
                f"CPO {stage.cpo}, hub FR/107 {stage.hub}, 2.1.1 eMSP NL/EMS {stage.partner}",
            )
        )
    except (RuntimeError, TimeoutError) as exc:
        results.append((START, False, 0.0, str(exc)))
        return results
    _print(results[-1])
    for title, action in steps(stage):
        started = time.perf_counter()
        try:
            detail, ok = await action(), True
        except Exception as exc:
            detail, ok = f"{type(exc).__name__}: {exc}", False
        results.append((title, ok, time.perf_counter() - started, detail))
        _print(results[-1])
        if not ok:
            break
    return results


def _print(result: tuple[str, bool, float, str]) -> None:
    title, ok, elapsed, detail = result
    mark = "\u2713" if ok else "\u2717"
    typer.echo(f" {mark} {title:<52} {elapsed * 1000:7.0f} ms  {detail}")


async def _run(
    stage_args: tuple[Path, str, str, str, Path], processes: Processes
) -> list[tuple[str, bool, float, str]]:
    import aiohttp

    from ocpi_cpo.cli.demo_walk import Stage

    folder, cpo, hub, partner, config = stage_args
    # No keep-alive: servers close idle connections while a CLI step runs.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        stage = Stage(folder, cpo, hub, _cli(config), session, partner)  # type: ignore[arg-type]
        try:
            return await _walk(stage, processes)
        finally:
            for station in stage.stations:
                await station.disconnect()


def _console_banner(cpo: str, keep_running: bool) -> None:
    typer.echo(f"Console:       {cpo}/console/")
    typer.echo(f"  sign in with an empty user name and the admin token {ADMIN_TOKEN}")
    typer.echo("  (or add people: ocpi-cpo --config var/demo/ocpi-cpo.toml console add-user NAME")
    typer.echo("  --role viewer|operator)")
    if not keep_running:
        typer.echo("  the demo has stopped: run 'ocpi-cpo demo --keep-running' to keep it up")


def demo(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="leave everything up")
    ] = False,
) -> None:
    """Start the CPO, a simulated hub and stations on 127.0.0.1 and walk through every use case."""
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    cpo_port, hub_port, partner_port = free_port(), free_port(), free_port()
    config = DEMO_DIR / "ocpi-cpo.toml"
    config.write_text(_config(cpo_port))
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    partner = f"http://127.0.0.1:{partner_port}"
    typer.echo(f"ocpi-cpo demo: config, data and logs in {DEMO_DIR}/")
    processes = Processes()
    started = time.perf_counter()
    results: list[tuple[str, bool, float, str]] = []
    try:
        processes.start("--config", str(config), "serve", log="cpo.log")
        processes.start(
            "sim", "hub", "--port", str(hub_port), "--identity", "FR/107", log="hub.log"
        )
        processes.start(*emsp_211_args(partner_port), log="emsp-2.1.1.log")
        results = asyncio.run(_run((DEMO_DIR, cpo, hub, partner, config), processes))
        passed = sum(1 for r in results if r[1])
        typer.echo(
            f"\n{passed} passed, {len(results) - passed} failed"
            f" in {time.perf_counter() - started:.1f} s"
        )
        if results and all(r[1] for r in results):
            _console_banner(cpo, keep_running)
        if keep_running and results and all(r[1] for r in results):
            typer.echo(f"OCPI versions: {cpo}/ocpi/versions")
            typer.echo(f"Admin API:     {cpo}/admin/docs (bearer {ADMIN_TOKEN})")
            typer.echo(f"Metrics:       {cpo}/metrics (same bearer token)")
            typer.echo(f"OCPP:          {cpo.replace('http', 'ws')}/ocpp/{{station_id}}")
            typer.echo(f"Hub requests:  {hub}/_sim/requests")
            typer.echo(f"2.1.1 eMSP:    {partner}/_sim/requests")
            typer.echo("Ctrl-C to stop")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        processes.stop()
    if not results or not all(r[1] for r in results):
        raise typer.Exit(1)
