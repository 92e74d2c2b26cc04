"""Pagination: parameters, X-Total-Count, X-Limit and the Link that repeats the filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpi_cpo.ocpi.errors import InvalidParameters
from ocpi_cpo.ocpi.pagination import PageRequest, page_headers, parse_page_request
from ocpi_cpo.ocpi.pull import next_link


def parse(**kwargs: str | None) -> PageRequest:
    values: dict[str, str | None] = {
        "date_from": None,
        "date_to": None,
        "offset": None,
        "limit": None,
    }
    values.update(kwargs)
    return parse_page_request(max_limit=10, **values)  # type: ignore[arg-type]


def test_defaults() -> None:
    assert parse() == PageRequest(None, None, 0, 10)


def test_limit_is_capped_at_our_maximum() -> None:
    assert parse(limit="500").limit == 10
    assert parse(limit="3").limit == 3


def test_dates() -> None:
    page = parse(date_from="2026-11-01T00:00:00Z", date_to="2026-11-02T00:00:00")
    assert page.date_from == datetime(2026, 11, 1, tzinfo=UTC)
    assert page.date_to == datetime(2026, 11, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"date_from": "2026-11-01T00:00:00+02:00"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-11-02T00:00:00Z", "date_to": "2026-11-01T00:00:00Z"}, "later"),
    ],
)
def test_bad_parameters_say_which(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameters, match=message):
        parse(**kwargs)


def test_date_from_required() -> None:
    with pytest.raises(InvalidParameters, match="date_from is required"):
        parse_page_request(
            date_from=None,
            date_to=None,
            offset=None,
            limit=None,
            max_limit=5,
            date_from_required=True,
        )


def test_link_repeats_filters_until_the_last_page() -> None:
    page = parse(date_from="2026-11-01T00:00:00Z", limit="10")
    headers = page_headers(
        base_url="https://cpo/ocpi/2.2.1/locations", page=page, total=25, returned=10, max_limit=10
    )
    assert headers["X-Total-Count"] == "25"
    assert headers["X-Limit"] == "10"
    link = next_link(headers)
    assert link == (
        "https://cpo/ocpi/2.2.1/locations?date_from=2026-11-01T00%3A00%3A00Z&offset=10&limit=10"
    )
    last = parse(offset="20")
    headers = page_headers(base_url="https://x", page=last, total=25, returned=5, max_limit=10)
    assert "Link" not in headers and headers["X-Limit"] == "10"


def test_next_link_parsing() -> None:
    assert next_link({"link": '<https://a/b?offset=2>; rel="next"'}) == "https://a/b?offset=2"
    assert next_link({"Link": "<https://a/b>; rel=next"}) == "https://a/b"
    assert next_link({"Link": '<https://a/b>; rel="prev"'}) is None
    assert next_link({}) is None
