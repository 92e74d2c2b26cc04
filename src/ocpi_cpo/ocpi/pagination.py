"""Pagination of every Sender GET that returns a list (transport_and_format §"Pagination").

``date_from`` is inclusive and ``date_to`` exclusive on ``last_updated``; ``offset``/``limit``;
the answer carries ``X-Total-Count`` (all matches for this caller), ``X-Limit`` (our maximum page
size, also on the last page) and, unless it is the last page, ``Link: <url>; rel="next"`` with
the caller's filters repeated. The maximum page size per module comes from settings, so it can be
lowered until a hub sees several pages (gireve.md §14.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from pydantic import TypeAdapter, ValidationError

from ocpi_cpo.ocpi.errors import InvalidParameters
from ocpi_cpo.ocpi.v2_2_1.types import DateTime, format_datetime

_DATETIME: TypeAdapter[datetime] = TypeAdapter(DateTime)
#: databases keep 32- or 64-bit integers; no page is ever this far
_LARGEST = 2_000_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    date_from: datetime | None
    date_to: datetime | None
    offset: int
    limit: int


def _parse_datetime(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return _DATETIME.validate_python(value)
    except ValidationError:
        raise InvalidParameters(
            f"query parameter {name}={value!r} is not an RFC 3339 UTC date-time such as"
            " 2026-11-24T08:00:00Z"
        ) from None


def _parse_int(name: str, value: str | None, default: int, minimum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameters(f"query parameter {name}={value!r} is not an integer") from None
    if number < minimum:
        raise InvalidParameters(f"query parameter {name}={value!r} must be at least {minimum}")
    if number > _LARGEST:
        raise InvalidParameters(f"query parameter {name}={value!r} must be at most {_LARGEST}")
    return number


def parse_page_request(
    *,
    date_from: str | None,
    date_to: str | None,
    offset: str | None,
    limit: str | None,
    max_limit: int,
    date_from_required: bool = False,
) -> PageRequest:
    parsed_from = _parse_datetime("date_from", date_from)
    if date_from_required and parsed_from is None:
        raise InvalidParameters("query parameter date_from is required for this list")
    parsed_to = _parse_datetime("date_to", date_to)
    if parsed_from is not None and parsed_to is not None and parsed_to <= parsed_from:
        raise InvalidParameters("query parameter date_to must be later than date_from")
    return PageRequest(
        date_from=parsed_from,
        date_to=parsed_to,
        offset=_parse_int("offset", offset, 0, 0),
        # A larger limit than ours is not an error: we answer with at most our maximum.
        limit=min(_parse_int("limit", limit, max_limit, 1), max_limit),
    )


def page_headers(
    *, base_url: str, page: PageRequest, total: int, returned: int, max_limit: int
) -> dict[str, str]:
    """X-Total-Count, X-Limit and, when more remain, a Link to the next page."""
    headers = {"X-Total-Count": str(total), "X-Limit": str(max_limit)}
    next_offset = page.offset + returned
    if returned > 0 and next_offset < total:
        query: dict[str, str] = {}
        if page.date_from is not None:
            query["date_from"] = format_datetime(page.date_from)
        if page.date_to is not None:
            query["date_to"] = format_datetime(page.date_to)
        query["offset"] = str(next_offset)
        query["limit"] = str(page.limit)
        headers["Link"] = f'<{base_url}?{urlencode(query)}>; rel="next"'
    return headers
