"""The OCPI 2.2.1 spec example payloads (shared folder) and how to compare them after a round trip.

A round trip is: parse the example through the wire model, serialise it back with
``model_dump(mode="json", exclude_none=True)`` and compare with the file as parsed JSON. DateTimes
are compared after normalising both sides to our rendering (UTC, 'Z', milliseconds only when
present), because the spec allows several renderings of the same instant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, JsonValue, TypeAdapter, ValidationError

from ocpi_cpo.ocpi.v2_2_1.types import DateTime, format_datetime
from tests.conftest import TEST_DATA

EXAMPLES = TEST_DATA / "ocpi-examples" / "2.2.1" / "examples"

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")
_DATETIME_ADAPTER: TypeAdapter[DateTime] = TypeAdapter(DateTime)


def example_path(name: str) -> Path:
    return EXAMPLES / name


def load_example(name: str, *keys: str | int) -> JsonValue:
    """The example file as JSON, optionally the part under ``keys`` (e.g. ``"data"``)."""
    value: JsonValue = json.loads(example_path(name).read_text(encoding="utf-8"))
    for key in keys:
        if isinstance(value, dict) and isinstance(key, str):
            value = value[key]
            continue
        if isinstance(value, list) and isinstance(key, int):
            value = value[key]
            continue
        raise KeyError(f"{name}: no {key!r} in {type(value).__name__}")
    return value


def raw_example(name: str, *keys: str | int) -> str:
    """The example (or its part under ``keys``) as JSON text, for ``model_validate_json``."""
    if not keys:
        return example_path(name).read_text(encoding="utf-8")
    return json.dumps(load_example(name, *keys))


def normalise(value: JsonValue) -> JsonValue:
    """Re-render every DateTime string the way we render it; leave everything else as it is."""
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str) and _DATETIME.match(value):
        return format_datetime(_DATETIME_ADAPTER.validate_python(value))
    return value


def wire(model: BaseModel) -> JsonValue:
    """What we would put on the wire for ``model`` (``model_dump`` in JSON mode)."""
    dumped: JsonValue = model.model_dump(mode="json", exclude_none=True)
    return dumped


def wire_text(model: BaseModel) -> JsonValue:
    """The same through ``model_dump_json``, parsed back: the hot path must agree."""
    dumped: JsonValue = json.loads(model.model_dump_json(exclude_none=True))
    return dumped


def example_object(name: str, *keys: str | int) -> dict[str, JsonValue]:
    """A fresh, mutable copy of an example object (for building invalid variants)."""
    value = load_example(name, *keys)
    assert isinstance(value, dict)
    return value


def rejection(model: type[BaseModel], data: JsonValue) -> ValidationError:
    """Validate ``data`` and return the ValidationError it must raise."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        return error
    raise AssertionError(f"{model.__name__} accepted invalid data: {data!r}")


def error_fields(error: ValidationError) -> set[tuple[str | int, ...]]:
    """The locations (field paths) the error names."""
    return {tuple(item["loc"]) for item in error.errors()}
