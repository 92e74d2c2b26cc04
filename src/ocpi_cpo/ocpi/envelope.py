"""The OCPI response envelope: ``{data, status_code, status_message, timestamp}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel

from ocpi_cpo.ocpi.v2_2_1.types import format_datetime


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_envelope(
    *,
    data: Any = None,
    status_code: int = 1000,
    status_message: str | None = None,
    timestamp: datetime,
    raw_data: bytes | None = None,
) -> bytes:
    """Encode an envelope. ``raw_data`` is JSON already rendered (hot paths keep objects' JSON ready)."""
    if raw_data is not None:
        head = b'{"data":' + raw_data + b',"status_code":' + str(status_code).encode()
        if status_message is not None:
            head += b',"status_message":' + orjson.dumps(status_message)
        return head + b',"timestamp":"' + format_datetime(timestamp).encode() + b'"}'
    body: dict[str, Any] = {}
    if data is not None:
        body["data"] = data
    body["status_code"] = status_code
    if status_message is not None:
        body["status_message"] = status_message
    body["timestamp"] = format_datetime(timestamp)
    return orjson.dumps(body, default=_default)
