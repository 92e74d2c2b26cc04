"""create_app: the one composition root. Nothing here is module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ocpi_cpo import __version__
from ocpi_cpo.api.admin.registry import ADMIN_ROUTERS
from ocpi_cpo.api.errors import install_error_handlers
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock, SystemClock
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.tracing import TracingMiddleware
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpi.v2_2_1.registry import routers
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.storage.protocols import Storage
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    transport: Transport | None = None,
) -> FastAPI:
    """Build the application. Storage and transport made here are closed with the app."""
    clock = clock or SystemClock()
    owned_storage = storage is None
    owned_transport = transport is None
    context = OcpiContext(
        settings=settings,
        clock=clock,
        storage=storage or SqlStorage(create_engine(settings.database_url)),
        transport=transport or AiohttpTransport(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned_transport:
                await context.transport.close()
            if owned_storage:
                await context.storage.close()

    app = FastAPI(
        title="ocpi-cpo",
        version=__version__,
        summary="OCPI 2.2.1 CPO platform (Gireve IOP profile)",
        docs_url="/admin/docs",
        redoc_url=None,
        openapi_url="/admin/openapi.json",
        lifespan=lifespan,
    )
    app.state.ocpi = context
    install_error_handlers(app, clock)
    for router, prefix in routers():
        app.include_router(router, prefix=prefix)
    for admin_router in ADMIN_ROUTERS:
        app.include_router(admin_router(), prefix="/admin")
    app.add_middleware(TracingMiddleware)
    return app
