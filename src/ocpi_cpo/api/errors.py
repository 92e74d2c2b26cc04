"""Every failure of an HTTP request becomes an OCPI envelope here, in one place.

* OcpiError: its own OCPI status and HTTP status.
* Malformed JSON: HTTP 400 (it never reached the OCPI layer), OCPI 2001.
* A body or parameter that fails validation: OCPI 2001 naming the field (HTTP 200: the request
  reached the OCPI layer, status_codes.asciidoc).
* Service errors: not found 404, rule violations 2001, conflicts 2000.
* Routing misses (unknown path, wrong method): their HTTP status with OCPI 2000.
* The database unreachable: HTTP 503, OCPI 3000, nothing written.
* Anything else: HTTP 500, OCPI 3000 with the request id; the traceback goes to the log only.

Every error answer of a functional module carries the request's routing headers swapped, as
its other answers do (``ocpi.routing.error_routing``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.ocpi.errors import OcpiError
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import error_routing
from ocpi_cpo.services.errors import (
    ConflictError,
    NotFoundError,
    RuleViolation,
    ServiceError,
    WireRefused,
)

log = logging.getLogger("ocpi_cpo.api")


def field_path(loc: tuple[Any, ...]) -> str:
    """``('body', 'roles', 0, 'party_id')`` -> ``roles[0].party_id``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if not parts:
            return "body" if where == "body" else where
        if where in ("query", "path", "header"):
            return f"{where} parameter {parts[0]}"
    return json_path(parts)


def validation_message(errors: list[Any]) -> str:
    shown = []
    for error in errors[:5]:
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        shown.append(f"{field_path(tuple(error.get('loc', ())))}: {message}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(shown) + more


def _routed(
    handler: Callable[[Request, Exception], Awaitable[OcpiResponse]],
) -> Callable[[Request, Exception], Awaitable[OcpiResponse]]:
    """``handler`` whose answer also carries the swapped routing headers, when due."""

    async def routed(request: Request, exc: Exception) -> OcpiResponse:
        response = await handler(request, exc)
        for name, value in error_routing(request).items():
            response.headers.setdefault(name, value)
        return response

    return routed


def install_error_handlers(app: FastAPI, clock: Clock) -> None:
    async def on_ocpi_error(request: Request, exc: Exception) -> OcpiResponse:
        assert isinstance(exc, OcpiError)
        return ocpi_response(
            clock.now(),
            status_code=exc.ocpi_status,
            message=exc.message,
            http_status=exc.http_status,
            headers=exc.headers,
        )

    async def on_validation(request: Request, exc: Exception) -> OcpiResponse:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return ocpi_response(
                clock.now(),
                status_code=2001,
                http_status=400,
                message="the body is not valid JSON",
            )
        return ocpi_response(clock.now(), status_code=2001, message=validation_message(errors))

    async def on_service_error(request: Request, exc: Exception) -> OcpiResponse:
        assert isinstance(exc, ServiceError)
        if isinstance(exc, NotFoundError):
            return ocpi_response(
                clock.now(), status_code=2000, http_status=404, message=exc.message
            )
        if isinstance(exc, WireRefused):
            # Our own object would break the partner's wire: the request cannot be processed.
            return ocpi_response(
                clock.now(), status_code=2001, http_status=422, message=exc.message
            )
        code = 2001 if isinstance(exc, RuleViolation) else 2000
        assert isinstance(exc, RuleViolation | ConflictError | ServiceError)
        return ocpi_response(clock.now(), status_code=code, message=exc.message)

    async def on_http_error(request: Request, exc: Exception) -> OcpiResponse:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail) if exc.detail else "HTTP error"
        return ocpi_response(
            clock.now(),
            status_code=2000,
            http_status=exc.status_code,
            message=message,
            headers=exc.headers,
        )

    async def on_database_error(request: Request, exc: Exception) -> OcpiResponse:
        log.error("storage unavailable: %s", type(exc).__name__)
        return ocpi_response(
            clock.now(),
            status_code=3000,
            http_status=503,
            message="storage temporarily unavailable, nothing was written: retry later",
            headers={"Retry-After": "5"},
        )

    async def on_unexpected(request: Request, exc: Exception) -> OcpiResponse:
        request_id = request.scope.get("state", {}).get("request_id", "?")
        log.exception("unexpected error handling %s %s", request.method, request.url.path)
        return ocpi_response(
            clock.now(),
            status_code=3000,
            http_status=500,
            message=f"internal error; quote X-Request-ID {request_id} when reporting it",
        )

    app.add_exception_handler(OcpiError, _routed(on_ocpi_error))
    app.add_exception_handler(RequestValidationError, _routed(on_validation))
    app.add_exception_handler(ServiceError, _routed(on_service_error))
    app.add_exception_handler(HTTPException, _routed(on_http_error))
    app.add_exception_handler(OperationalError, _routed(on_database_error))
    # Other database errors (a value too long, a constraint) are our bugs: 500, logged.
    app.add_exception_handler(InterfaceError, _routed(on_database_error))
    app.add_exception_handler(OSError, _routed(on_database_error))
    app.add_exception_handler(Exception, _routed(on_unexpected))
