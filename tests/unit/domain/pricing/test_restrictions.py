"""Restriction edge cases: midnight, day changes, summer time, levels, amounts so far, reservations."""

from __future__ import annotations

from datetime import time

import pytest

from ocpi_cpo.domain.pricing import Charge, load_tariff, price_charge
from ocpi_cpo.domain.pricing.restrictions import in_time_window
from tests.unit.domain.pricing.builders import charge, charging, example, parking, price, reserving
from tests.unit.domain.pricing.tariffs import component, element, tariff

NIGHT_AND_DAY = tariff(
    element(component("TIME", "1.00"), start_time="22:00", end_time="06:00"),
    element(component("TIME", "2.00")),
)


def t(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "end", "moment", "inside"),
    [
        ("22:00", "06:00", "23:59", True),
        ("22:00", "06:00", "00:00", True),
        ("22:00", "06:00", "05:59", True),
        ("22:00", "06:00", "06:00", False),  # end is exclusive
        ("22:00", "06:00", "21:59", False),
        ("20:00", "00:00", "23:59", True),  # 00:00 is the end of the day
        ("20:00", "00:00", "00:00", False),
        ("00:00", "17:00", "16:59", True),
        ("00:00", "17:00", "17:00", False),
        ("00:00", "00:00", "12:00", True),  # the whole day
        ("08:00", "08:00", "07:00", True),  # equal ends: the whole day
        (None, "09:00", "08:59", True),
        (None, "09:00", "09:00", False),
        ("09:00", None, "23:59", True),
        ("09:00", None, "08:59", False),
    ],
)
def test_time_window(start: str | None, end: str | None, moment: str, inside: bool) -> None:
    assert in_time_window(time.fromisoformat(moment), t(start), t(end)) is inside


def test_window_wrapping_past_midnight_prices_each_period_by_its_start() -> None:
    night = charge("2024-01-10 21:00", "Europe/Paris", charging(60), charging(480), charging(60))

    totals = price_charge(NIGHT_AND_DAY, night, "Europe/Paris").to_cdr_totals()

    assert totals["total_time_cost"] == price("12.00", "14.40")  # 1 h day, 8 h night, 1 h day


def test_day_of_week_changes_at_local_midnight_when_the_charge_is_split_there() -> None:
    weekend = tariff(
        element(component("TIME", "1.00"), day_of_week=["SATURDAY", "SUNDAY"]),
        element(component("TIME", "2.00")),
    )
    split = charge("2024-03-08 23:00", "Europe/Paris", charging(60), charging(60))  # Friday
    whole = charge("2024-03-08 23:00", "Europe/Paris", charging(120))

    assert price_charge(weekend, split, "Europe/Paris").total_cost.excl_vat == 3
    # One period: restrictions are read at its start, Friday (the CPO must split at price changes).
    assert price_charge(weekend, whole, "Europe/Paris").total_cost.excl_vat == 4


def test_summer_time_change_moves_local_windows_and_keeps_real_durations() -> None:
    # 2024-03-31 02:00 CET -> 03:00 CEST: 23:00 to 06:00 local is 6 real hours, not 7.
    night = charge("2024-03-30 23:00", "Europe/Paris", charging(360), charging(120))

    result = price_charge(NIGHT_AND_DAY, night, "Europe/Paris")

    assert [p.local_start.strftime("%H:%M %Z") for p in result.periods] == [
        "23:00 CET",
        "06:00 CEST",
    ]
    assert result.total_cost.excl_vat == 10  # 6 h x 1.00 + 2 h x 2.00
    assert result.to_cdr_totals()["total_time"] == 8.0


def test_same_utc_time_is_in_or_out_of_a_local_window_with_the_season() -> None:
    peak = tariff(
        element(component("TIME", "3.00"), start_time="17:00", end_time="18:00"),
        element(component("TIME", "1.00")),
    )
    winter = charge("2024-01-15 16:30", "UTC", charging(30))  # 17:30 in Paris
    summer = charge("2024-07-15 16:30", "UTC", charging(30))  # 18:30 in Paris

    assert price_charge(peak, winter, "Europe/Paris").total_cost.excl_vat == 1.5
    assert price_charge(peak, summer, "Europe/Paris").total_cost.excl_vat == 0.5
    assert price_charge(peak, summer, "UTC").total_cost.excl_vat == 0.5
    assert price_charge(peak, winter, "America/New_York").total_cost.excl_vat == 0.5


def test_dates_are_local_start_inclusive_end_exclusive() -> None:
    new_year = tariff(
        element(component("ENERGY", "0.10"), start_date="2025-01-01", end_date="2025-01-02"),
        element(component("ENERGY", "0.50")),
    )
    just_after_midnight_in_paris = charge("2024-12-31 23:30", "UTC", charging(60, 10))
    next_day = charge("2025-01-02 00:00", "Europe/Paris", charging(60, 10))

    assert (
        price_charge(new_year, just_after_midnight_in_paris, "Europe/Paris").total_cost.excl_vat
        == 1
    )
    assert price_charge(new_year, just_after_midnight_in_paris, "UTC").total_cost.excl_vat == 5
    assert price_charge(new_year, next_day, "Europe/Paris").total_cost.excl_vat == 5


