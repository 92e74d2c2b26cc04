"""price_documents: the JSON-in, JSON-out entry point that ``ocpi-cpo price`` calls."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ocpi_cpo.domain.pricing import TimeZoneError, price_document_result, price_documents
from ocpi_cpo.domain.pricing.documents import NO_TIME_ZONE_WARNING
from tests.unit.domain.pricing.builders import VECTORS, example, read_json

CDR = read_json(VECTORS / "spec-cdr_example" / "cdr_example.json")


def test_totals_are_json_ready_with_every_cdr_total_field() -> None:
    tariff = example("tariff_10_025kwh_parking_start.json")
    cdr = {
        "start_date_time": "2019-03-04T09:00:00Z",
        "end_date_time": "2019-03-04T10:40:00Z",
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2019-03-04T09:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 1}],
            },
            {
                "start_date_time": "2019-03-04T10:00:00Z",
                "dimensions": [{"type": "PARKING_TIME", "volume": 0.666667}],
            },
        ],
    }

    totals = price_documents(tariff, cdr, "Europe/Berlin")

    assert json.loads(json.dumps(totals)) == {
        "total_cost": {"excl_vat": 7.0, "incl_vat": 7.9},
        "total_fixed_cost": {"excl_vat": 0.5, "incl_vat": 0.6},
        "total_energy": 20.0,
        "total_energy_cost": {"excl_vat": 5.0, "incl_vat": 5.5},
        "total_time": 1.666667,
        "total_time_cost": {"excl_vat": 0.0, "incl_vat": 0.0},
        "total_parking_time": 0.666667,  # 40 min written in hours: billed 45 min, not 60
        "total_parking_cost": {"excl_vat": 1.5, "incl_vat": 1.8},
        "total_reservation_cost": {"excl_vat": 0.0, "incl_vat": 0.0},
    }


def test_plain_float_json_gives_the_same_totals_as_decimal_json() -> None:
    tariff_text = (VECTORS / "spec-cdr_example" / "tariff_from_cdr.json").read_text(
        encoding="utf-8"
    )
    cdr_text = (VECTORS / "spec-cdr_example" / "cdr_example.json").read_text(encoding="utf-8")

    assert price_documents(json.loads(tariff_text), json.loads(cdr_text), "Europe/Brussels") == (
        price_documents(json.loads(tariff_text, parse_float=Decimal), CDR, "Europe/Brussels")
    )


def test_without_a_time_zone_restrictions_are_read_in_utc_and_a_warning_says_so() -> None:
    result = price_document_result(CDR["tariffs"][0], CDR)  # type: ignore[index]

    assert result.warnings == (NO_TIME_ZONE_WARNING,)
    assert result.to_cdr_totals()["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}


def test_an_unknown_time_zone_is_refused_with_an_example_of_a_good_one() -> None:
    with pytest.raises(TimeZoneError, match="'Europe/Pari' is not a known IANA name; use one such"):
        price_documents(CDR["tariffs"][0], CDR, "Europe/Pari")  # type: ignore[index]


def test_warnings_for_a_tariff_not_in_force_and_periods_naming_another_tariff() -> None:
    tariff = example("tariff_6_025kwh_start_max_price.json")  # ended 2019-06-30, id 16
    cdr = {
        "start_date_time": "2024-05-01T10:00:00Z",
        "end_date_time": "2024-05-01T11:00:00Z",
        "charging_periods": [
            {
                "start_date_time": "2024-05-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 1}],
                "tariff_id": "99",
            }
        ],
    }

    warnings = price_document_result(tariff, cdr, "UTC").warnings

    assert warnings == (
        "tariff '16' ended at 2019-06-30T23:59:59+00:00, before the charge started; priced with it anyway",
        "periods name tariff 99, not '16'; priced with '16'",
    )
