"""Sign-in and sign-out pages (api.console.auth holds the rules)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocpi_cpo.api.console.auth import (
    ADMIN_NAME,
    COOKIE,
    SESSION_HOURS,
    Viewer,
    check_csrf,
    console_state,
    form_of,
)
from ocpi_cpo.api.console.render import page
from ocpi_cpo.config import admin_token_matches
from ocpi_cpo.domain.console_users import Role
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.services import console_sessions, console_users


def safe_next(value: str | None) -> str:
    """Only a path of the console itself (no open redirect)."""
    if value and value.startswith("/console/") and not value.startswith("//"):
        return value
    return "/console/"


def _admin_token_matches(context: Context, password: str) -> bool:
    return admin_token_matches(context.settings, password)


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
        state = console_state(request)
        client = f"ip:{request.client.host if request.client else '?'}"
        keys = (client, f"name:{name or ADMIN_NAME}")
        wait = state.limiter.wait_seconds(*keys)
        if wait > 0:
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
        if not name:
            role: Role | None = Role.OPERATOR if _admin_token_matches(context, password) else None
            who, admin = ADMIN_NAME, True
        else:
            async with context.storage.read() as uow:
                user = await console_users.authenticate(uow, name, password)
            role, who, admin = (user.role if user else None), name, False
        if role is None:
            state.limiter.failed(*keys)
            return page(
                request,
                "sign_in.html",
                None,
                status_code=401,
                error="Wrong name, password or admin token.",
                name=name,
                next=target,
            )
        state.limiter.succeeded(keys[1])
        async with context.storage.transaction() as uow:
            session_id = await console_sessions.open_session(
                uow, who, role, admin=admin, now=context.clock.now(), hours=SESSION_HOURS
            )
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
