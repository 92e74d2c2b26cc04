"""step_size, as mod_cdrs describes it (docs/pricing.md, Choice 1)."""

from __future__ import annotations

from decimal import Decimal

from ocpi_cpo.domain.pricing import price_charge
from tests.unit.domain.pricing.builders import charge, charging, parking
from tests.unit.domain.pricing.tariffs import component, element, tariff

BEFORE_AND_AFTER_17 = {"start_time": "00:00", "end_time": "17:00"}


def test_energy_total_is_rounded_once_with_the_last_step() -> None:
    energy = tariff(
        element(component("ENERGY", "0.20", step=500, vat=None), **BEFORE_AND_AFTER_17),
        element(component("ENERGY", "0.27", step=500, vat=None)),
    )
    session = charge("2024-05-01 16:00", "UTC", charging(60, "4.3"), charging(30, "1.1"))

    result = price_charge(energy, session, "UTC")

    assert [d.billed_volume for p in result.periods for d in p.dimensions] == [
        Decimal("4.3"),
        Decimal("1.2"),  # 5.4 kWh -> 5.5 kWh in total, not 1.1 -> 1.5 after 17:00
    ]
    assert result.exact_total_cost.excl_vat == Decimal("1.184")


def test_time_total_is_rounded_once_with_the_last_step() -> None:
    time = tariff(
        element(component("TIME", "5", step=600, vat=None), **BEFORE_AND_AFTER_17),
        element(component("TIME", "7", step=600, vat=None)),
    )
    session = charge("2024-05-01 16:54", "UTC", charging(6), charging(22))

    result = price_charge(time, session, "UTC")

    assert [d.billed_volume * 60 for p in result.periods for d in p.dimensions] == [6, 24]


def test_only_parking_is_rounded_when_it_comes_last() -> None:
    both = tariff(
        element(component("TIME", "1", step=600), component("PARKING_TIME", "2", step=600))
    )
    session = charge("2024-05-01 10:00", "UTC", charging(21), parking(16))

    result = price_charge(both, session, "UTC")

    assert [d.billed_volume * 60 for p in result.periods for d in p.dimensions] == [21, 20]


def test_charging_is_rounded_when_parking_after_it_is_free() -> None:
    time_only = tariff(element(component("TIME", "2.00", step=900)))
    session = charge("2024-05-01 10:00", "UTC", charging(10), parking(30))

    assert price_charge(time_only, session, "UTC").total_cost.excl_vat == Decimal("0.50")


def test_appending_a_period_can_move_the_rounding_and_lower_the_price() -> None:
    # The spec's rule, not a bug: the last time-based dimension takes the rounding.
    tariff_ = tariff(
        element(component("TIME", "6.00", step=3600), component("PARKING_TIME", "0.60", step=1))
    )
    charging_only = charge("2024-05-01 10:00", "UTC", charging(10))
    then_parking = charge("2024-05-01 10:00", "UTC", charging(10), parking(1))

    assert price_charge(tariff_, charging_only, "UTC").total_cost.excl_vat == Decimal("6.00")
    assert price_charge(tariff_, then_parking, "UTC").total_cost.excl_vat == Decimal("1.01")


def test_step_size_one_second_is_as_measured() -> None:
    one = tariff(element(component("TIME", "6.00", step=1)))
    session = charge("2024-05-01 10:00", "UTC", charging(7))

    assert price_charge(one, session, "UTC").total_cost.excl_vat == Decimal("0.70")
