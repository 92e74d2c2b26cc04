"""Gireve's tariff rules (gireve.md §12), each with an example that breaks it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ocpi_cpo.domain.tariffs import (
    FROZEN_FIELDS,
    Party,
    Tariff,
    TariffKey,
    format_utc,
    forwarding_warning,
    frozen_changes,
    immutability_message,
    rule_problems,
    variant_warnings,
    visible_description,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
ELEMENTS = [{"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20, "step_size": 1}]}]


def tariff(tariff_id: str = "T1", target: Party | None = None, **content: object) -> Tariff:
    body: dict[str, object] = {
        "country_code": "FR",
        "party_id": "AB1",
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": ELEMENTS,
        "start_date_time": format_utc(START),
        **content,
    }
    start = body.get("start_date_time")
    end = body.get("end_date_time")
    return Tariff(
        key=TariffKey("FR", "AB1", tariff_id, target),
        type=body.get("type") if isinstance(body.get("type"), str) else None,  # type: ignore[arg-type]
        currency="EUR",
        start_date_time=datetime.fromisoformat(str(start)) if start else None,
        end_date_time=datetime.fromisoformat(str(end)) if end else None,
        content=body,
        last_updated=START,
    )


def test_a_complete_tariff_breaks_no_rule() -> None:
    assert rule_problems(tariff()) == []


def test_start_date_time_is_required() -> None:
    [problem] = rule_problems(tariff(start_date_time=None))
    assert "start_date_time is required" in problem and "FR/AB1/T1" in problem


def test_end_must_follow_start() -> None:
    [problem] = rule_problems(tariff(end_date_time=format_utc(START)))
    assert "end_date_time 2026-01-01T00:00:00Z must be later than start_date_time" in problem


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("currency", "CHF"),
        ("type", "PROFILE_GREEN"),
        ("elements", [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}]),
        ("min_price", {"excl_vat": 1}),
        ("max_price", {"excl_vat": 10}),
        ("start_date_time", "2026-02-01T00:00:00Z"),
        ("energy_mix", {"is_green_energy": True}),
    ],
)
def test_every_frozen_field_is_refused(name: str, value: object) -> None:
    published = tariff()
    proposed = replace(published, content={**published.content, name: value})
    assert frozen_changes(published, proposed) == [name]
    assert name in FROZEN_FIELDS


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tariff_alt_text", [{"language": "en", "text": "0.25/kWh"}]),
        ("tariff_alt_url", "https://cpo.example/tariffs"),
        ("end_date_time", "2026-06-01T00:00:00Z"),
    ],
)
def test_texts_and_end_may_change(name: str, value: object) -> None:
    published = tariff()
    proposed = replace(published, content={**published.content, name: value})
    assert frozen_changes(published, proposed) == []


def test_the_refusal_says_how_to_change_a_price() -> None:
    message = immutability_message(TariffKey("FR", "AB1", "T1"), ["elements"])
    assert "elements cannot change" in message
    assert "new tariff whose start_date_time is the change date" in message
    assert "end_date_time on this one" in message
    assert "both ids on the connectors" in message
    assert "ocpi-cpo tariffs change-price T1" in message


@pytest.mark.parametrize(
    "kind", ["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN"]
)
def test_types_gireve_does_not_forward_are_warned(kind: str) -> None:
    warning = forwarding_warning(tariff(type=kind))
    assert warning is not None and f"type {kind}" in warning and "forwards only REGULAR" in warning


@pytest.mark.parametrize("kind", ["REGULAR", None])
def test_regular_and_untyped_tariffs_are_forwarded(kind: str | None) -> None:
    assert forwarding_warning(tariff(type=kind)) is None


def test_per_emsp_descriptions_without_a_default_are_warned() -> None:
    only_targeted = [tariff(target=Party("FR", "MSP")), tariff(target=Party("DE", "EMS"))]
    [warning] = variant_warnings(only_targeted)
    assert "DE/EMS, FR/MSP only" in warning
    assert variant_warnings([*only_targeted, tariff()]) == []


def test_an_emsp_sees_its_own_description_else_the_default() -> None:
    default, own = tariff(), tariff(target=Party("FR", "MSP"))
    assert visible_description([default, own], [Party("FR", "MSP")]) is own
    assert visible_description([default, own], [Party("DE", "XYZ")]) is default
    assert visible_description([own], [Party("DE", "XYZ")]) is None
