"""Tariff and CDR/Session JSON -> domain objects; every error names its JSON path."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ocpi_cpo.domain.pricing import (
    CdrDimensionType,
    DocumentError,
    load_charge,
    load_tariff,
    price_document_result,
)

TARIFF: dict[str, object] = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "FLAT", "price": 0.5, "step_size": 1},
                {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1},
            ]
        }
    ],
}
MINIMAL_CDR: dict[str, object] = {
    "start_date_time": "2024-05-01T10:00:00Z",
    "end_date_time": "2024-05-01T11:00:00Z",
    "charging_periods": [
        {
            "start_date_time": "2024-05-01T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 20}],
        }
    ],
}


def with_(document: dict[str, object], path: str, value: object) -> dict[str, object]:
    """A deep copy of ``document`` with ``value`` set (removed if ``...``) at a dotted path."""
    result = copy.deepcopy(document)
    node: Any = result
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return result


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "elements.0.price_components.1.step_size",
            -1,
            "elements[0].price_components[1].step_size: expected an integer >= 1, got -1",
        ),
        (
            "elements.0.price_components.1.step_size",
            1.5,
            "elements[0].price_components[1].step_size: expected an integer >= 1, got 1.5",
        ),
        (
            "elements.0.price_components.1.step_size",
            "1",
            "elements[0].price_components[1].step_size: expected an integer >= 1, got '1'",
        ),
        (
            "elements.0.price_components.1.step_size",
            0,
            "elements[0].price_components[1].step_size: expected an integer >= 1, got 0",
        ),
        (
            "elements.0.price_components.1.step_size",
            ...,
            "elements[0].price_components[1].step_size: is required",
        ),
        (
            "elements.0.price_components.0.price",
            True,
            "elements[0].price_components[0].price: expected a number >= 0, got True",
        ),
        (
            "elements.0.price_components.0.vat",
            -5,
            "elements[0].price_components[0].vat: expected a number >= 0, got -5",
        ),
        (
            "elements.0.price_components.0.type",
            "KWH",
            "elements[0].price_components[0].type: expected one of ENERGY, FLAT, PARKING_TIME, TIME, got 'KWH'",
        ),
        (
            "elements.0.price_components",
            [],
            "elements[0].price_components: expected at least one item",
        ),
        ("elements", [], "elements: expected at least one item"),
        ("elements", ..., "elements: is required"),
        ("currency", ..., "currency: is required"),
        (
            "elements.0.restrictions",
            {"start_time": "24:00"},
            "elements[0].restrictions.start_time: expected a time of day HH:MM (00:00 to 23:59), got '24:00'",
        ),
        (
            "elements.0.restrictions",
            {"end_date": "2024-02-30"},
            "elements[0].restrictions.end_date: expected an existing date, got '2024-02-30'",
        ),
        (
            "elements.0.restrictions",
            {"day_of_week": ["MONDAY", "MON"]},
            "elements[0].restrictions.day_of_week[1]: expected one of MONDAY",
        ),
        (
            "elements.0.restrictions",
            {"min_duration": -1},
            "elements[0].restrictions.min_duration: expected an integer >= 0, got -1",
        ),
        (
            "elements.0.restrictions",
            {"reservation": "RESERVATION"},
            "elements[0].price_components[1].type: a reservation element may only price FLAT or TIME",
        ),
        (
            "min_price",
            {"excl_vat": 1, "incl_vat": 0.5},
            "min_price.incl_vat: expected a number >= excl_vat (1)",
        ),
        ("max_price", {"incl_vat": 1}, "max_price.excl_vat: is required"),
        (
            "start_date_time",
            "yesterday",
            "start_date_time: expected an RFC 3339 date-time such as 2015-06-29T20:39:09Z, got 'yesterday'",
        ),
    ],
)
def test_tariff_errors_name_the_json_path(path: str, value: object, message: str) -> None:
    with pytest.raises(DocumentError) as raised:
        load_tariff(with_(TARIFF, path, value))

    assert str(raised.value).startswith(message)


def test_tariff_keeps_decimals_exact_and_vat_unknown_when_absent() -> None:
    tariff = load_tariff(with_(TARIFF, "elements.0.price_components.0.price", 0.1))

    flat, energy = tariff.elements[0].price_components
    assert (flat.price, flat.vat, energy.vat) == (Decimal("0.1"), None, Decimal("10.0"))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("end_date_time", ..., "end_date_time: is required"),
        (
            "end_date_time",
            "2024-05-01T09:00:00Z",
            "end_date_time: expected a time after start_date_time",
        ),
        ("charging_periods", [], "charging_periods: expected at least one item"),
        (
            "charging_periods.0.dimensions.0.volume",
            -1,
            "charging_periods[0].dimensions[0].volume: expected a number >= 0, got -1",
        ),
        (
            "charging_periods.0.dimensions.0.type",
            "KWH",
            "charging_periods[0].dimensions[0].type: expected one of CURRENT, ENERGY",
        ),
        (
            "charging_periods.0.start_date_time",
            ...,
            "charging_periods[0].start_date_time: is required",
        ),
        (
            "charging_periods.0.tariff_id",
            12,
            "charging_periods[0].tariff_id: expected a non-empty string",
        ),
    ],
)
def test_cdr_errors_name_the_json_path(path: str, value: object, message: str) -> None:
    with pytest.raises(DocumentError) as raised:
        load_charge(with_(MINIMAL_CDR, path, value))

    assert str(raised.value).startswith(message)


def test_a_minimal_cdr_loads() -> None:
    charge = load_charge(MINIMAL_CDR)

    (period,) = charge.charging_periods
    assert (period.tariff_id, charge.currency) == (None, None)
    assert period.volume(CdrDimensionType.ENERGY) == 20
    assert period.volume(CdrDimensionType.TIME) is None


def test_times_without_zone_are_utc_and_offsets_are_converted() -> None:
    charge = load_charge(
        with_(
            with_(MINIMAL_CDR, "start_date_time", "2024-05-01T10:00:00"),
            "end_date_time",
            "2024-05-01T13:00:00+02:00",
        )
    )

    assert charge.start_date_time == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert charge.end_date_time == datetime(2024, 5, 1, 11, tzinfo=UTC)


def test_a_session_without_periods_is_one_period_of_its_kwh_until_last_updated() -> None:
    session = {
        "start_date_time": "2024-05-01T10:00:00Z",
        "last_updated": "2024-05-01T10:30:00Z",
        "kwh": 11,
        "currency": "EUR",
        "status": "ACTIVE",
    }

    charge = load_charge(session)
    totals = price_document_result(TARIFF, session, "UTC").to_cdr_totals()

    assert charge.end_date_time == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    assert totals["total_cost"] == {"excl_vat": 3.25}  # FLAT has no vat: incl. VAT unknown
    assert totals["total_time"] == 0.5


def test_an_ongoing_session_without_last_updated_says_what_is_missing() -> None:
    with pytest.raises(DocumentError, match="end_date_time: is required \\(an ongoing Session"):
        load_charge({"start_date_time": "2024-05-01T10:00:00Z", "kwh": 1})


def test_document_errors_say_which_document() -> None:
    with pytest.raises(DocumentError, match=r"^tariff currency: is required$"):
        price_document_result(with_(TARIFF, "currency", ...), MINIMAL_CDR, "UTC")
    with pytest.raises(DocumentError, match=r"^cdr end_date_time: is required$"):
        price_document_result(TARIFF, with_(MINIMAL_CDR, "end_date_time", ...), "UTC")
    with pytest.raises(DocumentError, match=r"^cdr \(document\): expected a JSON object"):
        price_document_result(TARIFF, [], "UTC")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"restrictions": {"min_kwh": 20, "max_kwh": 10}},
            "elements[0].restrictions.max_kwh: expected more than min_kwh (20)",
        ),
        (
            {"restrictions": {"min_duration": 600, "max_duration": 600}},
            "elements[0].restrictions.max_duration: expected more than min_duration (600)",
        ),
        (
            {"restrictions": {"start_date": "2026-05-01", "end_date": "2026-04-01"}},
            "elements[0].restrictions.end_date: expected more than start_date (2026-05-01)",
        ),
    ],
)
def test_a_restriction_that_can_never_match_is_refused(
    document: dict[str, object], message: str
) -> None:
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "TIME", "price": 1, "step_size": 60}], **document}
        ],
    }
    with pytest.raises(DocumentError) as caught:
        load_tariff(tariff)
    assert str(caught.value).startswith(message)


def test_a_tariff_ending_before_it_starts_is_refused() -> None:
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "FLAT", "price": 1, "step_size": 0}]}],
        "start_date_time": "2026-05-01T00:00:00Z",
        "end_date_time": "2026-04-01T00:00:00Z",
    }
    with pytest.raises(DocumentError, match="end_date_time: expected a time after"):
        load_tariff(tariff)
