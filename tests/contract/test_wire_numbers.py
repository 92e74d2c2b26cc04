"""OCPI numbers are Decimal on our side and JSON numbers (never strings) on the wire."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Literal

import pytest
from pydantic import ValidationError

from ocpi_cpo.ocpi.v2_2_1.types import GeoLocation, Price


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (Decimal("4.40"), 4.4),
        (Decimal("0.0006"), 0.0006),
        (Decimal("372"), 372),
        (Decimal("-4.00"), -4.0),
        (Decimal("1E+2"), 100),
        (Decimal("15.342"), 15.342),
    ],
)
def test_decimal_serialises_as_a_json_number(value: Decimal, wire: float) -> None:
    price = Price(excl_vat=value)
    dumped = price.model_dump(mode="json")["excl_vat"]
    assert dumped == wire
    assert type(dumped) is type(wire)
    assert json.loads(price.model_dump_json())["excl_vat"] == wire
    assert price.model_dump()["excl_vat"] == value


def test_json_float_becomes_the_decimal_it_reads_as() -> None:
    assert Price.model_validate({"excl_vat": 0.1}).excl_vat == Decimal("0.1")
    assert Price.model_validate_json('{"excl_vat": 0.1}').excl_vat == Decimal("0.1")


@pytest.mark.parametrize("value", ["4.40", True, float("nan"), float("inf"), None])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Price.model_validate({"excl_vat": value})
    assert [error["loc"] for error in caught.value.errors()] == [("excl_vat",)]


def test_coordinates_stay_strings() -> None:
    location = GeoLocation(latitude="51.047599", longitude="-3.729944")
    assert location.model_dump(mode="json") == {"latitude": "51.047599", "longitude": "-3.729944"}


@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_json_schema_says_number(mode: Literal["validation", "serialization"]) -> None:
    properties = Price.model_json_schema(mode=mode)["properties"]
    assert properties["excl_vat"]["type"] == "number"
