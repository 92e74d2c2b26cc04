"""A client that stalls in the middle of its body does not hold the server: 408 after the limit."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.support.processes import free_port, running, write_config


def test_stalled_body_gets_408(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "c.toml", port=port, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    config.write_text(config.read_text() + "\n[limits]\nbody_timeout_seconds = 0.5\n")
    with running(
        ["--config", str(config), "serve"],
        ready_url=f"http://127.0.0.1:{port}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"PUT /ocpi/2.2.1/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b'\r\nContent-Length: 100\r\n\r\n{"token": '
            )
            started = time.monotonic()
            answer = b""
            while b"did not arrive" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"did not arrive in time" in answer
        assert waited < 9
