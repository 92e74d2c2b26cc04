"""Settings and apps for API tests."""

from __future__ import annotations

from typing import Any

from ocpi_cpo.config import Settings, load_settings

CPO_HOST = "cpo.test"
HUB_HOST = "hub.test"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "public_url": f"http://{CPO_HOST}",
        "admin_token": "admin-token-0123456789abcdef",
        "business_details": {"name": "Test CPO", "website": "https://cpo.example"},
        "operations": [
            {"operator_id": "FR*AB1", "name": "AB1 Charging", "network_group": "g"},
            {"operator_id": "FR*AB2", "name": "AB2 Charging", "network_group": "g"},
        ],
    }
    # Off in tests: a test runs it by hand (outbound.reconcile.Reconciler).
    values["reconcile"] = {"enabled": False}
    values.update(overrides)
    return load_settings(**values)
