"""Charging preferences into a plan (domain.smart_charging): the answers, each profile type, the
connector's and the site's limits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ocpi_cpo.domain.pricing import load_tariff
from ocpi_cpo.domain.smart_charging import (
    Answer,
    ChargingPlan,
    EvseLimits,
    Preferences,
    ProfilePeriod,
    green_cost,
    plan,
    share,
    tariff_cost,
)

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # 19:00 in Paris
AC22 = EvseLimits(22_080, 3, 230)  # 32 A on three phases
AC7 = EvseLimits(7_360, 1, 230)


def prefs(kind: str, hours: float | None = 4, kwh: float | None = 20) -> Preferences:
    return Preferences(
        kind,
        None if hours is None else NOW + timedelta(hours=hours),
        None if kwh is None else Decimal(str(kwh)),
    )


def delivered(result: ChargingPlan, until: datetime) -> Decimal:
    """Wh the plan lets through from its start to ``until`` (minute steps)."""
    total = Decimal(0)
    moment = result.start
    while moment < until:
        total += result.limit_at(moment)
        moment += timedelta(minutes=1)
    return total / 60


@pytest.mark.parametrize(
    ("preferences", "answer"),
    [
        (prefs("REGULAR", hours=None), Answer.DEPARTURE_REQUIRED),
        (prefs("CHEAP", hours=None), Answer.DEPARTURE_REQUIRED),
        (prefs("GREEN", kwh=None), Answer.ENERGY_NEED_REQUIRED),
        (prefs("REGULAR", kwh=None), Answer.ENERGY_NEED_REQUIRED),
        (prefs("REGULAR", hours=-1), Answer.NOT_POSSIBLE),  # departure passed
        (prefs("REGULAR", hours=72), Answer.NOT_POSSIBLE),  # beyond the horizon
        (prefs("REGULAR", hours=1, kwh=30), Answer.NOT_POSSIBLE),  # 22 kW cannot give 30 kWh
        (prefs("FAST", hours=-1), Answer.NOT_POSSIBLE),
    ],
)
def test_answers_without_a_plan(preferences: Preferences, answer: Answer) -> None:
    assert plan(preferences, AC22, now=NOW, delivered_wh=Decimal(0)) == answer


def test_an_unsupported_profile_type() -> None:
    answer = plan(
        prefs("GREEN"), AC22, now=NOW, delivered_wh=Decimal(0), supported=("FAST", "REGULAR")
    )
    assert answer == Answer.PROFILE_TYPE_NOT_SUPPORTED


def test_fast_is_full_power_and_needs_nothing() -> None:
    result = plan(prefs("FAST", None, None), AC22, now=NOW, delivered_wh=Decimal(0))
    assert isinstance(result, ChargingPlan)
    assert result.periods == (ProfilePeriod(0, 22_080),) and result.phases == 3


def test_regular_spreads_the_need_until_departure() -> None:
    result = plan(prefs("REGULAR", hours=4, kwh=20), AC22, now=NOW, delivered_wh=Decimal(0))
    assert isinstance(result, ChargingPlan)
    assert result.periods == (ProfilePeriod(0, 5000),)  # and after departure the same
    assert result.peak_w == 5000
    assert delivered(result, NOW + timedelta(hours=4)) == 20_000
    assert result.planned_wh == 20_000


def test_energy_already_delivered_counts() -> None:
    result = plan(prefs("REGULAR", hours=4, kwh=20), AC22, now=NOW, delivered_wh=Decimal(12_000))
    assert isinstance(result, ChargingPlan)
    assert result.periods[0] == ProfilePeriod(0, 4140)  # the 6 A floor: 8 kWh at 4.14 kW
    assert result.periods[1].limit_w == 0  # done before departure
    assert result.periods[2] == ProfilePeriod(4 * 3600, 4140)
    assert delivered(result, NOW + timedelta(hours=4)) >= 8000


def test_a_need_already_met_holds_the_charge_until_departure() -> None:
    result = plan(prefs("REGULAR", hours=2, kwh=5), AC22, now=NOW, delivered_wh=Decimal(6000))
    assert isinstance(result, ChargingPlan)
    assert result.periods == (ProfilePeriod(0, 0), ProfilePeriod(7200, 4140))


def test_a_low_need_charges_at_the_floor_then_stops() -> None:
    result = plan(prefs("REGULAR", hours=8, kwh=2), AC7, now=NOW, delivered_wh=Decimal(0))
    assert isinstance(result, ChargingPlan)
    assert result.periods[0].limit_w == 1380  # 6 A x 230 V on one phase
    assert result.periods[1].limit_w == 0
    assert delivered(result, NOW + timedelta(hours=8)) >= 2000


def test_the_site_share_lowers_the_top_and_can_refuse() -> None:
    room = share(30_000, [11_000, 11_000])
    assert room == 8000
    result = plan(
        prefs("FAST", None, None), AC22, now=NOW, delivered_wh=Decimal(0), available_w=room
    )
    assert isinstance(result, ChargingPlan) and result.peak_w == 8000
    tight = plan(prefs("REGULAR", 2, 20), AC22, now=NOW, delivered_wh=Decimal(0), available_w=room)
    assert tight == Answer.NOT_POSSIBLE  # 8 kW for 2 h is 16 kWh
    none_left = plan(prefs("FAST"), AC22, now=NOW, delivered_wh=Decimal(0), available_w=2000)
    assert none_left == Answer.NOT_POSSIBLE  # below the 6 A floor on three phases
    assert share(None, [50_000]) is None


def _night_tariff() -> dict[str, object]:
    """0.40/kWh by day, 0.15/kWh from 22:00 to 06:00 (local)."""
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": "NIGHT",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": 0.15, "step_size": 1}],
                "restrictions": {"start_time": "22:00", "end_time": "06:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]},
        ],
        "last_updated": "2026-11-01T00:00:00Z",
    }


def test_cheap_charges_in_the_cheapest_hours_first() -> None:
    cost = tariff_cost(load_tariff(_night_tariff()), "Europe/Paris")
    assert cost(NOW) == Decimal("0.40") and cost(NOW + timedelta(hours=4)) == Decimal("0.15")
    # 19:00 to 07:00 Paris: the night (22:00-06:00 local, 21:00-05:00 UTC) is cheaper
    result = plan(
        prefs("CHEAP", hours=12, kwh=30), AC22, now=NOW, delivered_wh=Decimal(0), cost=cost
    )
    assert isinstance(result, ChargingPlan)
    assert result.limit_at(NOW) == 0  # nothing at 19:00, the dear hours
    assert result.limit_at(NOW + timedelta(hours=3)) == 22_080  # 22:00 local: full power
    assert result.limit_at(NOW + timedelta(hours=11)) == 0  # 06:00 local: dear again, done
    assert delivered(result, NOW + timedelta(hours=12)) >= 30_000


def test_cheap_uses_dear_hours_only_when_the_night_is_not_enough() -> None:
    cost = tariff_cost(load_tariff(_night_tariff()), "Europe/Paris")
    result = plan(
        prefs("CHEAP", hours=4, kwh=40), AC22, now=NOW, delivered_wh=Decimal(0), cost=cost
    )
    assert isinstance(result, ChargingPlan)
    assert result.limit_at(NOW + timedelta(hours=3)) == 22_080  # the cheap hour, full
    assert result.limit_at(NOW) == 22_080  # the earliest dear hours fill the rest
    assert delivered(result, NOW + timedelta(hours=4)) >= 40_000


def test_green_prefers_the_green_windows() -> None:
    cost = green_cost([(time(10, 0), time(16, 0))], ZoneInfo("Europe/Paris"))
    morning = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # 07:00 Paris
    wanted = Preferences("GREEN", morning + timedelta(hours=10), Decimal(40))
    result = plan(wanted, AC22, now=morning, delivered_wh=Decimal(0), cost=cost)
    assert isinstance(result, ChargingPlan)
    assert result.limit_at(morning) == 0  # 07:00: not green
    assert result.limit_at(morning + timedelta(hours=3, minutes=1)) == 22_080  # 10:01 Paris


def test_limits_of_a_connector() -> None:
    three = {"power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16}
    assert EvseLimits.of_connector(three) == EvseLimits(11_040, 3, 230)
    stated = {**three, "max_electric_power": 11_000}
    assert EvseLimits.of_connector(stated) == EvseLimits(11_000, 3, 230)
    assert EvseLimits.of_connector({"power_type": "DC"}) is None
    dc = EvseLimits.of_connector({"power_type": "DC", "max_voltage": 800, "max_amperage": 200})
    assert dc is not None and dc.min_power_w == 0


def test_a_plan_round_trips_as_json() -> None:
    result = plan(prefs("REGULAR"), AC22, now=NOW, delivered_wh=Decimal(0))
    assert isinstance(result, ChargingPlan)
    assert ChargingPlan.from_json(result.to_json()) == result


def test_preferences_from_the_wire() -> None:
    wire = {"profile_type": "CHEAP", "departure_time": "2026-12-03T22:00:00Z", "energy_need": 12.5}
    read = Preferences.from_json(wire)
    assert read.departure_time == NOW + timedelta(hours=4)
    assert read.energy_need_kwh == Decimal("12.5") and not read.discharge_allowed
