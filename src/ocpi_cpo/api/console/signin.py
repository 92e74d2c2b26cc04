"""Sign-in and sign-out pages (api.console.auth holds the rules)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocpi_cpo.api.console.auth import (
    ADMIN_NAME,
    COOKIE,
    SESSION_HOURS,
    Viewer,
    check_csrf,
    form_of,
)
from ocpi_cpo.api.console.render import page
from ocpi_cpo.config import admin_token_matches
from ocpi_cpo.domain.console_users import Role
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.services import console_sessions, console_users, retrying, sign_in_limits
from ocpi_cpo.storage.protocols import UnitOfWork


def safe_next(value: str | None) -> str:
    """Only a path of the console itself (no open redirect)."""
    if value and value.startswith("/console/") and not value.startswith("//"):
        return value
    return "/console/"


def _admin_token_matches(context: Context, password: str) -> bool:
    return admin_token_matches(context.settings, password)


async def _check(context: Context, name: str, password: str) -> tuple[Role | None, str, bool]:
    """The role the password gives (None: wrong), who signs in, and whether with the admin
    token (an empty name)."""
    if not name:
        role = Role.OPERATOR if _admin_token_matches(context, password) else None
        return role, ADMIN_NAME, True
    async with context.storage.read() as uow:
        user = await console_users.authenticate(uow, name, password)
    return (user.role if user else None), name, False


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/sign-in")
    async def sign_in_page(request: Request, next: str | None = None) -> Response:
        return page(request, "sign_in.html", None, next=safe_next(next))

    @api.post("/sign-in")
    async def sign_in(request: Request, context: Context) -> Response:
        form = await form_of(request)
        name, password = form.get("name", "").strip(), form.get("password", "")
        target = safe_next(form.get("next"))
        client = f"ip:{request.client.host if request.client else '?'}"
        keys = (client, f"name:{name or ADMIN_NAME}")
        attempt = await retrying.write(
            context.storage,
            partial(sign_in_limits.count_attempt, keys=keys, now=context.clock.now()),
            what="console sign-in",
        )
        async with context.storage.read() as uow:
            wait = await sign_in_limits.wait_seconds(uow, attempt)
        if wait > 0:
            await retrying.write(
                context.storage,
                partial(sign_in_limits.withdraw, attempt=attempt),
                what="console sign-in",
            )
            message = f"Too many failed sign-ins: try again in {int(wait) + 1} s."
            return page(
                request,
                "sign_in.html",
                None,
                status_code=429,
                error=message,
                name=name,
                next=target,
            )
        role, who, admin = await _check(context, name, password)
        if role is None:  # the attempt stays counted as a failure
            return page(
                request,
                "sign_in.html",
                None,
                status_code=401,
                error="Wrong name, password or admin token.",
                name=name,
                next=target,
            )

        async def open_session(uow: UnitOfWork) -> str:
            await sign_in_limits.succeeded(uow, attempt, keys[1])
            return await console_sessions.open_session(
                uow, who, role, admin=admin, now=context.clock.now(), hours=SESSION_HOURS
            )

        session_id = await retrying.write(context.storage, open_session, what="console sign-in")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=SESSION_HOURS * 3600,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @api.post("/sign-out")
    async def sign_out(request: Request, principal: Viewer, context: Context) -> Response:
        await check_csrf(request, principal)
        async with context.storage.transaction() as uow:
            await console_sessions.close(uow, request.cookies.get(COOKIE))
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    return api
