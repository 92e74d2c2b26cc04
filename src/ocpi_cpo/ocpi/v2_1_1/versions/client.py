"""A partner's OCPI 2.1.1 version details, read (version_information_endpoint 2.1.1).

2.1.1 endpoints have no interface role: a module has one interface per party role. Our 2.1.1
partners are eMSPs (or a hub acting for them), so their locations, sessions, cdrs and tariffs
endpoints are the eMSP interface, the one that receives what we push (RECEIVER in 2.2.1 terms),
and their tokens and commands endpoints are what we read and answer (SENDER).
"""

from __future__ import annotations

from typing import Any

from ocpi_cpo.domain.partners import Endpoint

#: the interface a 2.1.1 eMSP endpoint plays for us, in 2.2.1 terms
ROLE = {
    "credentials": "SENDER",
    "locations": "RECEIVER",
    "sessions": "RECEIVER",
    "cdrs": "RECEIVER",
    "tariffs": "RECEIVER",
    "tokens": "SENDER",
    "commands": "SENDER",
}


def endpoints_of(data: Any) -> list[Endpoint]:
    """The endpoints of a 2.1.1 version details object; ValueError when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        raise ValueError("not a version details object (version, endpoints)")
    endpoints = []
    for entry in data["endpoints"]:
        identifier, url = (entry or {}).get("identifier"), (entry or {}).get("url")
        if not isinstance(identifier, str) or not isinstance(url, str) or not url:
            raise ValueError(f"endpoint without identifier or url: {entry}")
        if identifier in ROLE:
            endpoints.append(Endpoint(identifier, ROLE[identifier], url))
    return endpoints
