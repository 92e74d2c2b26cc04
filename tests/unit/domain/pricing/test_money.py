"""min_price / max_price, VAT (known or not), rounding once at the end, currency decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocpi_cpo.domain.pricing import CurrencyMismatchError, Price, price_charge
from ocpi_cpo.domain.pricing.limits import apply_price_limits
from tests.unit.domain.pricing.builders import charge, charging, price
from tests.unit.domain.pricing.tariffs import component, element, tariff

D = Decimal


def test_money_is_rounded_once_from_the_exact_sum_never_per_period() -> None:
    energy = tariff(element(component("ENERGY", "0.25", vat="10")))
    # Ten periods of 18 Wh cost 0.0045 each: per period that rounds to 0.00, the session costs 0.045.
    session = charge("2024-05-01 10:00", "UTC", *[charging(1, "0.018") for _ in range(10)])

    result = price_charge(energy, session, "UTC")

    assert result.exact_total_cost == Price(D("0.04500"), D("0.0495000"))
    assert result.total_cost == Price(D("0.05"), D("0.05"))  # half up
    assert result.periods[0].cost.excl_vat == D("0.00450")  # the breakdown stays exact


@pytest.mark.parametrize(
    ("currency", "expected"), [("EUR", "3.33"), ("JPY", "3"), ("KWD", "3.333")]
)
def test_money_is_rounded_to_the_currency_minor_unit(currency: str, expected: str) -> None:
    per_hour = tariff(element(component("TIME", "10", vat=None)), currency=currency)
    session = charge("2024-05-01 10:00", "UTC", charging(20), currency=currency)

    assert str(price_charge(per_hour, session, "UTC").total_cost.excl_vat) == expected


def test_incl_vat_is_unknown_when_a_priced_component_has_no_vat() -> None:
    mixed = tariff(element(component("FLAT", "1.00", vat=None), component("ENERGY", "0.20")))
    session = charge("2024-05-01 10:00", "UTC", charging(60, 10))

    totals = price_charge(mixed, session, "UTC").to_cdr_totals()

    assert totals["total_fixed_cost"] == price("1.00")
    assert totals["total_energy_cost"] == price("2.00", "2.40")
    assert totals["total_cost"] == price("3.00")


def test_a_zero_price_without_vat_is_zero_incl_vat() -> None:
    free = tariff(element(component("FLAT", "0.00", step=0, vat=None)))
    session = charge("2024-05-01 10:00", "UTC", charging(60, 10))

    assert price_charge(free, session, "UTC").to_cdr_totals()["total_cost"] == price("0", "0")


def test_vat_zero_is_known() -> None:
    no_tax = tariff(element(component("ENERGY", "0.20", vat="0")))
    session = charge("2024-05-01 10:00", "UTC", charging(60, 10))

    assert price_charge(no_tax, session, "UTC").to_cdr_totals()["total_cost"] == price("2", "2")


@pytest.mark.parametrize(
    ("total", "minimum", "maximum", "expected", "raised", "lowered"),
    [
        (Price(D(1), D("1.1")), Price(D(2), D("2.2")), None, Price(D(2), D("2.2")), True, False),
        (Price(D(1), D("1.1")), Price(D(2)), None, Price(D(2)), True, False),  # incl unknown
        (Price(D(3), D("3.3")), Price(D(2)), None, Price(D(3), D("3.3")), False, False),
        (Price(D(9), D("9.9")), None, Price(D(5), D(6)), Price(D(5), D(6)), False, True),
        (Price(D(9), D("9.9")), None, Price(D(5)), Price(D(5)), False, True),
        (Price(D(5), D(8)), None, Price(D(6), D(7)), Price(D(5), D(7)), False, True),  # incl only
        (Price(D(5), None), Price(D(1), D(1)), Price(D(9), D(9)), Price(D(5), None), False, False),
    ],
)
def test_price_limits(
    total: Price,
    minimum: Price | None,
    maximum: Price | None,
    expected: Price,
    raised: bool,
    lowered: bool,
) -> None:
    limited = apply_price_limits(total, minimum, maximum)

    assert (limited.price, limited.min_price_applied, limited.max_price_applied) == (
        expected,
        raised,
        lowered,
    )


def test_currency_of_the_charge_must_be_the_tariffs() -> None:
    energy = tariff(element(component("ENERGY", "0.25")))

    with pytest.raises(
        CurrencyMismatchError, match="the charge is in CHF but tariff 'T1' is in EUR"
    ):
        price_charge(
            energy, charge("2024-05-01 10:00", "UTC", charging(60, 1), currency="CHF"), "UTC"
        )
