"""Every outbound object is held to its version's wire model before it is queued (issue 17 §3).

A body that does not fit (a Location address of 50 characters in a CDR's ``cdr_location``, where
the spec allows 45) is refused where it was made, with the JSON path of the field: never queued,
never truncated, never parked later by a strict hub with OCPI 2001.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.services.errors import WireRefused

T = TypeVar("T")


def checked(version: str, module: str, where: str, model: type[BaseModel], body: T) -> T:
    """``body`` unchanged when ``model`` takes it, else WireRefused naming the first field."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = json_path((where, *first.get("loc", ())))
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise WireRefused(version, module, path, message + more) from None
    return body
