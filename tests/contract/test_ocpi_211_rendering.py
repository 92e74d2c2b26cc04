"""OCPI 2.1.1 from the one stored (2.2.1-rich) form, held to the 2.1.1 spec's own examples.

The examples are the JSON written inline in the 2.1.1 markdown (tests/data/ocpi-examples/2.1.1,
with source and licence). Each one parses through our 2.1.1 wire models, and each one is what our
2.1.1 rendering makes of the same object stored in 2.2.1 form.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi_cpo.ocpi.v2_1_1 import render
from ocpi_cpo.ocpi.v2_1_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_1_1.locations import render as locations
from ocpi_cpo.ocpi.v2_1_1.locations.schemas import Location
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import Session
from ocpi_cpo.ocpi.v2_1_1.tariffs.schemas import Tariff as WireTariff

EXAMPLES = Path(__file__).parents[1] / "data" / "ocpi-examples" / "2.1.1"
Json = dict[str, Any]


def example(name: str) -> Json:
    data: Json = json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)
    return data


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("location_example.json", Location),
        ("session_example_just_starting.json", Session),
        ("session_example_short_finished.json", Session),
        ("tariff_example_2_euro_per_hour.json", WireTariff),
        ("tariff_example_alt_text.json", WireTariff),
        ("tariff_example_alt_url.json", WireTariff),
        ("tariff_example_complex.json", WireTariff),
        ("tariff_example_free_of_charge.json", WireTariff),
    ],
)
def test_every_spec_example_fits_our_211_models(name: str, model: type[BaseModel]) -> None:
    model.model_validate(example(name))


def test_the_cdr_example_fits_but_for_its_price_written_as_text() -> None:
    """The 2.1.1 CDR example writes a price as "2.00" where the spec says number: our model
    names exactly that field; with the number it fits."""
    cdr = example("cdr_example.json")
    with pytest.raises(ValidationError) as refused:
        CDR.model_validate(cdr)
    [error] = refused.value.errors()
    assert error["loc"] == ("tariffs", 0, "elements", 0, "price_components", 0, "price")
    cdr["tariffs"][0]["elements"][0]["price_components"][0]["price"] = Decimal("2.00")
    CDR.model_validate(cdr)


# --- the same objects as we store them (2.2.1 form), rendered back ---------------------------


def stored_connector(connector: Json) -> Json:
    stored = {k: v for k, v in connector.items() if k not in ("voltage", "amperage", "tariff_id")}
    stored.update(max_voltage=connector["voltage"], max_amperage=connector["amperage"])
    stored["tariff_ids"] = [connector["tariff_id"]]
    stored["max_electric_power"] = 11000
    return stored


def stored_location(location: Json) -> Json:
    """The 2.1.1 example as a 2.2.1 Location: owner, publish, parking_type, connectors."""
    stored = {k: v for k, v in location.items() if k != "type"}
    stored.update(country_code="BE", party_id="BEC", publish=True, parking_type=location["type"])
    stored["evses"] = [
        {**e, "connectors": [stored_connector(c) for c in e["connectors"]]}
        for e in location["evses"]
    ]
    return stored


def test_a_stored_location_renders_as_the_211_example() -> None:
    wanted = example("location_example.json")
    assert locations.location(stored_location(wanted)) == wanted


def stored_session(session: Json) -> tuple[Json, Json]:
    """(2.2.1 Session document, the place kept at the start) of a 2.1.1 example session."""
    place = stored_location(session["location"])
    document = {
        "country_code": "BE",
        "party_id": "BEC",
        "id": session["id"],
        "start_date_time": session["start_datetime"],
        "kwh": session["kwh"],
        "cdr_token": {"uid": session["auth_id"], "type": "RFID", "contract_id": "X"},
        "auth_method": session["auth_method"],
        "location_id": place["id"],
        "evse_uid": place["evses"][0]["uid"],
        "connector_id": place["evses"][0]["connectors"][0]["id"],
        "currency": session["currency"],
        "status": session["status"],
        "last_updated": session["last_updated"],
    }
    if "end_datetime" in session:
        document["end_date_time"] = session["end_datetime"]
    if "charging_periods" in session:
        document["charging_periods"] = session["charging_periods"]
    if "total_cost" in session:
        total = session["total_cost"]
        document["total_cost"] = {"excl_vat": total, "incl_vat": total * Decimal("1.21")}
    return document, place


@pytest.mark.parametrize(
    "name", ["session_example_just_starting.json", "session_example_short_finished.json"]
)
def test_a_stored_session_renders_as_the_211_example(name: str) -> None:
    wanted = example(name)
    document, place = stored_session(wanted)
    assert render.session(document, place) == wanted


def test_a_stored_cdr_renders_as_the_211_example() -> None:
    wanted = example("cdr_example.json")
    place = stored_location(wanted["location"])
    tariffs = [
        {**t, "country_code": "BE", "party_id": "BEC", "type": "REGULAR"} for t in wanted["tariffs"]
    ]
    document = {
        "country_code": "BE",
        "party_id": "BEC",
        "id": wanted["id"],
        "start_date_time": wanted["start_date_time"],
        "end_date_time": wanted["stop_date_time"],
        "cdr_token": {"uid": wanted["auth_id"], "type": "RFID", "contract_id": "X"},
        "auth_method": wanted["auth_method"],
        "cdr_location": {"id": place["id"]},
        "currency": wanted["currency"],
        "tariffs": tariffs,
        "charging_periods": wanted["charging_periods"],
        "total_cost": {"excl_vat": wanted["total_cost"], "incl_vat": Decimal("4.84")},
        "total_energy": wanted["total_energy"],
        "total_time": wanted["total_time"],
        "last_updated": wanted["last_updated"],
    }
    assert render.cdr(document, place) == wanted


@pytest.mark.parametrize(
    "name",
    [
        "tariff_example_2_euro_per_hour.json",
        "tariff_example_alt_text.json",
        "tariff_example_complex.json",
        "tariff_example_free_of_charge.json",
    ],
)
def test_a_stored_tariff_renders_as_the_211_example(name: str) -> None:
    wanted = example(name)
    stored = copy.deepcopy(wanted)
    stored.update(country_code="BE", party_id="BEC", type="REGULAR")
    stored["start_date_time"] = "2015-01-01T00:00:00Z"
    for element in stored["elements"]:
        for component in element["price_components"]:
            component["vat"] = Decimal("21")
    assert render.tariff(stored) == wanted


def test_a_tariff_restriction_211_cannot_say_is_named() -> None:
    tariff = example("tariff_example_2_euro_per_hour.json")
    tariff["elements"][0]["restrictions"] = {"max_current": 16}
    assert render.tariff_problem(tariff) == (
        "elements[0].restrictions.max_current",
        render.tariff_problem(tariff)[1],  # type: ignore[index]
    )
    assert render.tariff_problem(example("tariff_example_complex.json")) is None


def test_a_command_started_charge_is_an_auth_request_in_211() -> None:
    assert render.auth_method("COMMAND") == "AUTH_REQUEST"
    assert render.auth_method("WHITELIST") == "WHITELIST"
