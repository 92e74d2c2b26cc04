"""``ocpi-cpo demo``: the whole product on one machine, each step printed with a tick or a cross.

It writes a config for two operations (FR*AB1 and FR*AB2 in one network group) on SQLite under
./var/demo, starts the CPO server and simulated hubs as real processes on 127.0.0.1, and walks
through the use cases. Exit 0 only when every step passed.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import aiohttp
import orjson
import typer

from ocpi_cpo.outbound.transport import AiohttpTransport

DEMO_DIR = Path("var/demo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(port: int) -> str:
    return f"""\
database_url = "sqlite+aiosqlite:///{DEMO_DIR.resolve() / "ocpi-cpo.db"}"
public_url = "http://127.0.0.1:{port}"
port = {port}
admin_token = "demo-admin-token-0123456789"

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


class Demo:
    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.results: list[tuple[str, bool, float, str]] = []
        self.config = DEMO_DIR / "ocpi-cpo.toml"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ocpi_cpo", "--config", str(self.config), *args]
        return subprocess.run(  # noqa: S603 - our own command, fixed arguments
            command, capture_output=True, text=True, timeout=60, check=False
        )

    def start(self, *args: str, log: str) -> None:
        out = (DEMO_DIR / log).open("wb")
        command = [sys.executable, "-m", "ocpi_cpo", *args]
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        self.processes.append(process)

    async def step(self, title: str, action: Callable[[], Awaitable[str]]) -> bool:
        started = time.perf_counter()
        try:
            detail, ok = await action(), True
        except Exception as exc:
            detail, ok = f"{type(exc).__name__}: {exc}", False
        elapsed = time.perf_counter() - started
        self.results.append((title, ok, elapsed, detail))
        mark = "\u2713" if ok else "\u2717"
        typer.echo(f" {mark} {title:<58} {elapsed * 1000:7.0f} ms  {detail}")
        return ok

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout:g} s")


async def post_json(url: str, body: dict[str, Any] | None = None) -> Any:
    async with aiohttp.ClientSession() as session, session.post(url, json=body or {}) as response:
        return orjson.loads(await response.read())


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


async def walk(demo: Demo, cpo_port: int, hub_port: int, hub2_port: int) -> None:
    cpo = f"http://127.0.0.1:{cpo_port}"
    hub = f"http://127.0.0.1:{hub_port}"
    hub2 = f"http://127.0.0.1:{hub2_port}"
    state: dict[str, Any] = {}

    async def servers_up() -> str:
        await asyncio.sleep(0.2)
        for process in demo.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited: see {DEMO_DIR}/*.log")
        await asyncio.gather(
            wait_http(f"{cpo}/ocpi/versions"),
            wait_http(f"{hub}/_sim/state"),
            wait_http(f"{hub2}/_sim/state"),
        )
        return f"CPO {cpo}, hub FR/107 {hub}, second hub NL/HUB {hub2}"

    async def invite() -> str:
        done = demo.cli("partners", "invite", "gireve", "--profile", "gireve-preprod", "--json")
        expect(done.returncode == 0, done.stderr.strip())
        state["invite"] = orjson.loads(done.stdout)
        return "ocpi-cpo partners invite gireve --profile gireve-preprod --json"

    async def hub_registers() -> str:
        result = await post_json(f"{hub}/_sim/register", state["invite"])
        expect(result["ok"], f"registration failed: {result['steps']}")
        posted = result["steps"][-1]
        expect(posted["request_id_echoed"] and posted["correlation_id_echoed"], "ids not echoed")
        return "versions, details, POST credentials (Base64 token A); ids echoed"

    async def new_token_works() -> str:
        ping = await post_json(f"{hub}/_sim/ping")
        expect(ping["ok"], f"the hub's new token was refused: {ping}")
        return f"GET versions with the hub's new token: HTTP {ping['http']}, OCPI {ping['ocpi']}"

    async def old_token_refused() -> str:
        transport = AiohttpTransport()
        try:
            reply = await transport.send(
                "GET", f"{cpo}/ocpi/versions", token=state["invite"]["token"]
            )
        finally:
            await transport.close()
        expect(reply.http_status == 401, f"expected 401, got {reply.http_status}")
        return "GET versions with the registration token: HTTP 401"

    async def listed() -> str:
        done = demo.cli("partners", "list", "--json")
        expect(done.returncode == 0, done.stderr.strip())
        gireve = next(p for p in orjson.loads(done.stdout) if p["name"] == "gireve")
        expect(gireve["state"] == "REGISTERED", f"state {gireve['state']}")
        role = gireve["roles"][0]
        return f"gireve REGISTERED as {role['role']} {role['country_code']}/{role['party_id']}, {len(gireve['endpoints'])} endpoints"

    async def we_register() -> str:
        offer = await post_json(f"{hub2}/_sim/invite")
        done = demo.cli(
            "partners",
            "register",
            "hub2",
            "--versions-url",
            offer["versions_url"],
            "--token",
            offer["token"],
            "--profile",
            "ocpi-2.2.1",
        )
        expect(done.returncode == 0, done.stderr.strip())
        return done.stdout.strip()

    async def hub2_calls_back() -> str:
        ping = await post_json(f"{hub2}/_sim/ping")
        expect(ping["ok"], f"hub2's token was refused: {ping}")
        return "hub2 calls us with the token we gave it: accepted"

    for title, action in [
        ("start the CPO server and two simulated hubs", servers_up),
        ("invite the hub (registration token + versions URL)", invite),
        ("hub registers FromIOP (Gireve sequence)", hub_registers),
        ("hub's new token works", new_token_works),
        ("registration token refused after registration", old_token_refused),
        ("partners list shows the hub", listed),
        ("we register with another hub (ToIOP)", we_register),
        ("the other hub reaches us with its token", hub2_calls_back),
    ]:
        if not await demo.step(title, action):
            break


def demo(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="leave everything up")
    ] = False,
) -> None:
    """Start the CPO, simulated hubs (and stations) on 127.0.0.1 and walk through every use case."""
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    cpo_port, hub_port, hub2_port = free_port(), free_port(), free_port()
    runner = Demo()
    runner.config.write_text(_config(cpo_port))
    typer.echo(f"ocpi-cpo demo: config and logs in {DEMO_DIR}/")
    started = time.perf_counter()
    try:
        runner.start("--config", str(runner.config), "serve", log="cpo.log")
        runner.start("sim", "hub", "--port", str(hub_port), "--identity", "FR/107", log="hub.log")
        runner.start("sim", "hub", "--port", str(hub2_port), "--identity", "NL/HUB", log="hub2.log")
        asyncio.run(walk(runner, cpo_port, hub_port, hub2_port))
        passed = sum(1 for r in runner.results if r[1])
        total = len(runner.results)
        typer.echo(
            f"\n{passed} passed, {total - passed} failed in {time.perf_counter() - started:.1f} s"
        )
        if keep_running and passed == total:
            typer.echo(f"OCPI versions: http://127.0.0.1:{cpo_port}/ocpi/versions")
            typer.echo(f"API docs:      http://127.0.0.1:{cpo_port}/admin/docs")
            typer.echo("Ctrl-C to stop")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
    if not runner.results or not all(r[1] for r in runner.results):
        raise typer.Exit(1)