def test_kwh_limits_count_energy_before_the_period_min_inclusive_max_exclusive() -> None:
    tiers = tariff(
        element(component("ENERGY", "0.30"), max_kwh=10),
        element(component("ENERGY", "0.20"), min_kwh=10, max_kwh=20),
        element(component("ENERGY", "0.10")),
    )
    session = charge("2024-05-01 10:00", "UTC", charging(30, 10), charging(30, 10), charging(30, 5))

    result = price_charge(tiers, session, "UTC")

    assert [d.element_index for p in result.periods for d in p.dimensions] == [0, 1, 2]
    assert result.total_cost.excl_vat == 5.5


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({"min_current": 32, "max_current": 40}, "1.25"),  # min_current 32 is inclusive
        (
            {"min_current": 10, "max_current": 32},
            "2.00",
        ),  # reaches 32: max_current 32 no longer holds
        ({"max_current": 31}, "1.00"),
        ({"current": 16}, "1.00"),  # one average value is both the lowest and the highest
        ({}, "2.00"),  # no current known: neither restriction holds, the fallback prices it
    ],
)
def test_current_limits(levels: dict[str, int], expected: str) -> None:
    by_current = tariff(
        element(component("TIME", "1.00"), max_current=32),
        element(component("TIME", "1.25"), min_current=32),
        element(component("TIME", "2.00")),
    )
    session = charge("2024-05-01 10:00", "UTC", charging(60, 10, **levels))

    assert str(price_charge(by_current, session, "UTC").total_cost.excl_vat) == expected


def test_power_falls_back_to_the_average_power_of_the_period() -> None:
    by_power = load_tariff(example("tariffrestriction_example_max_power.json"))
    slow = charge("2024-05-01 10:00", "UTC", charging(60, 10))  # 10 kW
    fast = charge("2024-05-01 10:00", "UTC", charging(60, 20))  # 20 kW
    stated = charge("2024-05-01 10:00", "UTC", charging(60, 10, min_power=5, max_power=40))

    assert price_charge(by_power, slow, "UTC").total_cost.excl_vat == 2
    assert price_charge(by_power, fast, "UTC").total_cost.excl_vat == 7
    assert price_charge(by_power, stated, "UTC").total_cost.excl_vat == 5


def test_duration_counts_from_the_session_start() -> None:
    grace = tariff(
        element(component("PARKING_TIME", "0.00"), max_duration=3600),
        element(component("PARKING_TIME", "6.00")),
        element(component("TIME", "1.00")),
    )
    session = charge("2024-05-01 10:00", "UTC", charging(50), parking(10), parking(30))

    totals = price_charge(grace, session, "UTC").to_cdr_totals()

    assert totals["total_parking_cost"] == price("3.00", "3.60")  # the 30 min after the first hour


def test_reservation_elements_never_price_the_session() -> None:
    tariff_15 = load_tariff(example("tariff_15_reservation_5_euro_per_hour.json"))
    without_reservation = charge("2024-05-01 10:00", "Europe/Berlin", charging(60, 20))

    totals = price_charge(tariff_15, without_reservation, "Europe/Berlin").to_cdr_totals()

    assert totals["total_cost"] == price("5.50", "6.10")
    assert totals["total_reservation_cost"] == price("0", "0")


def test_expiry_is_inferred_and_can_be_overridden() -> None:
    tariff_17 = load_tariff(example("tariff_17_reservation_with_expire_fee.json"))
    only_reserved = charge("2024-05-01 10:00", "Europe/Berlin", reserving(60))
    not_expired = Charge(
        only_reserved.start_date_time,
        only_reserved.end_date_time,
        only_reserved.charging_periods,
        reservation_expired=False,
    )

    assert price_charge(tariff_17, only_reserved, "Europe/Berlin").total_cost.excl_vat == 6
    assert price_charge(tariff_17, not_expired, "Europe/Berlin").total_cost.excl_vat == 2


def test_reservation_time_has_its_own_step_size_and_flat_fee() -> None:
    tariff_16 = load_tariff(example("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"))
    session = charge("2024-05-01 10:00", "Europe/Berlin", reserving(13), charging(60, 20))

    result = price_charge(tariff_16, session, "Europe/Berlin")

    (reservation_time, reservation_fee) = result.periods[0].dimensions
    assert reservation_time.volume * 60 == 13
    assert reservation_time.billed_volume * 60 == 15
    assert reservation_fee.cost.excl_vat == 2
    assert result.total_fixed_cost.excl_vat == 0.5
    assert result.total_reservation_time * 60 == 13
