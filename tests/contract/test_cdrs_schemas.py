"""CDR wire models: what they refuse (credit CDRs, session-only dimensions, CdrLocation)."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR, SignedData
from tests.contract.spec_examples import (
    error_fields,
    example_object,
    normalise,
    rejection,
    wire,
)

EXAMPLE = "cdr_example.json"


def _cdr() -> dict[str, JsonValue]:
    return example_object(EXAMPLE)


def test_missing_required_field_is_named() -> None:
    data = _cdr()
    del data["total_energy"]
    assert error_fields(rejection(CDR, data)) == {("total_energy",)}


def test_cdr_location_requires_evse_id() -> None:
    data = _cdr()
    location = data["cdr_location"]
    assert isinstance(location, dict)
    del location["evse_id"]
    assert error_fields(rejection(CDR, data)) == {("cdr_location", "evse_id")}


@pytest.mark.parametrize(("length", "accepted"), [(39, True), (40, False)])
def test_cdr_id_is_cistring_39(length: int, accepted: bool) -> None:
    data = _cdr()
    data["id"] = "C" * length
    if accepted:
        assert CDR.model_validate(data).id == "C" * length
    else:
        assert error_fields(rejection(CDR, data)) == {("id",)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("end_date_time", "2015-06-29T23:37:32+02:00"),
        ("charging_periods", []),
        ("total_cost", {"incl_vat": 4.40}),
        ("total_time", "1.973"),
    ],
)
def test_field_constraints(field: str, value: JsonValue) -> None:
    data = _cdr()
    data[field] = value
    assert {loc[0] for loc in error_fields(rejection(CDR, data))} == {field}


def test_credit_cdr_round_trips_with_negative_cost() -> None:
    data = _cdr()
    data.update(
        id="12345-C",
        credit=True,
        credit_reference_id="12345",
        total_cost={"excl_vat": -4.00, "incl_vat": -4.40},
    )
    assert normalise(wire(CDR.model_validate(data))) == normalise(data)


def test_credit_cdr_names_its_original() -> None:
    data = _cdr()
    data["credit"] = True
    assert "credit_reference_id" in str(rejection(CDR, data))


def test_session_only_dimension_is_refused() -> None:
    data = _cdr()
    data["charging_periods"] = [
        {"start_date_time": "2015-06-29T21:39:09Z", "dimensions": [{"type": "POWER", "volume": 11}]}
    ]
    assert "charging_periods" in str(rejection(CDR, data))


def test_signed_data_round_trips_and_needs_values() -> None:
    signed: dict[str, JsonValue] = {
        "encoding_method": "OCMF",
        "encoding_method_version": 1,
        "public_key": "3059301306072a8648ce3d",
        "signed_values": [{"nature": "Start", "plain_data": "OCMF|{}", "signed_data": "3045"}],
        "url": "https://example.com/transparency",
    }
    assert wire(SignedData.model_validate(signed)) == signed
    signed["signed_values"] = []
    assert error_fields(rejection(SignedData, signed)) == {("signed_values",)}
