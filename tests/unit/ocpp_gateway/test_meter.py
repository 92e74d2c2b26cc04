"""Meter values: which sample, which unit (ocpp-bridge.md §2.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ocpi_cpo.ocpp_gateway.meter import begin_register, parse_meter_value, parse_meter_values

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
E = "Energy.Active.Import.Register"


def _register(*sampled: dict[str, Any]) -> Decimal | None:
    return parse_meter_value(
        {"timestamp": "2026-11-24T08:00:00Z", "sampled_value": list(sampled)}, NOW
    ).register_wh


@pytest.mark.parametrize(
    ("sampled", "wh"),
    [
        ({"value": "1234"}, Decimal(1234)),  # 1.6: no measurand = energy register, Wh default
        ({"value": "1234", "measurand": E, "unit": "Wh"}, Decimal(1234)),
        ({"value": "1.234", "measurand": E, "unit": "kWh"}, Decimal(1234)),
        ({"value": 12.5, "measurand": E, "unit_of_measure": {"unit": "kWh"}}, Decimal(12500)),
        (
            {"value": 1.5, "measurand": E, "unit_of_measure": {"unit": "Wh", "multiplier": 3}},
            Decimal(1500),
        ),
        (
            {"value": 150, "measurand": E, "unit_of_measure": {"unit": "Wh", "multiplier": 1}},
            Decimal(1500),
        ),
        ({"value": 0.1, "measurand": E, "unit_of_measure": {"unit": "kWh"}}, Decimal("100.0")),
        ({"value": "12", "measurand": E, "phase": "L1"}, None),  # per phase: skipped
        ({"value": "12", "measurand": E, "location": "EV"}, None),
        ({"value": "12", "measurand": E, "location": "Inlet"}, None),
        ({"value": "12", "measurand": E, "location": "Outlet"}, Decimal(12)),
        ({"value": "12", "measurand": "Energy.Active.Export.Register"}, None),
        ({"value": "12", "measurand": E, "unit": "varh"}, None),
        ({"value": "not a number", "measurand": E}, None),
    ],
)
def test_energy_register(sampled: dict[str, Any], wh: Decimal | None) -> None:
    assert _register(sampled) == wh


def test_phases_skipped_and_total_kept() -> None:
    assert _register(
        {"value": "5", "measurand": E, "phase": "L1"},
        {"value": "7", "measurand": E, "phase": "L2"},
        {"value": "0.012", "measurand": E, "unit": "kWh"},
    ) == Decimal(12)


def test_power_current_soc_and_signed() -> None:
    sample = parse_meter_value(
        {
            "timestamp": "2026-11-24T08:00:00+01:00",
            "sampled_value": [
                {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
                {"value": "32", "measurand": "Current.Import"},
                {"value": "16", "measurand": "Current.Import", "phase": "L1"},
                {"value": "55", "measurand": "SoC", "location": "EV", "unit": "Percent"},
                {"value": "AABB", "format": "SignedData", "context": "Transaction.Begin"},
            ],
        },
        NOW,
    )
    assert sample.at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert (sample.power_w, sample.current_a, sample.state_of_charge) == (
        Decimal("7400.0"),
        Decimal(32),
        Decimal(55),
    )
    assert sample.register_wh is None
    assert [(s.nature, s.signed_data) for s in sample.signed] == [("Start", "AABB")]


def test_begin_register_prefers_transaction_begin() -> None:
    samples = parse_meter_values(
        [
            {
                "timestamp": "2026-11-24T08:00:01Z",
                "sampled_value": [{"value": "900", "context": "Transaction.Begin"}],
            },
            {"timestamp": "2026-11-24T08:00:00Z", "sampled_value": [{"value": "800"}]},
        ],
        NOW,
    )
    assert [s.register_wh for s in samples] == [Decimal(800), Decimal(900)]  # by time
    assert begin_register(samples) == Decimal(900)
    assert begin_register(samples[:1]) == Decimal(800)
    assert begin_register([]) is None
