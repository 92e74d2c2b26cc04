"""MODULES: every OCPI 2.1.1 module we host; version details are generated from this list and
the app mounts exactly these routers (what we advertise is what is mounted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from ocpi_cpo.ocpi.auth import ConfigurationCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_1_1.credentials import server as credentials

VERSION = "2.1.1"


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    identifier: str
    router: Callable[[], APIRouter]

    @property
    def path(self) -> str:
        return f"/ocpi/{VERSION}/{self.identifier}"


MODULES: tuple[ModuleSpec, ...] = (ModuleSpec("credentials", credentials.router),)


def details_router() -> APIRouter:
    api = APIRouter(tags=["versions"])

    @api.get(f"/ocpi/{VERSION}", summary="OCPI 2.1.1 version details: our endpoints")
    async def get_version_details(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        public = context.settings.public_url
        endpoints = [{"identifier": m.identifier, "url": f"{public}{m.path}"} for m in MODULES]
        return ocpi_response(context.clock.now(), {"version": VERSION, "endpoints": endpoints})

    return api


def routers() -> list[tuple[APIRouter, str]]:
    return [(details_router(), "")] + [(m.router(), m.path) for m in MODULES]
