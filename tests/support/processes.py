"""Real processes on 127.0.0.1 for end-to-end and CLI tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli(
    *args: str, config: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``ocpi-cpo`` as a real process."""
    command = [sys.executable, "-m", "ocpi_cpo"]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise TimeoutError(f"{url} not up after {timeout} s:\n{log.read_text()}")


@contextmanager
def running(
    args: list[str],
    *,
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float = 20,
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
    try:
        wait_http(ready_url, process, log, timeout)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def write_config(
    path: Path, *, port: int, database_url: str, allow_insecure_http: bool = True, **extra: str
) -> Path:
    lines = [
        f'database_url = "{database_url}"',
        f'public_url = "http://127.0.0.1:{port}"',
        # the Gireve profiles want https://: these tests run on 127.0.0.1 without TLS
        f"allow_insecure_http = {str(allow_insecure_http).lower()}",
        f"port = {port}",
        'admin_token = "admin-token-0123456789abcdef"',
        *[f"{k} = {v}" for k, v in extra.items()],
        "",
        "[business_details]",
        'name = "E2E CPO"',
        "",
        "[[operations]]",
        'operator_id = "FR*AB1"',
        'name = "AB1 Charging"',
        'network_group = "g"',
        "",
        "[[operations]]",
        'operator_id = "FR*AB2"',
        'name = "AB2 Charging"',
        'network_group = "g"',
        "",
        "[reconcile]",  # off in tests (nightly by default)
        "enabled = false",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path
