"""MODULES: every OCPI 2.2.1 module we host. Version details are generated from this list and the
app mounts exactly these routers, so what we advertise is what is mounted (a test pins it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from ocpi_cpo.ocpi.sender import SenderList
from ocpi_cpo.ocpi.v2_2_1.cdrs import server as cdrs
from ocpi_cpo.ocpi.v2_2_1.commands import server as commands
from ocpi_cpo.ocpi.v2_2_1.credentials import server as credentials
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo import server as hubclientinfo
from ocpi_cpo.ocpi.v2_2_1.locations import server as locations
from ocpi_cpo.ocpi.v2_2_1.sessions import server as sessions
from ocpi_cpo.ocpi.v2_2_1.tariffs import server as tariffs
from ocpi_cpo.ocpi.v2_2_1.tokens import server as tokens
from ocpi_cpo.ocpi.v2_2_1.versions import server as versions
from ocpi_cpo.ocpi.v2_2_1.versions.schemas import Endpoint, InterfaceRole


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    identifier: str
    role: InterfaceRole
    router: Callable[[], APIRouter]
    #: whether requests and responses carry OCPI-from/to routing headers
    functional: bool
    #: the Sender's list GET at ``path``, also served before FastAPI's router (api.sender_lists)
    sender_list: SenderList | None = None

    @property
    def path(self) -> str:
        return f"/ocpi/{versions.VERSION}/{self.identifier}"


MODULES: tuple[ModuleSpec, ...] = (
    # For credentials the role is meaningless; the spec says to send SENDER.
    ModuleSpec("credentials", InterfaceRole.SENDER, credentials.router, functional=False),
    ModuleSpec("commands", InterfaceRole.RECEIVER, commands.router, functional=True),
    ModuleSpec("hubclientinfo", InterfaceRole.RECEIVER, hubclientinfo.router, functional=False),
    ModuleSpec(
        "locations",
        InterfaceRole.SENDER,
        locations.router,
        functional=True,
        sender_list=locations.locations_page,
    ),
    ModuleSpec("sessions", InterfaceRole.SENDER, sessions.router, functional=True),
    ModuleSpec("cdrs", InterfaceRole.SENDER, cdrs.router, functional=True),
    ModuleSpec(
        "tariffs",
        InterfaceRole.SENDER,
        tariffs.router,
        functional=True,
        sender_list=tariffs.tariffs_page,
    ),
    ModuleSpec("tokens", InterfaceRole.RECEIVER, tokens.router, functional=True),
)


def endpoints(public_url: str) -> list[Endpoint]:
    return [
        Endpoint(identifier=m.identifier, role=m.role, url=f"{public_url}{m.path}") for m in MODULES
    ]


def sender_lists() -> dict[str, SenderList]:
    """path -> the module's list GET, for the fast path before the router (api.sender_lists)."""
    return {m.path: m.sender_list for m in MODULES if m.sender_list is not None}


def routers() -> list[tuple[APIRouter, str]]:
    """(router, prefix): the version details router, then one router per module under its
    path."""
    return [(versions.router(endpoints), "")] + [(m.router(), m.path) for m in MODULES]
