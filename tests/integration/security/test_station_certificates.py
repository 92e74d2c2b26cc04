"""OCPP security profile 3 against a real ``ocpi-cpo serve`` with ``[ocpp.tls]``: stations with
client certificates on the stations' TLS listener, and behind a proxy through the certificate
header, trusted only from ``trusted_proxies``. Certificates are made for the test by trustme.

127.0.0.2 plays the reverse proxy (a loopback address of its own on Linux); connections from
127.0.0.1 are "anyone else".
"""

from __future__ import annotations

import base64
import ssl
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
import trustme
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus
from websockets.typing import Subprotocol

from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e

PASSWORD = "profile-2-station-password"
OCPP16 = Subprotocol("ocpp1.6")
PROXY = "127.0.0.2"
BOOT = [2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]


@dataclass
class Pki:
    ca: trustme.CA
    ca_file: Path
    tmp: Path

    def client(self, common_name: str, ca: trustme.CA | None = None) -> tuple[Path, Path]:
        issued = (ca or self.ca).issue_cert(
            f"{common_name.lower()}.stations.example", common_name=common_name
        )
        cert, key = (
            self.tmp / f"{common_name}-{id(issued)}.pem",
            self.tmp / f"{common_name}-{id(issued)}.key",
        )
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        return cert, key

    def context(self, cert: tuple[Path, Path] | None = None, **options: object) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if cert is not None:
            context.load_cert_chain(str(cert[0]), str(cert[1]))
        for name, value in options.items():
            setattr(context, name, value)
        return context


@dataclass
class Cpo:
    wss: str  # the stations' TLS listener
    ws: str  # the plain listener (what a proxy in front reaches)
    config: Path
    log: Path
    pki: Pki


@pytest.fixture(scope="module")
def cpo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cpo]:
    tmp = tmp_path_factory.mktemp("profile3")
    ca = trustme.CA()
    ca_file = tmp / "station-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(str(tmp / "server.pem"))
    server.private_key_pem.write_to_path(str(tmp / "server.key"))
    port, tls_port = free_port(), free_port()
    config = write_config(
        tmp / "c.toml", port=port, database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite"
    )
    config.write_text(
        config.read_text()
        + f'\n[ocpp.tls]\nclient_ca_file = "{ca_file}"\ncert_file = "{tmp / "server.pem"}"\n'
        f'key_file = "{tmp / "server.key"}"\nport = {tls_port}\n'
        f'trusted_proxies = ["{PROXY}"]\n'
    )
    stations = [
        {"station_id": "CP3", "location": "LOC1", "evses": {"1": "E3"}, "security_profile": 3},
        {"station_id": "CP3P", "location": "LOC1", "evses": {"1": "E3P"}, "security_profile": 3},
        {
            "station_id": "CP2",
            "location": "LOC1",
            "evses": {"1": "E2"},
            "password": PASSWORD,
            "security_profile": 2,
        },
    ]
    (tmp / "stations.json").write_bytes(orjson.dumps(stations))
    added = cli("stations", "import", str(tmp / "stations.json"), config=config)
    assert added.returncode == 0, added.stderr
    log = tmp / "serve.log"
    with running(
        ["--config", str(config), "serve"],
        ready_url=f"http://127.0.0.1:{port}/health",
        log=log,
        timeout=90,  # a loaded 2-core machine
    ):
        yield Cpo(
            f"wss://127.0.0.1:{tls_port}/ocpp",
            f"ws://127.0.0.1:{port}/ocpp",
            config,
            log,
            Pki(ca, ca_file, tmp),
        )


async def boot(url: str, **options: Any) -> list[object]:
    async with connect(url, subprotocols=[OCPP16], open_timeout=10, **options) as ws:
        await ws.send(orjson.dumps(BOOT).decode())
        reply: list[object] = orjson.loads(await ws.recv())
        return reply


async def refused(url: str, **options: Any) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await boot(url, **options)
    return caught.value.response.status_code


