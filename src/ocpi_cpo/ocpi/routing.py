"""Routing headers on functional modules (transport_and_format §"Routing headers").

A response swaps the request's OCPI-from-* and OCPI-to-*; configuration modules carry none.
"""

from __future__ import annotations

from fastapi import Request

from ocpi_cpo.domain.partners import Partner

_PAIRS = (
    ("ocpi-to-country-code", "OCPI-from-country-code"),
    ("ocpi-to-party-id", "OCPI-from-party-id"),
    ("ocpi-from-country-code", "OCPI-to-country-code"),
    ("ocpi-from-party-id", "OCPI-to-party-id"),
)


def response_routing(request: Request) -> dict[str, str]:
    """The routing headers of our answer: what the caller sent, the other way round."""
    headers: dict[str, str] = {}
    for incoming, outgoing in _PAIRS:
        value = request.headers.get(incoming)
        if value:
            headers[outgoing] = value
    return headers


def addressed_party(request: Request, partner: Partner) -> tuple[str, str] | None:
    """The party the request is for: the operation ``partner`` is bound to (one registration
    per operation, gireve-2.1.1.md §2), whatever its headers say; else OCPI-to-*, when the
    caller said."""
    bound = partner.operation_party
    if bound is not None:
        return bound
    country = request.headers.get("ocpi-to-country-code")
    party = request.headers.get("ocpi-to-party-id")
    if country and party:
        return country.upper(), party.upper()
    return None


def origin_party(request: Request) -> tuple[str, str] | None:
    """The party the request comes from (OCPI-from-*), when the caller said: for a hub, the
    party behind it (services.ownership)."""
    country = request.headers.get("ocpi-from-country-code")
    party = request.headers.get("ocpi-from-party-id")
    if country and party:
        return country.upper(), party.upper()
    return None


#: configuration modules carry no routing headers (transport_and_format §"Routing headers")
CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})


def error_routing(request: Request) -> dict[str, str]:
    """The routing headers of an error answer: swapped, as for any answer of a functional
    module (``/ocpi/{version}/{module}/...``) whose request had them; none otherwise."""
    parts = request.url.path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "ocpi" or parts[2] in CONFIGURATION_MODULES:
        return {}
    return response_routing(request)
