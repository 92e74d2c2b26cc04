"""Discover a partner's endpoints: GET its versions, choose 2.2.1, GET the version details.

Failures map to the registration status codes: 3001 when the partner's API cannot be used,
3002 when it offers no version we speak (credentials §"Registration").
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from ocpi_cpo.domain.partners import Endpoint
from ocpi_cpo.ocpi.errors import ClientApiUnusable, UnsupportedVersion
from ocpi_cpo.ocpi.transport import OcpiReply, Transport, TransportError
from ocpi_cpo.ocpi.v2_2_1.versions.schemas import Version, VersionDetails

VERSION = "2.2.1"


@dataclass(frozen=True, slots=True)
class Discovery:
    version: str
    details_url: str
    endpoints: list[Endpoint]


async def _get(
    transport: Transport, url: str, token: str, base64: bool, timeout: float
) -> OcpiReply:
    try:
        reply = await transport.send("GET", url, token=token, token_base64=base64, timeout=timeout)
    except TransportError as exc:
        raise ClientApiUnusable(f"cannot reach {url}: {exc}") from None
    if not reply.ok:
        raise ClientApiUnusable(f"GET {url} failed: {reply.problem()}")
    return reply


async def discover(
    transport: Transport, versions_url: str, token: str, *, token_base64: bool, timeout: float
) -> Discovery:
    reply = await _get(transport, versions_url, token, token_base64, timeout)
    try:
        versions = [Version.model_validate(v) for v in (reply.data or [])]
    except (ValidationError, TypeError) as exc:
        raise ClientApiUnusable(f"{versions_url} answered no valid version list: {exc}") from None
    chosen = next((v for v in versions if v.version == VERSION), None)
    if chosen is None:
        offered = ", ".join(v.version for v in versions) or "none"
        raise UnsupportedVersion(f"no common OCPI version: we speak {VERSION}, offered: {offered}")
    reply = await _get(transport, chosen.url, token, token_base64, timeout)
    try:
        details = VersionDetails.model_validate(reply.data)
    except ValidationError as exc:
        raise ClientApiUnusable(f"{chosen.url} answered no valid version details: {exc}") from None
    endpoints = [Endpoint(e.identifier, e.role.value, e.url) for e in details.endpoints]
    return Discovery(VERSION, chosen.url, endpoints)
