"""Behind a reverse proxy or load balancer every client comes from the proxy's address: from
``trusted_proxies`` serve takes the client's address from X-Forwarded-For, so the per-address
limits count each client (here the console's failed sign-ins, 20 per address); from anyone else
the header is ignored and cannot be used to dodge the limit. A real ``serve`` on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ocpi_cpo.domain.sign_in_limits import MAX_PER_ADDRESS
from tests.support.processes import free_port, running, write_config

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def _fail_from(base: str, client: str, name: str) -> int:
    """A wrong password for ``name`` as forwarded for ``client``; the HTTP status."""
    answer = httpx.post(
        f"{base}/console/sign-in",
        data={"name": name, "password": "wrong"},
        headers={"X-Forwarded-For": client},
        timeout=20,
    )
    return answer.status_code


@pytest.mark.parametrize("trusted", [True, False], ids=["from-a-trusted-proxy", "from-anyone"])
def test_the_client_address_comes_from_a_trusted_proxy_only(
    database_url: str, tmp_path: Path, trusted: bool
) -> None:
    port = free_port()
    path = tmp_path / "c.toml"
    if trusted:  # the default trusts 127.0.0.1, where this test's requests come from
        config = write_config(path, port=port, database_url=database_url)
    else:
        config = write_config(path, port=port, database_url=database_url, trusted_proxies="[]")
    base = f"http://127.0.0.1:{port}"
    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/health",
        log=tmp_path / "serve.log",
        timeout=90,
    ):
        # one client's failures, each under another name (the per-name limit stays out of it)
        codes = [_fail_from(base, "203.0.113.7", f"user{n}") for n in range(MAX_PER_ADDRESS)]
        assert codes == [401] * MAX_PER_ADDRESS
        assert _fail_from(base, "203.0.113.7", "one-more") == 429
        other_client = _fail_from(base, "198.51.100.9", "someone")
    # through a trusted proxy another client is not held back; from anyone else the header is
    # no address: every try is 127.0.0.1's, and the limit holds whatever it claims
    assert other_client == (401 if trusted else 429)
