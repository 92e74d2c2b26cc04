"""Every admin router, mounted under /admin by create_app. Add a feature's router here."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from ocpi_cpo.api.admin import locations, partners, sessions, tariffs, tokens

ADMIN_ROUTERS: tuple[Callable[[], APIRouter], ...] = (
    partners.router,
    tariffs.router,
    locations.router,
    tokens.router,
    sessions.router,
)
