"""Typed reads from decoded JSON, each failure naming its JSON path (``elements[0].price_components[1].price``).

Numbers may arrive as int, float (``json.loads``) or Decimal (``json.loads(parse_float=Decimal)``); a
float goes through its shortest repr, so ``0.1`` becomes ``Decimal("0.1")``. Booleans are never numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from ocpi_cpo.domain.pricing.errors import DocumentError

_E = TypeVar("_E", bound=StrEnum)
_TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_DATE = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_object(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise DocumentError(path or "(document)", f"expected a JSON object, got {_shown(value)}")
    return value


def as_list(value: object, path: str, *, non_empty: bool = False) -> Sequence[object]:
    if not isinstance(value, list | tuple):
        raise DocumentError(path, f"expected a JSON array, got {_shown(value)}")
    if non_empty and not value:
        raise DocumentError(path, "expected at least one item")
    return value


def required(obj: Mapping[str, object], key: str, path: str) -> object:
    value = obj.get(key)
    if value is None:
        raise DocumentError(child(path, key), "is required")
    return value


def as_decimal(value: object, path: str, *, minimum: Decimal | None = None) -> Decimal:
    wanted = "a number" if minimum is None else f"a number >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise DocumentError(path, f"expected {wanted}, got {_shown(value)}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # pragma: no cover - int/float/Decimal always convert
        raise DocumentError(path, f"expected {wanted}, got {_shown(value)}") from None
    if not number.is_finite() or (minimum is not None and number < minimum):
        raise DocumentError(path, f"expected {wanted}, got {_shown(value)}")
    return number


def as_int(value: object, path: str, *, minimum: int = 0) -> int:
    """An integer; ``300.0`` is accepted as 300, ``300.5`` and ``"300"`` are not."""
    wanted = f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise DocumentError(path, f"expected {wanted}, got {_shown(value)}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number != number.to_integral_value() or number < minimum:
        raise DocumentError(path, f"expected {wanted}, got {_shown(value)}")
    return int(number)


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise DocumentError(path, f"expected a non-empty string, got {_shown(value)}")
    return value


def as_enum(value: object, enum: type[_E], path: str) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise DocumentError(path, f"expected one of {allowed}, got {_shown(value)}") from None


def as_datetime(value: object, path: str) -> datetime:
    """An OCPI DateTime (RFC 3339); without a zone designator it is UTC, as OCPI says."""
    text = as_str(value, path)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DocumentError(
            path,
            f"expected an RFC 3339 date-time such as 2015-06-29T20:39:09Z, got {_shown(value)}",
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_date(value: object, path: str) -> date:
    text = as_str(value, path)
    if not _DATE.match(text):
        raise DocumentError(path, f"expected a date YYYY-MM-DD, got {_shown(value)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DocumentError(path, f"expected an existing date, got {_shown(value)}") from None


def as_time_of_day(value: object, path: str) -> time:
    text = as_str(value, path)
    match = _TIME_OF_DAY.match(text)
    if match is None:
        raise DocumentError(
            path, f"expected a time of day HH:MM (00:00 to 23:59), got {_shown(value)}"
        )
    return time(int(match.group(1)), int(match.group(2)))
