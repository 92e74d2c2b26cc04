"""Discover a partner's endpoints: GET its versions, choose the highest one we share, GET that
version's details (parsed by the version's package).

Failures map to the registration status codes: 3001 when the partner's API cannot be used,
3002 when it offers no version we speak (credentials §"Registration").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ocpi_cpo.domain.partners import Endpoint
from ocpi_cpo.ocpi.errors import ClientApiUnusable, UnsupportedVersion
from ocpi_cpo.ocpi.transport import OcpiReply, Transport, TransportError
from ocpi_cpo.ocpi.v2_1_1.versions.client import endpoints_of as endpoints_211
from ocpi_cpo.ocpi.v2_2_1.versions.client import endpoints_of as endpoints_221
from ocpi_cpo.ocpi.versions import highest_common

#: how each version we speak reads a partner's version details (ValueError when it cannot)
DETAILS: Mapping[str, Callable[[Any], list[Endpoint]]] = {
    "2.2.1": endpoints_221,
    "2.1.1": endpoints_211,
}


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


def _offered(data: Any, versions_url: str) -> dict[str, str]:
    if not isinstance(data, list) or not all(isinstance(v, dict) for v in data):
        raise ClientApiUnusable(f"{versions_url} answered no valid version list")
    offered = {}
    for entry in data:
        version, url = entry.get("version"), entry.get("url")
        if not isinstance(version, str) or not isinstance(url, str) or not url:
            raise ClientApiUnusable(f"{versions_url} answered no valid version list: {entry}")
        offered[version] = url
    return offered


async def discover(
    transport: Transport,
    versions_url: str,
    token: str,
    *,
    token_base64: bool,
    timeout: float,
    versions: Sequence[str] | None = None,
) -> Discovery:
    """``versions``: the ones we may agree on (a partner pinned to one), default every one."""
    reply = await _get(transport, versions_url, token, token_base64, timeout)
    offered = _offered(reply.data or [], versions_url)
    ours = list(versions) if versions else list(DETAILS)
    chosen = highest_common(ours, offered)
    if chosen is None:
        raise UnsupportedVersion(
            f"no common OCPI version: we speak {', '.join(ours)},"
            f" offered: {', '.join(offered) or 'none'}"
        )
    url = offered[chosen]
    reply = await _get(transport, url, token, token_base64, timeout)
    try:
        endpoints = DETAILS[chosen](reply.data)
    except ValueError as exc:
        raise ClientApiUnusable(f"{url} answered no valid version details: {exc}") from None
    return Discovery(chosen, url, endpoints)
