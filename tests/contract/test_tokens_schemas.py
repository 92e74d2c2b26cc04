"""Tokens wire models: what they refuse, and real-time authorization bodies."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenPatch,
)
from tests.contract.spec_examples import (
    error_fields,
    example_object,
    load_example,
    normalise,
    rejection,
    wire,
)

TOKEN = "token_example_2_full_rfid.json"


def _token() -> dict[str, JsonValue]:
    return example_object(TOKEN)


def test_missing_required_field_is_named() -> None:
    data = _token()
    del data["whitelist"]
    assert error_fields(rejection(Token, data)) == {("whitelist",)}


def test_too_long_cistring_is_named() -> None:
    data = _token()
    data["uid"] = "0" * 37
    assert error_fields(rejection(Token, data)) == {("uid",)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "BADGE"),
        ("whitelist", "SOMETIMES"),
        ("default_profile_type", "SLOW"),
        ("country_code", "DEU"),
        ("party_id", "TN"),
        ("last_updated", "2018-12-10T17:25:10+02:00"),
        ("issuer", "x" * 65),
    ],
)
def test_field_constraints(field: str, value: JsonValue) -> None:
    data = _token()
    data[field] = value
    assert error_fields(rejection(Token, data)) == {(field,)}


def test_energy_contract_needs_a_supplier() -> None:
    data = _token()
    data["energy_contract"] = {"contract_id": "0123456789"}
    assert error_fields(rejection(Token, data)) == {("energy_contract", "supplier_name")}


def test_patch_requires_last_updated() -> None:
    assert error_fields(rejection(TokenPatch, {"valid": False})) == {("last_updated",)}


def test_authorization_info_round_trips() -> None:
    data: dict[str, JsonValue] = {
        "allowed": "ALLOWED",
        "token": load_example(TOKEN),
        "location": {"location_id": "LOC1", "evse_uids": ["3256"]},
        "authorization_reference": "AUTH-1",
        "info": {"language": "en", "text": "Welcome"},
        "gireve_id": "ignored",
    }
    info = AuthorizationInfo.model_validate(data)
    assert info.allowed is AllowedType.ALLOWED
    del data["gireve_id"]
    assert normalise(wire(info)) == normalise(data)


def test_authorization_info_needs_the_token() -> None:
    assert error_fields(rejection(AuthorizationInfo, {"allowed": "BLOCKED"})) == {("token",)}


def test_location_references_need_a_location() -> None:
    assert error_fields(rejection(LocationReferences, {"evse_uids": ["3256"]})) == {
        ("location_id",)
    }
