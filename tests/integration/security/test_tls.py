"""TLS: `ocpi-cpo serve` with a certificate, mutual TLS, and a client certificate for our calls.

Certificates are made for the test by trustme (a throwaway CA)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import trustme
from aiohttp import web

from ocpi_cpo.config import ClientTls
from ocpi_cpo.ocpi.transport import TransportError
from ocpi_cpo.outbound.transport import AiohttpTransport
from tests.support.processes import ROOT, free_port, write_config


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("cpo-client.example")
    files = {
        "ca": tmp_path / "ca.pem",
        "server_cert": tmp_path / "server.pem",
        "server_key": tmp_path / "server.key",
        "client_cert": tmp_path / "client.pem",
        "client_key": tmp_path / "client.key",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.cert_chain_pems[0].write_to_path(str(files["server_cert"]))
    server.private_key_pem.write_to_path(str(files["server_key"]))
    client.cert_chain_pems[0].write_to_path(str(files["client_cert"]))
    client.private_key_pem.write_to_path(str(files["client_key"]))
    return files


def _client_context(pki: dict[str, Path], *, with_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    if with_cert:
        context.load_cert_chain(str(pki["client_cert"]), str(pki["client_key"]))
    return context


async def _get(url: str, context: ssl.SSLContext) -> int:
    async with aiohttp.ClientSession() as session, session.get(url, ssl=context) as response:
        await response.read()
        return response.status


def test_serve_with_mutual_tls(pki: dict[str, Path], tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "c.toml", port=port, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    config.write_text(
        config.read_text().replace(
            f'public_url = "http://127.0.0.1:{port}"', f'public_url = "https://127.0.0.1:{port}"'
        )
        + f'\n[tls]\ncert_file = "{pki["server_cert"]}"\nkey_file = "{pki["server_key"]}"\n'
        f'client_ca_file = "{pki["ca"]}"\n'
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    url = f"https://127.0.0.1:{port}/ocpi/versions"
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                status = asyncio.run(_get(url, _client_context(pki, with_cert=True)))
            except aiohttp.ClientConnectorError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        assert status == 401  # TLS and client certificate accepted; no OCPI token
        with pytest.raises(aiohttp.ClientError):
            asyncio.run(_get(url, _client_context(pki, with_cert=False)))
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_client_certificate_for_a_partner(pki: dict[str, Path]) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki["ca"]))
    server_context.load_cert_chain(str(pki["server_cert"]), str(pki["server_key"]))
    server_context.verify_mode = ssl.CERT_REQUIRED

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status_code": 1000, "timestamp": "2026-11-24T00:00:00Z"})

    app = web.Application()
    app.router.add_get("/ocpi/versions", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=server_context).start()
    url = f"https://127.0.0.1:{port}/ocpi/versions"
    with_cert = AiohttpTransport(
        client_tls=[
            ClientTls(
                url_prefix=f"https://127.0.0.1:{port}/",
                cert_file=str(pki["client_cert"]),
                key_file=str(pki["client_key"]),
                ca_file=str(pki["ca"]),
            )
        ]
    )
    only_ca = AiohttpTransport(
        client_tls=[
            ClientTls(
                url_prefix=f"https://127.0.0.1:{port}/",
                ca_file=str(pki["ca"]),
            )
        ]
    )
    try:
        reply = await with_cert.send("GET", url, token="t", timeout=5)
        assert reply.ok
        with pytest.raises(TransportError):
            await only_ca.send("GET", url, token="t", timeout=5)
    finally:
        await with_cert.close()
        await only_ca.close()
        await runner.cleanup()
