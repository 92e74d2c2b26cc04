"""Properties over random tariffs and charges (hypothesis).

* A charge that goes on (more energy or more time in its last period) never costs less with the same
  tariff. Only the last period grows: the spec's step_size rule bills the rounding extra at the price
  of the last period, so growing an earlier, cheaper period, or appending a period that switches to
  another element or from charging to parking, can lower the total (docs/pricing.md, "step_size").
  Power and current restrictions are left out: a price that depends on the charging power may
  rightly drop when more energy in the same time means a faster charge.
* Excl. VAT never exceeds incl. VAT, for every total, whenever incl. VAT is known.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpi_cpo.domain.pricing import Price, PricingResult, Tariff, load_tariff, price_charge
from tests.unit.domain.pricing.builders import Segment, charge, charging, parking

ZONE = "Europe/Paris"
DIMENSIONS = ["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
STEPS = {"ENERGY": [1, 100, 500, 1000], "TIME": [1, 60, 300, 900, 1800]}


def money(maximum: int = 5) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=maximum, places=2)


@st.composite
def components(draw: st.DrawFn) -> list[dict[str, object]]:
    kinds = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=4, unique=True))
    result = []
    for kind in kinds:
        component: dict[str, object] = {
            "type": kind,
            "price": draw(money()),
            "step_size": draw(st.sampled_from(STEPS["ENERGY" if kind == "ENERGY" else "TIME"])),
        }
        vat = draw(st.none() | st.decimals(min_value=0, max_value=25, places=1))
        if vat is not None:
            component["vat"] = vat
        result.append(component)
    return result


times = st.sampled_from(["00:00", "06:00", "09:30", "17:00", "20:00", "22:00"])


def _can_match(r: dict[str, object]) -> bool:
    """A restriction that can never match is refused by the loader."""

    def value(key: str, default: int) -> int:
        found = r.get(key, default)
        return found if isinstance(found, int) else default

    return value("min_kwh", 0) < value("max_kwh", 10**6) and value("min_duration", 0) < value(
        "max_duration", 10**6
    )


restrictions: st.SearchStrategy[dict[str, object]] = st.fixed_dictionaries(
    {},
    optional={
        "start_time": times,
        "end_time": times,
        "day_of_week": st.lists(
            st.sampled_from(["MONDAY", "WEDNESDAY", "FRIDAY", "SATURDAY", "SUNDAY"]),
            min_size=1,
            unique=True,
        ),
        "min_kwh": st.integers(0, 40),
        "max_kwh": st.integers(1, 60),
        "min_duration": st.integers(0, 7200),
        "max_duration": st.integers(1, 14400),
    },
).filter(_can_match)


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    elements = [
        {"price_components": draw(components()), "restrictions": draw(restrictions)}
        for _ in range(draw(st.integers(1, 4)))
    ]
    document: dict[str, object] = {"id": "P", "currency": "EUR", "elements": elements}
    if draw(st.booleans()):
        low = draw(money(10))
        document["min_price"] = {"excl_vat": low, "incl_vat": low * Decimal("1.2")}
        if draw(st.booleans()):
            high = low + draw(money(20))
            document["max_price"] = {"excl_vat": high, "incl_vat": high * Decimal("1.2")}
    return load_tariff(document)


segments = st.lists(
    st.one_of(
        st.builds(charging, st.integers(1, 120), st.decimals(0, 30, places=3)),
        st.builds(parking, st.integers(1, 120)),
    ),
    min_size=0,
    max_size=4,
)
starts = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 12, 31))


def totals(result: PricingResult) -> list[Price]:
    return [
        result.total_cost,
        result.total_fixed_cost,
        result.total_energy_cost,
        result.total_time_cost,
        result.total_parking_cost,
        result.total_reservation_cost,
        result.exact_total_cost,
    ]


def assert_not_lower(before: PricingResult, after: PricingResult) -> None:
    for old, new in (
        (before.total_cost, after.total_cost),
        (before.exact_total_cost, after.exact_total_cost),
    ):
        assert new.excl_vat >= old.excl_vat
        if old.incl_vat is not None and new.incl_vat is not None:
            assert new.incl_vat >= old.incl_vat


def price(tariff: Tariff, start: datetime, parts: list[Segment]) -> PricingResult:
    return price_charge(tariff, charge(start.strftime("%Y-%m-%d %H:%M"), ZONE, *parts), ZONE)


@settings(max_examples=150)
@given(tariffs(), starts, segments, st.integers(1, 30), st.decimals(0, 30, places=3))
def test_more_energy_at_the_end_never_costs_less(
    tariff: Tariff, start: datetime, earlier: list[Segment], minutes: int, more_kwh: Decimal
) -> None:
    last = charging(minutes, 5)
    before = price(tariff, start, [*earlier, last])
    after = price(tariff, start, [*earlier, replace(last, kwh=last.kwh + more_kwh)])

    assert_not_lower(before, after)


@settings(max_examples=150)
@given(tariffs(), starts, segments, st.integers(1, 120), st.integers(1, 90))
def test_more_time_at_the_end_never_costs_less(
    tariff: Tariff, start: datetime, parts: list[Segment], minutes: int, more_minutes: int
) -> None:
    parts = parts or [charging(minutes, 10)]
    last = parts[-1]
    before = price(tariff, start, parts)
    after = price(tariff, start, [*parts[:-1], replace(last, minutes=last.minutes + more_minutes)])

    assert_not_lower(before, after)


@settings(max_examples=150)
@given(tariffs(), starts, segments.filter(bool))
def test_excl_vat_never_exceeds_incl_vat(
    tariff: Tariff, start: datetime, parts: list[Segment]
) -> None:
    for total in totals(price(tariff, start, parts)):
        assert total.incl_vat is None or total.excl_vat <= total.incl_vat


PARTS = ("total_fixed_cost", "total_energy_cost", "total_time_cost", "total_parking_cost")


@settings(max_examples=300)
@given(tariffs(), starts, segments.filter(bool), st.sampled_from([None, 2, 4]))
def test_the_subtotals_add_up_to_the_total(
    tariff: Tariff, start: datetime, parts: list[Segment], decimals: int | None
) -> None:
    """total_cost = the sum of the total_*_cost parts, excl. and incl. VAT, in the CDR as sent
    (rounded), min_price and max_price included (issue "Money right", item 4)."""
    result = price_charge(
        tariff, charge(start.strftime("%Y-%m-%d %H:%M"), ZONE, *parts), ZONE, decimals=decimals
    )
    cdr = result.to_cdr_totals()
    subtotals = [
        result.total_fixed_cost,
        result.total_energy_cost,
        result.total_time_cost,
        result.total_parking_cost,
        result.total_reservation_cost,
    ]
    assert sum((p.excl_vat for p in subtotals), Decimal(0)) == result.total_cost.excl_vat
    wire = [cdr[name] for name in (*PARTS, "total_reservation_cost")]
    wired = [Decimal(str(p["excl_vat"])) for p in wire]  # type: ignore[index]
    assert sum(wired, Decimal(0)) == Decimal(str(cdr["total_cost"]["excl_vat"]))  # type: ignore[index]
    if result.total_cost.incl_vat is not None:
        assert all(p.incl_vat is not None for p in subtotals)
        assert sum((p.incl_vat or Decimal(0) for p in subtotals), Decimal(0)) == (
            result.total_cost.incl_vat
        )
    places = 2 if decimals is None else decimals
    assert result.total_cost.excl_vat == result.total_cost.excl_vat.quantize(
        Decimal(1).scaleb(-places)
    )
