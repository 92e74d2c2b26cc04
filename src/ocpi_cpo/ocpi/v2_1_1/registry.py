"""MODULES: every OCPI 2.1.1 module we host; version details are generated from this list and
the app mounts exactly these routers (what we advertise is what is mounted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from ocpi_cpo.ocpi.auth import ConfigurationCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.sender import SenderList
from ocpi_cpo.ocpi.v2_1_1.cdrs import server as cdrs
from ocpi_cpo.ocpi.v2_1_1.commands import server as commands
from ocpi_cpo.ocpi.v2_1_1.credentials import server as credentials
from ocpi_cpo.ocpi.v2_1_1.locations import server as locations
from ocpi_cpo.ocpi.v2_1_1.sessions import server as sessions
from ocpi_cpo.ocpi.v2_1_1.tariffs import server as tariffs
from ocpi_cpo.ocpi.v2_1_1.tokens import server as tokens

VERSION = "2.1.1"


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    identifier: str
    router: Callable[[], APIRouter]
    #: the Sender's list GET at ``path``, also served before FastAPI's router (api.sender_lists)
    sender_list: SenderList | None = None

    @property
    def path(self) -> str:
        return f"/ocpi/{VERSION}/{self.identifier}"


MODULES: tuple[ModuleSpec, ...] = (
    ModuleSpec("credentials", credentials.router),
    ModuleSpec("locations", locations.router, sender_list=locations.locations_page),
    ModuleSpec("sessions", sessions.router),
    ModuleSpec("cdrs", cdrs.router),
    ModuleSpec("tariffs", tariffs.router, sender_list=tariffs.tariffs_page),
    ModuleSpec("tokens", tokens.router),
    ModuleSpec("commands", commands.router),
)


def details_router() -> APIRouter:
    api = APIRouter(tags=["versions"])

    @api.get(f"/ocpi/{VERSION}", summary="OCPI 2.1.1 version details: our endpoints")
    async def get_version_details(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        public = context.settings.public_url
        endpoints = [{"identifier": m.identifier, "url": f"{public}{m.path}"} for m in MODULES]
        return ocpi_response(context.clock.now(), {"version": VERSION, "endpoints": endpoints})

    return api


def sender_lists() -> dict[str, SenderList]:
    """path -> the module's list GET, for the fast path before the router (api.sender_lists)."""
    return {m.path: m.sender_list for m in MODULES if m.sender_list is not None}


def routers() -> list[tuple[APIRouter, str]]:
    return [(details_router(), "")] + [(m.router(), m.path) for m in MODULES]
