"""Console sign-in: sessions, CSRF, the failed sign-in limit, and who may act.

* A session is a random 256-bit id in a cookie (HttpOnly, SameSite=Strict, Secure when the
  request came over TLS). The database keeps its SHA-256 digest, who and until when
  (``SESSION_HOURS``; services.console_sessions): every ``serve`` instance on the database
  accepts it, a restart ends none, sign-out ends it everywhere; removing a user ends theirs.
* Every POST carries the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``),
  derived from the session id and compared in constant time; a cross-site ``Origin`` is refused.
* Failed sign-ins: at most 5 per name and 20 per client address in 5 minutes
  (domain.sign_in_limits), counted in the database (services.sign_in_limits) so that every
  instance on it counts the same failures and a restart forgets none; more wait for the window
  to pass (HTTP 429).
* A viewer reads everything; acting needs the operator role (the admin token acts as operator).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request

from ocpi_cpo.domain.console_users import Role, csrf_of
from ocpi_cpo.services import console_sessions

COOKIE = "ocpi_console"
SESSION_HOURS = 8
ADMIN_NAME = "admin"


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class ActionRefused(Exception):
    """Signed in but not allowed (viewer, missing or wrong CSRF token): HTTP 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    csrf: str
    admin: bool = False

    @property
    def may_act(self) -> bool:
        return self.role.may_act


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


@dataclass(frozen=True, slots=True)
class CheckMemo:
    """The last Check of a partner made from the console: when, and the Locations out of sync."""

    at: datetime
    out_of_sync: frozenset[str]
    repaired: bool


@dataclass(slots=True)
class ConsoleState:
    """What the console keeps in this process's memory (sessions and failed sign-ins are in
    the database)."""

    #: partner name -> its last check from the console (this process's memory)
    checks: dict[str, CheckMemo] = field(default_factory=dict)

    def check_alerts(self) -> list[str]:
        return [
            f"{name}: {len(memo.out_of_sync)} Locations out of sync at the check of"
            f" {memo.at:%Y-%m-%d %H:%M} UTC"
            for name, memo in sorted(self.checks.items())
            if memo.out_of_sync and not memo.repaired
        ]


def _next_path(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path


async def signed_in(request: Request) -> Principal:
    """The signed-in person (from the database, so a sign-in on any instance counts), or a
    redirect to the sign-in page. A removed user is signed out."""
    session_id = request.cookies.get(COOKIE)
    context = request.app.state.ocpi
    found = None
    if session_id:
        async with context.storage.read() as uow:
            found = await console_sessions.find(uow, session_id, context.clock.now())
    if found is None or session_id is None:
        raise SignInRequired(_next_path(request) if request.method == "GET" else "/console/")
    return Principal(found.name, found.role, csrf_of(session_id), found.admin)


async def signed_in_or_none(request: Request) -> Principal | None:
    """The signed-in person, if any (error pages keep the navigation for them)."""
    try:
        return await signed_in(request)
    except SignInRequired:
        return None


async def form_of(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST (first value of each field)."""
    cached: dict[str, str] | None = getattr(request.state, "console_form", None)
    if cached is not None:
        return cached
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    request.state.console_form = form
    return form


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def check_csrf(request: Request, principal: Principal) -> None:
    if not same_origin(request):
        raise ActionRefused("cross-site request refused")
    sent = request.headers.get("x-csrf-token") or (await form_of(request)).get("csrf", "")
    if not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
        raise ActionRefused("missing or wrong CSRF token: reload the page and try again")


async def operator(
    request: Request, principal: Annotated[Principal, Depends(signed_in)]
) -> Principal:
    """An action: signed in, CSRF token right, operator role."""
    await check_csrf(request, principal)
    if not principal.may_act:
        raise ActionRefused(f"{principal.name} is a viewer: viewers change nothing")
    return principal


Viewer = Annotated[Principal, Depends(signed_in)]
Operator = Annotated[Principal, Depends(operator)]


def sign_in_url(next_path: str) -> str:
    return "/console/sign-in?next=" + quote(next_path, safe="/")
