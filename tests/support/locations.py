"""Valid Locations for tests: they pass the wire model and every Gireve input rule."""

from __future__ import annotations

from typing import Any


def make_evse(
    operator: str, location: int, number: int, *, connectors: int = 2, status: str = "AVAILABLE"
) -> dict[str, Any]:
    party = operator.split("*")[1]
    # EVSE uids are unique within the platform: another operation's EVSEs get its party first
    uid = f"E{location}-{number}" if party == "AB1" else f"{party}-E{location}-{number}"
    return {
        "uid": uid,
        "evse_id": f"{operator}*E{location}N{number}",
        "status": status,
        "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        "connectors": [
            {
                "id": str(c),
                "standard": "IEC_62196_T2",
                "format": "SOCKET",
                "power_type": "AC_3_PHASE",
                "max_voltage": 230,
                "max_amperage": 32,
                "max_electric_power": 22000,
                "tariff_ids": ["AC22"],
                "last_updated": "2026-01-01T00:00:00Z",
            }
            for c in range(1, connectors + 1)
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }


def make_location(
    number: int,
    operator: str = "FR*AB1",
    *,
    evses: int = 2,
    connectors: int = 2,
    publish: bool = True,
    last_updated: str = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    country, party = operator.split("*")
    location: dict[str, Any] = {
        "country_code": country,
        "party_id": party,
        "id": f"LOC{number}",
        "publish": publish,
        "name": f"Station {number}",
        "address": f"{number} rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "FRA",
        "coordinates": {"latitude": "48.869100", "longitude": "2.331600"},
        "parking_type": "ON_STREET",
        "evses": [
            make_evse(operator, number, n, connectors=connectors) for n in range(1, evses + 1)
        ],
        "operator": {"name": "AB1 Charging"},
        "owner": {"name": "Ville de Paris"},
        "time_zone": "Europe/Paris",
        "last_updated": last_updated,
    }
    return location
