"""``ocpi-cpo serve``: OCPI, the admin API, the console and the OCPP gateway in one process.

With ``[ocpp.tls] cert_file``, a second listener for stations with TLS (``api.listeners``): the
same application, OCPP websockets only, client certificates asked for (optional) and checked
against ``[ocpp.tls] client_ca_file``. It starts once the application is up and stops first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ocpi_cpo.cli.common import fail, prepare_database, run, settings_from

if TYPE_CHECKING:
    import uvicorn

    from ocpi_cpo.config import OcppSettings, OcppTlsSettings, Settings

LOG = logging.getLogger("ocpi_cpo.serve")


def _bind(host: str, port: int) -> socket.socket:
    """The stations' listening socket, bound now so a taken port stops start-up (exit 2)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _stations_server(app: Any, tls: OcppTlsSettings, host: str, base: dict[str, Any]) -> Any:
    """The uvicorn server of the stations' TLS listener (no lifespan: the main server's runs)."""
    import ssl

    import uvicorn

    from ocpi_cpo.api.listeners import stations_only, websocket_protocol

    class StationsServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the main server handles signals and stops this one

    assert tls.cert_file is not None and tls.key_file is not None
    config = uvicorn.Config(
        stations_only(app),
        host=host,
        port=tls.port,
        lifespan="off",
        proxy_headers=False,  # stations connect directly
        ws=websocket_protocol(station_tls=True),
        ssl_certfile=tls.cert_file,
        ssl_keyfile=tls.key_file,
        ssl_ca_certs=tls.client_ca_file,
        # optional: profile 2 stations (Basic auth over TLS) come without a certificate; one
        # that is presented must verify against client_ca_file or the handshake fails
        ssl_cert_reqs=ssl.CERT_OPTIONAL,
        **base,
    )
    config.load()
    assert config.ssl is not None
    config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
    return StationsServer(config)


def websocket_pings(ocpp: OcppSettings) -> dict[str, float | None]:
    """uvicorn's ping settings from ``[ocpp] ping_interval`` and ``ping_timeout`` (0: none)."""
    return {
        "ws_ping_interval": ocpp.ping_interval or None,
        "ws_ping_timeout": ocpp.ping_timeout,
    }


def _proxies(trusted: list[str]) -> list[str]:
    """``trusted_proxies`` as uvicorn reads them: a network in its exact form (10.0.0.1/8 is
    10.0.0.0/8), an address as it is (an empty list trusts nobody)."""
    import ipaddress

    return [str(ipaddress.ip_network(t, strict=False)) if "/" in t else t for t in trusted]


def _main_server(config: uvicorn.Config, stations: Any, sock: socket.socket | None) -> Any:
    import uvicorn

    class MainServer(uvicorn.Server):
        """Starts the stations' listener once the application is up; stops it first."""

        task: asyncio.Task[None] | None = None

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if stations is None or sock is None or not self.started:
                return
            self.task = asyncio.create_task(stations.serve(sockets=[sock]))
            while not stations.started:
                if self.task.done():
                    self.task.result()
                    return
                await asyncio.sleep(0.01)
            host, port = sock.getsockname()[:2]
            LOG.info("OCPP stations with TLS at wss://%s:%s/ocpp/{station_id}", host, port)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if self.task is not None:
                stations.should_exit = True
                with contextlib.suppress(Exception):
                    await self.task
            await super().shutdown(sockets)

    return MainServer(config)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="override the host setting")] = None,
    port: Annotated[int | None, typer.Option(help="override the port setting")] = None,
) -> None:
    """Serve OCPI 2.2.1 at {public_url}/ocpi/versions (SQLite databases are upgraded first)."""
    import ssl

    import uvicorn

    from ocpi_cpo.api.app import create_app
    from ocpi_cpo.api.listeners import websocket_protocol
    from ocpi_cpo.logs import configure_logging
    from ocpi_cpo.ocpp_gateway.certificates import CertificateSetupError, load_cas

    settings = settings_from(ctx)
    if not settings.operations:
        fail(
            "setting operations is empty: configure at least one [[operations]] with an operator_id",
            2,
        )
    ocpp_tls = settings.ocpp.tls
    listen_host = host or settings.host
    listen_port = port or settings.port
    if ocpp_tls is not None:
        try:
            load_cas(ocpp_tls.client_ca_file)
        except CertificateSetupError as exc:
            fail(str(exc), 2)
        if ocpp_tls.cert_file is not None and ocpp_tls.port == listen_port:
            fail(
                f"setting ocpp.tls.port: {ocpp_tls.port} is the port of OCPI (port);"
                " the stations' TLS listener needs a port of its own",
                2,
            )
    run(prepare_database(settings, auto_upgrade=True))
    if not settings.allow_insecure_http:
        refused = run(_insecure_urls(settings))
        if refused:
            for line in refused[1:]:
                typer.echo(f"ocpi-cpo: {line}", err=True)
            fail(refused[0], 2)
    configure_logging(settings.log_level)
    tls: dict[str, Any] = {}
    if settings.tls is not None:
        tls = {"ssl_certfile": settings.tls.cert_file, "ssl_keyfile": settings.tls.key_file}
        if settings.tls.client_ca_file:
            # Mutual TLS: only clients holding a certificate from this CA get through.
            tls["ssl_ca_certs"] = settings.tls.client_ca_file
            tls["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    base: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "access_log": settings.access_log,
        "log_config": None,
        "timeout_keep_alive": 30,
        **websocket_pings(settings.ocpp),
    }
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=listen_host,
        port=listen_port,
        ws=websocket_protocol(station_tls=False),
        proxy_headers=True,
        forwarded_allow_ips=_proxies(settings.trusted_proxies),
        **base,
        **tls,
    )
    stations = sock = None
    try:
        if ocpp_tls is not None and ocpp_tls.cert_file is not None:
            stations_host = ocpp_tls.host or listen_host
            stations = _stations_server(app, ocpp_tls, stations_host, base)
            try:
                sock = _bind(stations_host, ocpp_tls.port)
            except OSError as exc:
                fail(f"cannot serve: setting ocpp.tls.port {ocpp_tls.port}: {exc}", 2)
        _main_server(config, stations, sock).run()
    except (OSError, ssl.SSLError) as exc:
        fail(f"cannot serve: {exc}", 2)


async def _insecure_urls(settings: Settings) -> list[str]:
    """What the partners' profiles refuse (http:// under a Gireve profile), one line per key."""
    from ocpi_cpo.services.https_rule import partner_problems
    from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine

    storage = SqlStorage(create_engine(settings.database_url, pool_size=1))
    try:
        return await partner_problems(storage, settings.public_url)
    finally:
        await storage.close()
