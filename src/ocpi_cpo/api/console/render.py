"""Jinja2 templates of the console (autoescaped), and the helpers they use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ocpi_cpo.api.console.auth import Principal

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

#: no framing, no third-party anything: scripts, styles and images come from this server only
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def age(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "—"
    seconds = int((now - value).total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):.2f}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["money"] = money
    env.globals["age"] = age
    return env


def fragment(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def page(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    html = (
        environment().get_template(template).render(user=principal, path=request.url.path, **values)
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
