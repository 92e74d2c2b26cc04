"""Golden tests: every OCPI 2.2.1 spec example of our modules parses and serialises back unchanged.

Catalogue of ``2.2.1/examples`` (see the examples README): each file is either an object or a
fragment of one of our modules (``GOLDEN``), one of the two known non-schema-clean examples
(``NOT_SCHEMA_CLEAN``, asserted to be rejected), or belongs to a configuration module tested
elsewhere (``OTHER_MODULES``). A new file in the folder fails ``test_every_example_is_catalogued``.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_2_1.locations.schemas import (
    EVSE,
    ConnectorPatch,
    EnergyMix,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
)
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import Session, SessionPatch
from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import Tariff
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token, TokenPatch
from ocpi_cpo.ocpi.v2_2_1.types import DisplayText
from tests.contract.spec_examples import (
    EXAMPLES,
    load_example,
    normalise,
    raw_example,
    wire,
    wire_text,
)

_TARIFFS = [
    "tariff_1_simple_2hour.json",
    "tariff_2_alt_text.json",
    "tariff_3_alt_url.json",
    "tariff_4_complex.json",
    "tariff_5_free_of_charge.json",
    "tariff_6_025kwh_start_max_price.json",
    "tariff_8_simple_025kwh.json",
    "tariff_9_025kwh_start.json",
    "tariff_10_025kwh_parking_start.json",
    "tariff_11_not_possible_alt_text.json",
    "tariff_12_025kwh_min_price.json",
    "tariff_13_simple_3hour_5parking.json",
    "tariff_14_step_size.json",
    "tariff_15_reservation_5_euro_per_hour.json",
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json",
    "tariff_17_reservation_with_expire_fee.json",
    "tariff_18_reservation_with_expire_time.json",
    "tariffrestriction_example_max_duration.json",
    "tariffrestriction_example_max_power.json",
]

#: (file, model, keys to the part the model reads: () for the whole file).
GOLDEN: list[tuple[str, type[BaseModel], tuple[str | int, ...]]] = [
    ("location_example.json", Location, ()),
    ("location_example_parking_garage_opening_hours.json", Location, ()),
    ("location_example_uc2_destination_charger.json", Location, ()),
    ("location_example_uc3_destination_charger_not_published.json", Location, ()),
    ("location_example_uc4_limited_visibility.json", Location, ()),
    ("location_example_uc5_home_charge_point.json", Location, ()),
    ("location_energymix_example_complete.json", EnergyMix, ("energy_mix",)),
    ("location_energymix_example_energy_provider.json", EnergyMix, ("energy_mix",)),
    ("location_energymix_example_simple.json", EnergyMix, ("energy_mix",)),
    ("location_hours_247_open_exception_closing.json", Hours, ()),
    ("location_hours_opening_hours_with_exceptional_closing.json", Hours, ()),
    ("location_hours_opening_hours_with_exceptional_opening.json", Hours, ()),
    ("location_regularhours_example.json", Hours, ("opening_times",)),
    ("location_patch_example_location.json", LocationPatch, ()),
    ("location_patch_example_remove_evse.json", EVSEPatch, ()),
    ("location_patch_example_status.json", EVSEPatch, ()),
    ("location_patch_example_tariff.json", ConnectorPatch, ()),
    *[(name, Tariff, ()) for name in _TARIFFS],
    ("token_example_1_app_user.json", Token, ()),
    ("token_example_2_full_rfid.json", Token, ()),
    ("token_put_example.json", Token, ()),
    ("token_patch_example.json", TokenPatch, ()),
    ("transport_and_format_get_token_example.json", Token, ("data",)),
    ("transport_and_format_get_token_list_example.json", Token, ("data", 0)),
    ("transport_and_format_get_token_list_example.json", Token, ("data", 1)),
    ("transport_and_format_get_token_list_example.json", Token, ("data", 2)),
    ("session_example_1_simple_start.json", Session, ()),
    ("session_example_2_short_finished.json", Session, ()),
    ("session_patch_example_charging_period.json", SessionPatch, ()),
    ("session_patch_example_total_cost.json", SessionPatch, ()),
    ("cdr_example.json", CDR, ()),
    ("type_displaytext_example.json", DisplayText, ()),
]

#: The two examples the README flags as not schema-clean: (file, model, fields that must be named).
NOT_SCHEMA_CLEAN: list[tuple[str, type[BaseModel], set[tuple[str | int, ...]]]] = [
    (
        "location_put_example_add_evse.json",
        EVSE,
        {
            ("physical_reference",),
            ("connectors", 0, "power_type"),
            ("connectors", 0, "max_voltage"),
            ("connectors", 0, "max_amperage"),
            ("connectors", 0, "last_updated"),
        },
    ),
    ("tariff_put_example.json", Tariff, {("last_updated",)}),
]

#: Configuration-module examples (credentials, versions); not objects of the modules tested here.
OTHER_MODULES = {
    "credentials_example.json",
    "credentials_example2.json",
    "credentials_example3.json",
    "credentials_example4.json",
    "transport_and_format_version_details_example.json",
    "transport_and_format_version_info_example.json",
    "version_details_example.json",
    "version_details_example2.json",
    "versions_info_example.json",
}


def _id(case: tuple[str, type[BaseModel], tuple[str | int, ...]]) -> str:
    name, model, keys = case
    return "/".join([name.removesuffix(".json"), *map(str, keys)]) + f"->{model.__name__}"


def test_every_example_is_catalogued() -> None:
    on_disk = {path.name for path in EXAMPLES.glob("*.json")}
    catalogued = {name for name, _, _ in GOLDEN} | {name for name, _, _ in NOT_SCHEMA_CLEAN}
    assert on_disk - catalogued - OTHER_MODULES == set()
    assert catalogued | OTHER_MODULES <= on_disk


@pytest.mark.parametrize("case", GOLDEN, ids=_id)
def test_example_round_trips(case: tuple[str, type[BaseModel], tuple[str | int, ...]]) -> None:
    name, model, keys = case
    expected = normalise(load_example(name, *keys))
    parsed = model.model_validate(load_example(name, *keys))
    assert normalise(wire(parsed)) == expected
    assert normalise(wire_text(parsed)) == expected


@pytest.mark.parametrize("case", GOLDEN, ids=_id)
def test_example_round_trips_from_raw_json(
    case: tuple[str, type[BaseModel], tuple[str | int, ...]],
) -> None:
    name, model, keys = case
    parsed = model.model_validate_json(raw_example(name, *keys))
    assert normalise(wire(parsed)) == normalise(load_example(name, *keys))
    assert parsed == model.model_validate(load_example(name, *keys))


@pytest.mark.parametrize(
    "case", NOT_SCHEMA_CLEAN, ids=[name.removesuffix(".json") for name, _, _ in NOT_SCHEMA_CLEAN]
)
def test_not_schema_clean_example_is_rejected_naming_the_fields(
    case: tuple[str, type[BaseModel], set[tuple[str | int, ...]]],
) -> None:
    name, model, bad_fields = case
    with pytest.raises(ValidationError) as caught:
        model.model_validate(load_example(name))
    named = {tuple(error["loc"]) for error in caught.value.errors()}
    assert named == bad_fields
    for field in bad_fields:
        assert str(field[-1]) in str(caught.value)
