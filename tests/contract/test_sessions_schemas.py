"""Sessions wire models: what they refuse; charging preferences."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import (
    ChargingPeriod,
    ChargingPreferences,
    ChargingPreferencesResponse,
    Session,
    SessionPatch,
)
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import ProfileType
from tests.contract.spec_examples import error_fields, example_object, rejection, wire

SESSION = "session_example_2_short_finished.json"


def _session() -> dict[str, JsonValue]:
    return example_object(SESSION)


def test_missing_required_field_is_named() -> None:
    data = _session()
    del data["cdr_token"]
    assert error_fields(rejection(Session, data)) == {("cdr_token",)}


def test_too_long_cistring_is_named() -> None:
    data = _session()
    data["id"] = "S" * 37
    assert error_fields(rejection(Session, data)) == {("id",)}


def test_cdr_token_fields_are_named() -> None:
    data = _session()
    cdr_token = data["cdr_token"]
    assert isinstance(cdr_token, dict)
    del cdr_token["contract_id"]
    assert error_fields(rejection(Session, data)) == {("cdr_token", "contract_id")}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_date_time", "2015-06-29T22:39:09+02:00"),
        ("kwh", -1),
        ("kwh", "41.12"),
        ("status", "RUNNING"),
        ("auth_method", "RFID"),
    ],
)
def test_field_constraints(field: str, value: JsonValue) -> None:
    data = _session()
    data[field] = value
    assert error_fields(rejection(Session, data)) == {(field,)}


def test_reservation_session_may_use_na_ids() -> None:
    data = _session()
    data.update(evse_uid="#NA", connector_id="#NA", status="RESERVATION")
    assert Session.model_validate(data).evse_uid == "#NA"


def test_charging_period_needs_a_dimension() -> None:
    period: JsonValue = {"start_date_time": "2015-06-29T22:39:09Z", "dimensions": []}
    assert error_fields(rejection(ChargingPeriod, period)) == {("dimensions",)}


def test_patch_requires_last_updated() -> None:
    patch: JsonValue = {"total_cost": {"excl_vat": 0.60}}
    assert error_fields(rejection(SessionPatch, patch)) == {("last_updated",)}


def test_charging_preferences_round_trip() -> None:
    data: JsonValue = {
        "profile_type": "FAST",
        "departure_time": "2026-11-24T18:00:00Z",
        "energy_need": 32.5,
        "discharge_allowed": False,
    }
    preferences = ChargingPreferences.model_validate(data)
    assert preferences.profile_type is ProfileType.FAST
    assert wire(preferences) == data


def test_charging_preferences_need_a_profile() -> None:
    assert error_fields(rejection(ChargingPreferences, {"energy_need": 10})) == {("profile_type",)}


def test_charging_preferences_response_values() -> None:
    assert {member.value for member in ChargingPreferencesResponse} == {
        "ACCEPTED",
        "DEPARTURE_REQUIRED",
        "ENERGY_NEED_REQUIRED",
        "NOT_POSSIBLE",
        "PROFILE_TYPE_NOT_SUPPORTED",
    }
