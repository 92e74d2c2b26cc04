"""The demo's network: 25 Locations over two operations (so a hub sees several pages) and two
tariffs. Every object passes the OCPI models and Gireve's input rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

OPERATIONS = ("FR*AB1", "FR*AB2")
TARIFF_ID = "AC22"
PROMO_ID = "PROMO"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def operation_of(number: int) -> str:
    """The operation of Location ``number``: LOC1 and LOC2 (the stations') are FR*AB1's, then
    the two operations take turns."""
    return OPERATIONS[(number - 1) % 2] if number > 2 else OPERATIONS[0]


def location(number: int, now: datetime) -> dict[str, Any]:
    operator = operation_of(number)
    country, party = operator.split("*")
    stamp = _stamp(now - timedelta(days=1))
    evses = [
        {
            "uid": f"E{number}-{k}",
            "evse_id": f"{operator}*E{number}N{k}",
            "status": "UNKNOWN",
            "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 32,
                    "max_electric_power": 22000,
                    "tariff_ids": [TARIFF_ID],
                    "last_updated": stamp,
                }
            ],
            "last_updated": stamp,
        }
        for k in (1, 2)
    ]
    return {
        "country_code": country,
        "party_id": party,
        "id": f"LOC{number}",
        "publish": True,
        "name": f"Demo station {number}",
        "address": f"{number} avenue de la Recharge",
        "city": "Paris",
        "postal_code": "75011",
        "country": "FRA",
        "coordinates": {"latitude": f"48.85{number:04d}", "longitude": f"2.37{number:04d}"},
        "parking_type": "ON_STREET",
        "evses": evses,
        "operator": {"name": "AB Charging"},
        "owner": {"name": "Ville de Paris"},
        "time_zone": "Europe/Paris",
        "last_updated": stamp,
    }


def locations(count: int, now: datetime | None = None) -> list[dict[str, Any]]:
    moment = now or datetime.now(UTC)
    return [location(n, moment) for n in range(1, count + 1)]


def tariff(
    tariff_id: str, price: str, operator: str = "FR*AB1", now: datetime | None = None
) -> dict[str, Any]:
    moment = now or datetime.now(UTC)
    country, party = operator.split("*")
    return {
        "country_code": country,
        "party_id": party,
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": float(price), "vat": 20.0, "step_size": 1}
                ]
            },
            {"price_components": [{"type": "FLAT", "price": 0.5, "vat": 20.0, "step_size": 1}]},
        ],
        "start_date_time": _stamp(moment - timedelta(days=30)),
        "last_updated": _stamp(moment - timedelta(days=1)),
    }


def tariffs() -> list[dict[str, Any]]:
    """The tariff every connector names, for both operations (tariff ids are per party)."""
    return [tariff(TARIFF_ID, "0.30", operator) for operator in OPERATIONS]
