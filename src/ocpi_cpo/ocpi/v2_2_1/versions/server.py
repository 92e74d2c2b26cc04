"""GET /ocpi/2.2.1: this version's details, generated from the module registry.

It accepts the registration token (token A) as well as the final token. The list of versions
(``GET /ocpi/versions``) is version-neutral: ``ocpi.versions``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from ocpi_cpo.ocpi.auth import ConfigurationCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.versions.schemas import Endpoint, VersionDetails

VERSION = "2.2.1"


def version_url(public_url: str) -> str:
    return f"{public_url}/ocpi/{VERSION}"


def router(endpoints: Callable[[str], list[Endpoint]]) -> APIRouter:
    api = APIRouter(tags=["versions"])

    @api.get(f"/ocpi/{VERSION}", summary="OCPI 2.2.1 version details: our endpoints")
    async def get_version_details(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        data = VersionDetails(version=VERSION, endpoints=endpoints(context.settings.public_url))
        return ocpi_response(context.clock.now(), data)

    return api
