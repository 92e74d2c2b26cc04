"""load_settings validates the file's values itself when the environment names no setting, and
through pydantic-settings otherwise (config.py): both ways must give the same settings, or the
same error lines, for the same values."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pydantic import ValidationError

from ocpi_cpo.config import Settings, SettingsError, _describe, load_settings
from ocpi_cpo.config_environment import EnvironmentSettings

TOKEN = "admin-token-0123456789abcdef"

CASES: list[dict[str, Any]] = [
    {},
    {
        "database_url": "postgresql+asyncpg://u@h/db",
        "public_url": "https://cpo.example.com/",
        "port": "8081",
        "admin_token": TOKEN,
        "business_details": {"name": "AB1", "website": "https://ab1.example.com"},
        "operations": [
            {"operator_id": "FRAB1", "name": "AB1"},
            {"operator_id": "FR*AB2", "name": "AB2", "network_group": "g", "advenir": True},
        ],
        "page_limits": {"locations": 10},
        "outbox": {"batch_size": 20, "lease_seconds": "12.5"},
        "reconcile": {"time_of_day": "04:30", "interval_hours": 6},
        "ocpp": {"heartbeat_interval": 60, "tls": {"client_ca_file": "ca.pem"}},
        "smart_charging": {"site_limits": {"L1": 22}, "green_windows": ["09:00-15:00"]},
        "pricing": {"total_decimals": 4},
        "tls": {"cert_file": "c.pem", "key_file": "k.pem"},
        "client_tls": [{"url_prefix": "https://hub.example.com", "cert_file": "c.pem"}],
        "allow_insecure_http": "true",
        "log_level": "debug",
        "partner_timeout": 5,
    },
    {"port": 0},
    {"port": "not-a-port", "host": 1},
    {"public_url": "ftp://cpo"},
    {"database_url": "mysql://u@h/db"},
    {"admin_token": "short-secret"},
    {"admin_token": TOKEN, "admin_token_file": "token.txt"},
    {"operations": [{"operator_id": "FRAB", "name": "x"}]},
    {"operations": [{"operator_id": "FRAB1", "name": "a"}, {"operator_id": "FR*AB1", "name": "b"}]},
    {"operations": [{"operator_id": "FRAB1"}]},
    {"outbox": {"batch_size": 0, "bogus": 1}},
    {"ocpp": {"tls": {"client_ca_file": "ca.pem", "cert_file": "c.pem"}}},
    {"smart_charging": {"site_limits": {"L1": 0}, "green_windows": ["late"]}},
    {"pricing": {"total_decimals": 3}},
    {"log_level": "trace", "reconcile": {"time_of_day": "25:00"}},
    {"business_details": "AB1"},
]


def _via_pydantic_settings(values: dict[str, Any]) -> dict[str, Any] | list[str]:
    try:
        return EnvironmentSettings(**values).model_dump()
    except ValidationError as exc:
        return [_describe(e) for e in exc.errors()]


def _via_load_settings(values: dict[str, Any]) -> dict[str, Any] | list[str]:
    try:
        settings = load_settings(**values)
    except SettingsError as exc:
        return exc.lines
    assert type(settings) is Settings, "no setting in the environment: pydantic-settings unused"
    return settings.model_dump()


@pytest.fixture(autouse=True)
def _no_setting_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in os.environ:
        if name.upper().startswith("OCPI_CPO_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("values", CASES)
def test_without_the_environment_settings_are_those_of_pydantic_settings(
    values: dict[str, Any],
) -> None:
    assert _via_load_settings(values) == _via_pydantic_settings(values)


def test_a_variable_naming_a_setting_goes_through_pydantic_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OCPI_CPO_BENCH_QUICK", "1")  # names no setting: ignored alike
    assert type(load_settings()) is Settings
    monkeypatch.setenv("ocpi_cpo_page_limits__locations", "5")
    settings = load_settings(page_limits={"sessions": 7})
    assert isinstance(settings, EnvironmentSettings)
    assert (settings.page_limits.locations, settings.page_limits.sessions) == (5, 7)
    monkeypatch.setenv("OCPI_CPO_PORT", "0")
    with pytest.raises(SettingsError) as raised:
        load_settings(port=8080)
    assert raised.value.lines == [
        "setting port = '0' is invalid: Input should be greater than or equal to 1"
    ]


def test_a_nested_settings_variable_that_is_not_json_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clear error and exit 2 from the CLI, not pydantic-settings' traceback."""
    monkeypatch.setenv("OCPI_CPO_OPERATIONS", "x")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    [line] = raised.value.lines
    assert '"operations"' in line and "Expecting value" in line, line


def test_a_key_that_is_not_a_settings_name_goes_through_pydantic_settings() -> None:
    """pydantic-settings matches the file's top-level keys whatever their case (and refuses
    what matches nothing): kept as it was."""
    url = "sqlite+aiosqlite:///x.db"
    settings = load_settings(DATABASE_URL=url)
    assert isinstance(settings, EnvironmentSettings) and settings.database_url == url
    with pytest.raises(SettingsError) as raised:
        load_settings(prot=1)
    assert raised.value.lines == ["unknown setting prot: remove it or check its spelling"]


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        load_settings().port = 1  # type: ignore[misc]
