"""[pricing] total_decimals = 4: the Session's running total and the CDR carry four decimals, and
the parts still add up; unset, the currency's minor unit (2 for EUR)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.config import SettingsError
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted, TransactionStopped
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import UID, at, deliver, ready
from tests.support.factories import make_settings

PARTS = (
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


async def charge(network: Network, decimals: int | None, transaction_id: str) -> dict[str, object]:
    settings = make_settings(network.settings.database_url, pricing={"total_decimals": decimals})
    app = create_app(
        settings, clock=SystemClock(), storage=network.storage, transport=network.transport
    )
    pipe = app.state.station_events
    assert (await pipe.authorize(AuthorizationRequest("ST1", "E1-1", UID, "RFID"))).allowed
    await pipe.transaction_started(
        TransactionStarted("ST1", "E1-1", "1", transaction_id, UID, "RFID", Decimal(0), at(0))
    )
    # 1.234 kWh x 0.30 + 7 min x 1.20/h + 0.50 = 1.0102 excl. VAT
    await pipe.transaction_stopped(TransactionStopped("ST1", transaction_id, Decimal(1234), at(7)))
    await deliver(network)
    [cdr] = [c for c in network.hub_state.cdrs.values() if c["session_id"] not in SEEN]
    SEEN.add(str(cdr["session_id"]))
    return cdr


SEEN: set[str] = set()


async def test_four_decimals_when_asked(network: Network) -> None:
    SEEN.clear()
    await ready(network)
    cents = await charge(network, None, "T1")
    assert cents["total_cost"] == {"excl_vat": 1.01, "incl_vat": 1.21}
    four = await charge(network, 4, "T2")
    assert four["total_cost"] == {"excl_vat": 1.0102, "incl_vat": 1.2122}
    for cdr in (cents, four):
        for vat in ("excl_vat", "incl_vat"):
            parts = [Decimal(str(cdr[p][vat])) for p in PARTS if p in cdr]  # type: ignore[index]
            assert sum(parts, Decimal(0)) == Decimal(str(cdr["total_cost"][vat]))  # type: ignore[index]
    session = next(s for s in network.hub_state.sessions.values() if s["id"] == four["session_id"])
    assert session["total_cost"] == four["total_cost"]


def test_only_two_or_four() -> None:
    with pytest.raises(SettingsError):
        make_settings("sqlite+aiosqlite://", pricing={"total_decimals": 3})
