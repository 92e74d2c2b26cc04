"""A charge across midnight or a daylight-saving change is priced with the local day and time of
its Location (Europe/Paris), the periods cut where the price can change (issue "Money right",
item 6): the last Sundays of March (clocks 02:00 -> 03:00) and October (03:00 -> 02:00)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted, TransactionStopped
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, admin_import
from tests.integration.api.sessions_support import UID, deliver, events, ready
from tests.support.locations import make_location

NIGHT_THEN_DAY: list[dict[str, Any]] = [  # 1.00/h from 00:00 to 03:00 local time, 10.00/h otherwise
    {
        "price_components": [{"type": "TIME", "price": 1.00, "vat": 20, "step_size": 1}],
        "restrictions": {"start_time": "00:00", "end_time": "03:00"},
    },
    {"price_components": [{"type": "TIME", "price": 10.00, "vat": 20, "step_size": 1}]},
]
SATURDAY_DEARER: list[dict[str, Any]] = [  # 10.00/h on Saturdays (local), 1.00/h otherwise
    {
        "price_components": [{"type": "TIME", "price": 10.00, "vat": 20, "step_size": 1}],
        "restrictions": {"day_of_week": ["SATURDAY"]},
    },
    {"price_components": [{"type": "TIME", "price": 1.00, "vat": 20, "step_size": 1}]},
]


async def priced_at(
    network: Network, elements: list[dict[str, Any]], start: datetime, stop: datetime
) -> dict[str, Any]:
    await ready(network)
    tariff = {
        "country_code": "FR",
        "party_id": "AB1",
        "id": "LOCAL",
        "currency": "EUR",
        "type": "REGULAR",
        "elements": elements,
        "start_date_time": "2026-01-01T00:00:00Z",
    }
    assert (await network.client.put("/admin/tariffs", headers=ADMIN, json=[tariff])).json()[
        "status_code"
    ] == 1000
    location = make_location(1)
    for evse in location["evses"]:
        for connector in evse["connectors"]:
            connector["tariff_ids"] = ["LOCAL"]
    imported = await admin_import(network, [location], allow_unknown_tariffs=False)
    assert imported.json()["status_code"] == 1000, imported.json()
    pipe = events(network)
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    await pipe.transaction_started(
        TransactionStarted("ST1", "E1-1", "1", "TX", UID, "RFID", Decimal(0), start)
    )
    await pipe.transaction_stopped(TransactionStopped("ST1", "TX", Decimal(3000), stop))
    await deliver(network)
    [cdr] = network.hub_state.cdrs.values()
    return cdr


def starts(cdr: dict[str, Any]) -> list[str]:
    return [p["start_date_time"] for p in cdr["charging_periods"]]


async def test_spring_forward_night(network: Network) -> None:
    # 01:00 CET (00:00 UTC) to 05:00 CEST (03:00 UTC) on 29 March 2026: 3 real hours; the clock
    # leaves the 00:00-03:00 window at 01:00 UTC (02:00 CET becomes 03:00 CEST)
    cdr = await priced_at(
        network,
        NIGHT_THEN_DAY,
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 0, tzinfo=UTC),
    )
    assert starts(cdr) == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"]
    assert cdr["total_time"] == 3
    assert cdr["total_cost"] == {"excl_vat": 21.0, "incl_vat": 25.2}  # 1 h x 1 + 2 h x 10
    assert [p["dimensions"][0]["volume"] for p in cdr["charging_periods"]] == [1, 2]  # kWh


async def test_fall_back_night(network: Network) -> None:
    # 01:00 CEST (23:00 UTC) to 04:00 CET (03:00 UTC) on 25 October 2026: 4 real hours; 02:00 to
    # 03:00 happens twice, so the window 00:00-03:00 lasts 3 real hours from the start
    cdr = await priced_at(
        network,
        NIGHT_THEN_DAY,
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
    )
    assert starts(cdr) == ["2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"]
    assert cdr["total_time"] == 4
    assert cdr["total_cost"] == {"excl_vat": 13.0, "incl_vat": 15.6}  # 3 h x 1 + 1 h x 10


async def test_across_midnight_the_local_day_changes(network: Network) -> None:
    # Friday 6 March 2026 23:00 CET (22:00 UTC) to Saturday 01:00 CET
    cdr = await priced_at(
        network,
        SATURDAY_DEARER,
        datetime(2026, 3, 6, 22, 0, tzinfo=UTC),
        datetime(2026, 3, 7, 0, 0, tzinfo=UTC),
    )
    assert starts(cdr) == ["2026-03-06T22:00:00Z", "2026-03-06T23:00:00Z"]
    assert cdr["total_cost"] == {"excl_vat": 11.0, "incl_vat": 13.2}  # Friday 1 h + Saturday 1 h
