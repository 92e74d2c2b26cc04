"""Every outbound object is held to its version's wire model before it is queued (issue 17 §3).

A body that does not fit (a Location address of 50 characters in a CDR's ``cdr_location``, where
the spec allows 45) is refused where it was made, with the JSON path of the field: never queued,
never truncated, never parked later by a strict hub with OCPI 2001. PATCH bodies too, against the
object's ``partial`` model (or a version's own PATCH model where it has one).
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, create_model
from pydantic.fields import FieldInfo

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


@functools.cache
def partial(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` as a PATCH body (transport_and_format: only the changed fields, and
    ``last_updated``): every field may be left out, each one given is held to the same type and
    limits as in the whole object, and a field the object requires may not be set to null. The
    object's cross-field validators are not carried (they need the whole object)."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "last_updated" or not info.is_required():
            fields[name] = (info.annotation, info)
        else:  # absent is fine; given, it must be valid (null included: not allowed)
            fields[name] = (info.annotation, FieldInfo.merge_field_infos(info, default=None))
    patch: type[BaseModel] = create_model(
        f"{model.__name__}Patch", __config__=model.model_config, **fields
    )
    return patch
