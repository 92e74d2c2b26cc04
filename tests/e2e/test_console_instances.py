"""Two ``serve`` processes on one database, as behind a load balancer: a console sign-in made on
one instance is accepted by the other (sessions are in the database), survives a restart of the
instance that made it, and a sign-out on either ends it on both.

On a SQLite file and on PostgreSQL (issue 20).
"""

from __future__ import annotations

import re
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from ocpi_cpo.api.console.auth import COOKIE
from tests.support.processes import free_port, running, write_config

pytestmark = pytest.mark.e2e

ADMIN_TOKEN = "admin-token-0123456789abcdef"  # tests.support.processes.write_config's


def _get(url: str, session_id: str | None = None) -> httpx.Response:
    """A GET with only the cookie given (a fresh client: no cookie jar carried over)."""
    cookie = {"Cookie": f"{COOKIE}={session_id}"} if session_id else {}
    return httpx.get(url, headers=cookie, timeout=20)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found[1]


def test_a_sign_in_on_one_instance_counts_on_the_other(database_url: str, tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    configs = [
        write_config(tmp_path / f"c{n}.toml", port=port, database_url=database_url)
        for n, port in enumerate(ports)
    ]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)

    def serve(n: int, log: str) -> AbstractContextManager[subprocess.Popen[bytes]]:
        return running(
            ["--config", str(configs[n]), "serve"],
            ready_url=f"http://127.0.0.1:{ports[n]}/health",
            log=tmp_path / log,
            timeout=90,  # a loaded machine starts serve slowly
        )

    with serve(1, "b.log"):
        with serve(0, "a.log"):
            signed = httpx.post(
                f"{a}/console/sign-in", data={"name": "", "password": ADMIN_TOKEN}, timeout=20
            )
            assert signed.status_code == 303, signed.text
            session_id = signed.cookies[COOKIE]
            on_a = _get(f"{a}/console/", session_id)
            assert on_a.status_code == 200 and "admin" in on_a.text
        # A is stopped: B, which never saw the sign-in, accepts the cookie.
        on_b = _get(f"{b}/console/network", session_id)
        assert on_b.status_code == 200, on_b.headers.get("location")
        assert "<h1>Network</h1>" in on_b.text
        assert _csrf(on_b.text) == _csrf(on_a.text)  # the same session's CSRF token
        assert _get(f"{b}/console/").status_code == 303  # without the cookie: sign-in
        with serve(0, "a2.log"):  # A again, restarted: the session survived it
            assert _get(f"{a}/console/", session_id).status_code == 200
            out = httpx.post(
                f"{b}/console/sign-out",
                data={"csrf": _csrf(on_b.text)},
                headers={"Cookie": f"{COOKIE}={session_id}"},
                timeout=20,
            )
            assert out.status_code == 303
            after = _get(f"{a}/console/", session_id)
            assert after.status_code == 303
            assert after.headers["location"] == "/console/sign-in?next=/console/"
