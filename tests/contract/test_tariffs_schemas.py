"""Tariffs wire models: Gireve target operator fields, and what they refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import JsonValue

from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import (
    PriceComponent,
    Tariff,
    TariffElement,
    TariffRestrictions,
)
from tests.contract.spec_examples import (
    error_fields,
    example_object,
    normalise,
    rejection,
    wire,
)

TARIFF = "tariff_4_complex.json"


def _tariff() -> dict[str, JsonValue]:
    return example_object(TARIFF)


def test_gireve_per_emsp_tariff_round_trips() -> None:
    data = _tariff()
    data["target_operator_country_code"] = "FR"
    data["target_operator_party_id"] = "MSP"
    data["gireve_id"] = "FR*GIR*T14"
    tariff = Tariff.model_validate(data)
    assert (tariff.target_operator_country_code, tariff.target_operator_party_id) == ("FR", "MSP")
    del data["gireve_id"]
    assert normalise(wire(tariff)) == normalise(data)


@pytest.mark.parametrize("present", ["target_operator_country_code", "target_operator_party_id"])
def test_target_operator_fields_come_together(present: str) -> None:
    data = _tariff()
    data[present] = "FR" if present.endswith("country_code") else "MSP"
    message = str(rejection(Tariff, data))
    assert "target_operator_country_code and target_operator_party_id" in message


def test_target_operator_fields_are_checked_like_owner_ids() -> None:
    data = _tariff()
    data["target_operator_country_code"] = "FRA"
    data["target_operator_party_id"] = "MSP"
    assert error_fields(rejection(Tariff, data)) == {("target_operator_country_code",)}


def test_missing_required_field_is_named() -> None:
    data = _tariff()
    del data["currency"]
    assert error_fields(rejection(Tariff, data)) == {("currency",)}


def test_elements_must_not_be_empty() -> None:
    data = _tariff()
    data["elements"] = []
    assert error_fields(rejection(Tariff, data)) == {("elements",)}


def test_too_long_cistring_is_named() -> None:
    data = _tariff()
    data["id"] = "T" * 37
    assert error_fields(rejection(Tariff, data)) == {("id",)}


def test_datetime_with_offset_is_refused() -> None:
    data = _tariff()
    data["start_date_time"] = "2026-01-01T00:00:00+02:00"
    assert error_fields(rejection(Tariff, data)) == {("start_date_time",)}


def test_prices_are_decimal_and_refuse_strings() -> None:
    component = PriceComponent.model_validate(
        {"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1}
    )
    assert component.price == Decimal("0.25")
    data: JsonValue = {"type": "ENERGY", "price": "0.25", "step_size": 1}
    assert error_fields(rejection(PriceComponent, data)) == {("price",)}


@pytest.mark.parametrize(
    ("field", "value"), [("price", -0.25), ("step_size", -1), ("vat", -1), ("type", "KWH")]
)
def test_price_component_fields(field: str, value: JsonValue) -> None:
    data: dict[str, JsonValue] = {"type": "ENERGY", "price": 0.25, "step_size": 1}
    data[field] = value
    assert error_fields(rejection(PriceComponent, data)) == {(field,)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_time", "24:00"),
        ("end_time", "9:00"),
        ("start_date", "2026-13-01"),
        ("end_date", "01-01-2026"),
        ("day_of_week", ["MON"]),
        ("reservation", "YES"),
        ("max_duration", -1),
    ],
)
def test_restriction_fields(field: str, value: JsonValue) -> None:
    found = error_fields(rejection(TariffRestrictions, {field: value}))
    assert {loc[0] for loc in found} == {field}


def test_reservation_restriction_allows_only_flat_and_time() -> None:
    element: JsonValue = {
        "price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}],
        "restrictions": {"reservation": "RESERVATION"},
    }
    assert "price_components" in str(rejection(TariffElement, element))
