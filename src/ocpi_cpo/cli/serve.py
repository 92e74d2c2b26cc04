"""``ocpi-cpo serve``: the OCPI server (and, later, the outbox worker and OCPP gateway)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ocpi_cpo.cli.common import fail, prepare_database, run, settings_from


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="override the host setting")] = None,
    port: Annotated[int | None, typer.Option(help="override the port setting")] = None,
) -> None:
    """Serve OCPI 2.2.1 at {public_url}/ocpi/versions (SQLite databases are upgraded first)."""
    import ssl

    import uvicorn

    from ocpi_cpo.api.app import create_app
    from ocpi_cpo.logs import configure_logging

    settings = settings_from(ctx)
    if not settings.operations:
        fail(
            "setting operations is empty: configure at least one [[operations]] with an operator_id",
            2,
        )
    run(prepare_database(settings, auto_upgrade=True))
    configure_logging(settings.log_level)
    tls: dict[str, Any] = {}
    if settings.tls is not None:
        tls = {"ssl_certfile": settings.tls.cert_file, "ssl_keyfile": settings.tls.key_file}
        if settings.tls.client_ca_file:
            # Mutual TLS: only clients holding a certificate from this CA get through.
            tls["ssl_ca_certs"] = settings.tls.client_ca_file
            tls["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_config=None,
        timeout_keep_alive=30,
        **tls,
    )
    try:
        uvicorn.Server(config).run()
    except (OSError, ssl.SSLError) as exc:
        fail(f"cannot serve: {exc}", 2)
