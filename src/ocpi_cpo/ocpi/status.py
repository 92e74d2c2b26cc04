"""OCPI status codes (status_codes.asciidoc): the table every layer reads."""

from __future__ import annotations

import enum


class StatusClass(enum.StrEnum):
    SUCCESS = "success"
    CLIENT_ERROR = "client error"
    SERVER_ERROR = "server error"
    HUB_ERROR = "hub error"


STATUS_CODES: dict[int, str] = {
    1000: "Generic success code",
    2000: "Generic client error",
    2001: "Invalid or missing parameters",
    2002: "Not enough information",
    2003: "Unknown Location",
    2004: "Unknown Token",
    3000: "Generic server error",
    3001: "Unable to use the client's API",
    3002: "Unsupported version",
    3003: "No matching endpoints or expected endpoints missing between parties",
    4000: "Generic error",
    4001: "Unknown receiver",
    4002: "Timeout on forwarded request",
    4003: "Connection problem",
}


def classify(code: int) -> StatusClass:
    """The class of an OCPI status code; 1xxx success, 2xxx client, 3xxx server, 4xxx hub."""
    if 1000 <= code <= 1999:
        return StatusClass.SUCCESS
    if 2000 <= code <= 2999:
        return StatusClass.CLIENT_ERROR
    if 3000 <= code <= 3999:
        return StatusClass.SERVER_ERROR
    if 4000 <= code <= 4999:
        return StatusClass.HUB_ERROR
    raise ValueError(f"{code} is not an OCPI status code (1000-4999)")


def describe(code: int) -> str:
    """The spec's meaning of a code, or the range it falls in for custom codes."""
    if code in STATUS_CODES:
        return STATUS_CODES[code]
    return f"custom {classify(code).value}"
