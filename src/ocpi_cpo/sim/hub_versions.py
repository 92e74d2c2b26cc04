"""What differs between the simulated hub's OCPI versions: 2.2.1 (Gireve's 2.2.1 IOP) and 2.1.1
(Gireve's 2.1.1 IOP, or any 2.1.1 partner).

- versions and version details: 2.1.1 endpoints have no ``role``, and no HubClientInfo;
- credentials: 2.2.1 names the hub in ``roles`` (role HUB); 2.1.1 names one party at the top
  (``party_id``/``country_code``/``business_details``), no roles (credentials.md 2.1.1);
- the Authorization token: Base64 on 2.2.1, as it is on 2.1.1 (transport_and_format 2.1.1 and
  Gireve's 2.1.1 examples, ``Token xxx-xxx-xxx``);
- headers: 2.2.1 requires X-Request-ID/X-Correlation-ID and OCPI-from/to on functional modules;
  2.1.1 has neither, and Gireve's 2.1.1 guide says routing headers are not to be used (except its
  GET tokens of one eMSP), so a 2.1.1 hub flags OCPI-from/to headers on anything else.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

V221 = "2.2.1"
V211 = "2.1.1"
VERSIONS = (V221, V211)

_MODULES_221 = (
    ("credentials", "SENDER"),
    ("locations", "RECEIVER"),
    ("sessions", "RECEIVER"),
    ("cdrs", "RECEIVER"),
    ("tariffs", "RECEIVER"),
    ("tokens", "SENDER"),
    ("commands", "SENDER"),
    ("hubclientinfo", "SENDER"),
)
CONFIGURATION_MODULES = ("versions", "credentials", "hubclientinfo")


def plain_tokens(version: str) -> bool:
    """Whether the Authorization header carries the token as it is (no Base64)."""
    return version == V211


def endpoints(version: str, base_url: str) -> list[dict[str, str]]:
    """The hub's endpoints in this version's details."""
    if version == V211:
        return [
            {"identifier": m, "url": f"{base_url}/ocpi/{version}/{m}"}
            for m, _ in _MODULES_221
            if m != "hubclientinfo"
        ]
    return [
        {"identifier": m, "role": r, "url": f"{base_url}/ocpi/{version}/{m}"}
        for m, r in _MODULES_221
    ]


def credentials(
    version: str, token: str, base_url: str, country: str, party: str
) -> dict[str, Any]:
    details = {"name": "Simulated Gireve IOP"}
    if version == V211:
        return {
            "url": f"{base_url}/ocpi/versions",
            "token": token,
            "party_id": party,
            "country_code": country,
            "business_details": details,
        }
    return {
        "token": token,
        "url": f"{base_url}/ocpi/versions",
        "roles": [
            {
                "role": "HUB",
                "party_id": party,
                "country_code": country,
                "business_details": details,
            }
        ],
    }


def party_of(version: str, body: Any) -> tuple[str, str] | None:
    """The party a credentials object names (2.2.1: its first role)."""
    if not isinstance(body, dict):
        return None
    if version == V211:
        if body.get("country_code") and body.get("party_id"):
            return str(body["country_code"]), str(body["party_id"])
        return None
    roles = body.get("roles")
    if not roles:
        return None
    return str(roles[0]["country_code"]), str(roles[0]["party_id"])


def decode_token(version: str, header: str | None) -> str | None:
    """The token in ``Authorization: Token ...``: Base64-decoded on 2.2.1, as it is on 2.1.1."""
    if not header or not header.startswith("Token "):
        return None
    value = header[6:].strip()
    if version == V211:
        return value or None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def header_problems(version: str, method: str, module: str, headers: Any) -> list[str]:
    """What a strict hub of this version finds wrong in a request's headers."""
    routing = [h for h in headers if h.lower().startswith("ocpi-")]
    if version == V211:
        # Gireve 2.1.1 (integration_guidelines.md, "IOP HTTP headers"): routing headers only on
        # its GET tokens of one eMSP.
        if routing and not (module == "tokens" and method == "GET"):
            return ["OCPI-from/to headers on OCPI 2.1.1 (not used by the 2.1.1 IOP)"]
        return []
    problems = [
        f"{name} missing" for name in ("x-request-id", "x-correlation-id") if not headers.get(name)
    ]
    if module in CONFIGURATION_MODULES and routing:
        problems.append("routing headers on a configuration module")
    if module not in CONFIGURATION_MODULES and len(routing) < 4:
        problems.append("OCPI-from/to headers missing")
    return problems
