"""Locations wire models: what they refuse, and that every refusal names the field."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from ocpi_cpo.ocpi.v2_2_1.locations.schemas import (
    EVSE,
    Connector,
    ConnectorPatch,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
    PublishTokenType,
    RegularHours,
    Status,
)
from tests.contract.spec_examples import error_fields, example_object, rejection, wire

LOCATION = "location_example.json"


def _location() -> dict[str, JsonValue]:
    return example_object(LOCATION)


def _evse() -> dict[str, JsonValue]:
    return example_object(LOCATION, "evses", 0)


def test_gireve_id_and_other_unknown_fields_are_ignored() -> None:
    data = _location()
    data["gireve_id"] = "FR*GIR*L123"
    location = Location.model_validate(data)
    del data["gireve_id"]
    assert wire(location) == data


def test_missing_required_field_is_named() -> None:
    data = _location()
    del data["coordinates"]
    assert error_fields(rejection(Location, data)) == {("coordinates",)}


def test_too_long_cistring_is_named() -> None:
    data = _location()
    data["id"] = "L" * 37
    assert error_fields(rejection(Location, data)) == {("id",)}


def test_cistring_must_be_printable_ascii() -> None:
    data = _evse()
    data["evse_id"] = "BE*BEC*É041503001"
    assert error_fields(rejection(EVSE, data)) == {("evse_id",)}


@pytest.mark.parametrize(
    "value", ["2015-06-29T20:39:09+02:00", "2015-06-29T20:39:09+00:00", "29/06/2015", ""]
)
def test_datetime_must_be_utc_rfc3339(value: str) -> None:
    data = _location()
    data["last_updated"] = value
    assert error_fields(rejection(Location, data)) == {("last_updated",)}


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "51.0475"), ("latitude", "151.047599"), ("longitude", "3,729944")],
)
def test_coordinates_follow_the_spec_regex(field: str, value: str) -> None:
    data = _location()
    coordinates = data["coordinates"]
    assert isinstance(coordinates, dict)
    coordinates[field] = value
    assert error_fields(rejection(Location, data)) == {("coordinates", field)}


def test_evse_needs_a_connector() -> None:
    data = _evse()
    data["connectors"] = []
    assert error_fields(rejection(EVSE, data)) == {("connectors",)}


def test_unknown_enum_value_is_named() -> None:
    data = example_object(LOCATION, "evses", 0, "connectors", 0)
    data["standard"] = "IEC_62196_T4"
    assert error_fields(rejection(Connector, data)) == {("standard",)}


def test_publish_allowed_to_only_when_not_published() -> None:
    data = example_object("location_example_uc4_limited_visibility.json")
    data["publish"] = True
    assert "publish_allowed_to" in str(rejection(Location, data))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"issuer": "ANWB"}, "uid, visual_number or group_id"),
        ({"uid": "12345678905880"}, "type"),
        ({"visual_number": "12345-67"}, "issuer"),
    ],
)
def test_publish_token_type_identifies_a_token(data: dict[str, JsonValue], field: str) -> None:
    assert f"{field}: " in str(rejection(PublishTokenType, data))


def test_regular_hours_required_unless_247() -> None:
    assert "regular_hours" in str(rejection(Hours, {"twentyfourseven": False}))
    hours: JsonValue = {
        "twentyfourseven": True,
        "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
    }
    assert "regular_hours" in str(rejection(Hours, hours))


@pytest.mark.parametrize(
    ("field", "value"),
    [("weekday", 0), ("weekday", 8), ("period_begin", "8:00"), ("period_end", "24:00")],
)
def test_regular_hours_fields(field: str, value: JsonValue) -> None:
    data: dict[str, JsonValue] = {"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}
    data[field] = value
    assert error_fields(rejection(RegularHours, data)) == {(field,)}


@pytest.mark.parametrize("model", [LocationPatch, EVSEPatch, ConnectorPatch])
def test_patch_requires_last_updated(
    model: type[LocationPatch | EVSEPatch | ConnectorPatch],
) -> None:
    assert error_fields(rejection(model, {"name": "x", "status": "CHARGING"})) == {
        ("last_updated",)
    }


def test_patch_validates_what_it_carries() -> None:
    patch: JsonValue = {"status": "BROKEN", "last_updated": "2019-06-24T12:39:09Z"}
    assert error_fields(rejection(EVSEPatch, patch)) == {("status",)}
    ok = EVSEPatch.model_validate({"status": "CHARGING", "last_updated": "2019-06-24T12:39:09Z"})
    assert ok.status is Status.CHARGING