def basic(station_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def pem_header(cert: Path) -> dict[str, str]:
    return {"X-Client-Cert": quote(cert.read_text(), safe="")}


async def test_a_profile_3_station_with_its_certificate_boots(cpo: Cpo) -> None:
    reply = await boot(f"{cpo.wss}/CP3", ssl=cpo.pki.context(cpo.pki.client("CP3")))
    assert reply[:2] == [3, "b1"] and reply[2]["status"] == "Accepted"  # type: ignore[index]
    listed = orjson.loads(cli("stations", "list", "--json", config=cpo.config).stdout)
    assert {s["station_id"]: s["security_profile"] for s in listed} == {
        "CP2": 2,
        "CP3": 3,
        "CP3P": 3,
    }
    assert next(s for s in listed if s["station_id"] == "CP3")["vendor"] == "V"  # it booted


async def test_wrong_cn_refused_with_a_log_line(cpo: Cpo) -> None:
    other = cpo.pki.client("CP-OTHER")
    assert await refused(f"{cpo.wss}/CP3", ssl=cpo.pki.context(other)) == 403
    log = cpo.log.read_text()
    line = next(line for line in log.splitlines() if "CN (CP-OTHER)" in line)
    assert "'CP3'" in line and "127.0.0.1" in line and "BEGIN" not in log


async def test_a_certificate_from_another_ca_fails_the_handshake(cpo: Cpo) -> None:
    stranger = cpo.pki.client("CP3", ca=trustme.CA())
    # TLS 1.3: the server checks the certificate after the client's side of the handshake is
    # done, so the client sees the connection end instead of an HTTP answer
    with pytest.raises((ssl.SSLError, ConnectionError, EOFError, InvalidMessage)):
        await boot(f"{cpo.wss}/CP3", ssl=cpo.pki.context(stranger))


async def test_no_certificate_refused_on_either_listener(cpo: Cpo) -> None:
    assert await refused(f"{cpo.wss}/CP3", ssl=cpo.pki.context()) == 403
    assert await refused(f"{cpo.ws}/CP3") == 403
    # no downgrade to Basic auth either
    assert (
        await refused(
            f"{cpo.wss}/CP3", ssl=cpo.pki.context(), additional_headers=basic("CP3", PASSWORD)
        )
        == 403
    )
    assert "security profile 3: no valid client certificate" in cpo.log.read_text()


async def test_below_tls_1_2_refused_by_the_server(cpo: Cpo) -> None:
    old = cpo.pki.context(cpo.pki.client("CP3"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # so that this client can offer TLS 1.1 at all
    # the server answers a TLS 1.1 hello with an alert or a reset (uvloop)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await boot(f"{cpo.wss}/CP3", ssl=old)
    tls12 = cpo.pki.context(cpo.pki.client("CP3"), maximum_version=ssl.TLSVersion.TLSv1_2)
    reply = await boot(f"{cpo.wss}/CP3", ssl=tls12)  # the same station on TLS 1.2 gets in
    assert reply[2]["status"] == "Accepted"  # type: ignore[index]


async def test_profile_2_needs_its_password_and_tls(cpo: Cpo) -> None:
    reply = await boot(
        f"{cpo.wss}/CP2", ssl=cpo.pki.context(), additional_headers=basic("CP2", PASSWORD)
    )
    assert reply[2]["status"] == "Accepted"  # type: ignore[index]
    assert await refused(f"{cpo.wss}/CP2", ssl=cpo.pki.context()) == 401
    assert (
        await refused(
            f"{cpo.wss}/CP2",
            ssl=cpo.pki.context(),
            additional_headers=basic("CP2", "wrong-password-here"),
        )
        == 401
    )
    # plain ws from a client that is no trusted proxy: profile 2 needs TLS
    assert await refused(f"{cpo.ws}/CP2", additional_headers=basic("CP2", PASSWORD)) == 403
    log = cpo.log.read_text()
    assert "station id 'CP2' from 127.0.0.1" in log and PASSWORD not in log


async def test_the_proxy_header_is_trusted_from_the_proxy_only(cpo: Cpo) -> None:
    cert, _ = cpo.pki.client("CP3P")
    from_proxy = {"additional_headers": pem_header(cert), "local_addr": (PROXY, 0)}
    reply = await boot(f"{cpo.ws}/CP3P", **from_proxy)
    assert reply[2]["status"] == "Accepted"  # type: ignore[index]
    # the same header from anyone else is ignored
    assert await refused(f"{cpo.ws}/CP3P", additional_headers=pem_header(cert)) == 403
    log = cpo.log.read_text()
    assert "header X-Client-Cert from 127.0.0.1 ignored" in log
    # from the proxy, a certificate of another CA or of another station is still refused
    stranger, _ = cpo.pki.client("CP3P", ca=trustme.CA())
    assert (
        await refused(
            f"{cpo.ws}/CP3P", additional_headers=pem_header(stranger), local_addr=(PROXY, 0)
        )
        == 403
    )
    assert "is not from the CA of client_ca_file" in cpo.log.read_text()
    wrong, _ = cpo.pki.client("CP3")
    assert (
        await refused(f"{cpo.ws}/CP3P", additional_headers=pem_header(wrong), local_addr=(PROXY, 0))
        == 403
    )
    garbage = {"X-Client-Cert": "not%20a%20certificate"}
    assert await refused(f"{cpo.ws}/CP3P", additional_headers=garbage, local_addr=(PROXY, 0)) == 403


async def test_the_stations_listener_serves_ocpp_only(cpo: Cpo) -> None:
    import aiohttp

    url = cpo.wss.replace("wss://", "https://").replace("/ocpp", "/ocpi/versions")
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, ssl=cpo.pki.context()) as response,
    ):
        assert response.status == 404


def test_bad_settings_and_options_exit_2(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=free_port(), database_url=f"sqlite+aiosqlite:///{tmp_path}/d.db"
    )
    text = config.read_text()
    config.write_text(text + '\n[ocpp.tls]\nclient_ca_file = "/nowhere/ca.pem"\n')
    served = cli("serve", config=config)
    assert served.returncode == 2
    assert "setting ocpp.tls.client_ca_file: /nowhere/ca.pem" in served.stderr
    config.write_text(
        text + '\n[ocpp.tls]\nclient_ca_file = "ca.pem"\ntrusted_proxies = ["proxy.example"]\n'
    )
    listed = cli("stations", "list", config=config)
    assert listed.returncode == 2 and "ocpp.tls.trusted_proxies" in listed.stderr
    config.write_text(text)
    for options, message in [
        (["--security-profile", "2"], "profile 2 is HTTP Basic auth over TLS"),
        (["--security-profile", "3", "--password", PASSWORD], "give no --password"),
        (["--security-profile", "4"], "--security-profile"),
    ]:
        added = cli(
            "stations", "add", "CPX", "--location", "L", "--evse", "1=EX", *options, config=config
        )
        assert added.returncode == 2 and message in added.stderr, added.stderr
    assert orjson.loads(cli("stations", "list", "--json", config=config).stdout) == []
