"""The console's end-to-end stage: ``ocpi-cpo demo --keep-running`` (the CPO's ``serve``, the
simulated Gireve hub, OCPP stations, sessions, CDRs) in a temporary folder, a viewer and an
operator added with ``ocpi-cpo console add-user``, and a headless Chromium.

Skipped, with the reason, when no Chromium is installed (``apt-get install chromium``; .ci/run
installs it). Playwright comes with the dev extra.

Screenshots of the pages go to the folder named by ``OCPI_CPO_SCREENSHOTS`` (relative to the
repository's root), else to the test run's temporary folder: a test run never changes tracked
files. ``make screenshots`` refreshes the README's pictures in docs/console/.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from ocpi_cpo.cli.demo import ADMIN_TOKEN
from ocpi_cpo.sim.station import SimStation
from tests.support.browser import ARGS, chromium_path

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS_VARIABLE = "OCPI_CPO_SCREENSHOTS"
PASSWORD = "console-password-0123"


class Loop:
    """An asyncio loop in a thread, for simulated stations that stay connected between tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@dataclass
class Stage:
    cpo: str
    hub: str
    config: Path
    folder: Path
    loop: Loop
    shots: Path
    stations: dict[str, SimStation] = field(default_factory=dict)

    def station(self, station_id: str, version: str) -> SimStation:
        if station_id not in self.stations:
            ws = self.cpo.replace("http://", "ws://") + "/ocpp"
            station = SimStation(ws, station_id, version, connectors=2, say=lambda _: None)
            self.loop.run(station.connect())
            self.loop.run(station.boot())
            self.stations[station_id] = station
        return self.stations[station_id]

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(self.config), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.folder,
        )


def _wait_for_banner(process: subprocess.Popen[str], timeout: float) -> str:
    """The demo's output up to 'Ctrl-C to stop' (everything is up then)."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C to stop" in line:
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    if not done.wait(timeout) or process.poll() is not None:
        raise RuntimeError("ocpi-cpo demo --keep-running did not come up:\n" + "".join(lines))
    return "".join(lines)


@pytest.fixture(scope="package")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    if chromium_path() is None:
        pytest.skip("no Chromium found: apt-get install chromium (or set OCPI_CPO_CHROMIUM)")
    folder = tmp_path_factory.mktemp("console")
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpi_cpo", "demo", "--keep-running"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    loop = Loop()
    try:
        banner = _wait_for_banner(process, timeout=600)
        console = re.search(r"Console:\s+(\S+)/console/", banner)
        hub = re.search(r"Hub requests:\s+(\S+)/_sim/requests", banner)
        assert console and hub, banner
        assert ADMIN_TOKEN in banner, "the demo says how to sign in"
        built = Stage(
            console[1],
            hub[1],
            folder / "var/demo/ocpi-cpo.toml",
            folder,
            loop,
            screenshots_folder(tmp_path_factory),
        )
        for name, role in (("olivia", "operator"), ("victor", "viewer"), ("lena", "viewer")):
            added = built.cli("console", "add-user", name, "--role", role, stdin=PASSWORD + "\n")
            assert added.returncode == 0, added.stderr
        yield built
        for station in built.stations.values():
            loop.run(station.disconnect())
    finally:
        loop.stop()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="package")
def browser(stage: Stage) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = _launch(playwright)
        yield launched
        launched.close()


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page: Page, stage: Stage, name: str = "", password: str = ADMIN_TOKEN) -> None:
    page.goto(f"{stage.cpo}/console/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password or admin token").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stage.cpo}/console/")


def post_json(url: str, body: object) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def screenshots_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``$OCPI_CPO_SCREENSHOTS`` (relative to the repository's root), else a temporary folder."""
    named = os.environ.get(SCREENSHOTS_VARIABLE, "").strip()
    if not named:
        return tmp_path_factory.mktemp("console-screenshots")
    folder = Path(named) if Path(named).is_absolute() else ROOT / named
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(stage: Stage, page: Page, name: str) -> None:
    """A screenshot of the viewport; with OCPI_CPO_SCREENSHOTS=docs/console, the README's."""
    page.screenshot(path=str(stage.shots / f"{name}.png"))


def wait_until(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.1)
