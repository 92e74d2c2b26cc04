"""Mount the console on the app: its routers under /console, its static files, its errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from ocpi_cpo.api.console import (
    charges,
    delivery,
    journal,
    network,
    overview,
    signin,
    tariffs,
)
from ocpi_cpo.api.console.auth import (
    ActionRefused,
    ConsoleState,
    SignInRequired,
    sign_in_url,
    signed_in_or_none,
)
from ocpi_cpo.api.console.render import STATIC, page
from ocpi_cpo.services.errors import NotFoundError, ServiceError

ROUTERS = (
    signin.router,
    overview.router,
    network.router,
    charges.router,
    delivery.router,
    tariffs.router,
    journal.router,
)


def mount_console(app: FastAPI) -> None:
    app.state.console = ConsoleState()

    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(sign_in_url(exc.next_path), status_code=303)

    async def on_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ActionRefused)
        principal = await signed_in_or_none(request)
        return page(request, "refused.html", principal, status_code=403, reason=exc.reason)

    api_handler = app.exception_handlers[ServiceError]

    async def on_service_error(request: Request, exc: Exception) -> Response:
        """Console pages answer in HTML; the OCPI and admin APIs keep their envelope."""
        if not request.url.path.startswith("/console/"):
            answer = api_handler(request, exc)
            return answer if isinstance(answer, Response) else await answer
        assert isinstance(exc, ServiceError)
        status = 404 if isinstance(exc, NotFoundError) else 409
        principal = await signed_in_or_none(request)
        return page(request, "refused.html", principal, status_code=status, reason=exc.message)

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(ActionRefused, on_refused)

    @app.get("/console", include_in_schema=False)
    async def console_root() -> Response:
        return RedirectResponse("/console/", status_code=308)

    for make in ROUTERS:
        app.include_router(make(), prefix="/console", include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
