"""OCPI responses: the envelope, encoded with orjson, never through FastAPI's generic encoder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import Response

from ocpi_cpo.ocpi.envelope import encode_envelope


class OcpiResponse(Response):
    media_type = "application/json"


def ocpi_response(
    now: datetime,
    data: Any = None,
    *,
    status_code: int = 1000,
    message: str | None = None,
    http_status: int = 200,
    headers: Mapping[str, str] | None = None,
    raw_data: bytes | None = None,
) -> OcpiResponse:
    body = encode_envelope(
        data=data, status_code=status_code, status_message=message, timestamp=now, raw_data=raw_data
    )
    return OcpiResponse(content=body, status_code=http_status, headers=dict(headers or {}))
