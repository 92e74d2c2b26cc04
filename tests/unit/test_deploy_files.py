"""What can be checked of the deployment files without a container engine (issue 22 item 6):
the compose file parses and runs PostgreSQL and two instances of the image, the Dockerfile
installs exactly the wheel CI builds (nothing else from the checkout), runs as a non-root user
and has a health check, and the settings file they mount loads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocpi_cpo.cli.main import COMMANDS
from ocpi_cpo.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_postgres_a_migration_and_two_instances() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "migrate", "cpo-a", "cpo-b"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert "healthcheck" in services["postgres"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    instances = [services["cpo-a"], services["cpo-b"]]
    urls = {i["environment"]["OCPI_CPO_DATABASE_URL"] for i in instances}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in next(iter(urls))
    for instance in instances:
        assert instance["image"].startswith("ocpi-cpo:")
        assert instance["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    ports = {p for i in instances for p in i["ports"]}
    assert len(ports) == 2


def test_compose_mounts_a_settings_file_that_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    volume = _compose()["services"]["cpo-a"]["volumes"][0]
    source, target, mode = volume.split(":")
    assert target == "/etc/ocpi-cpo/ocpi-cpo.toml" and mode == "ro"
    monkeypatch.setenv("OCPI_CPO_DATABASE_URL", "postgresql+asyncpg://u@postgres:5432/d")
    monkeypatch.setenv("OCPI_CPO_ADMIN_TOKEN", "an-admin-token-long-enough-0123456789")
    settings = load_settings(ROOT / source)
    assert settings.public_url.startswith("https://")
    assert settings.operations


def test_dockerfile_installs_only_the_wheel_as_non_root_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(None, 1) for line in text.replace("\\\n", " ").splitlines() if line.strip()
    ]
    instructions = [i for i in instructions if not i[0].startswith("#")]
    by_name: dict[str, list[str]] = {}
    for name, *rest in instructions:
        by_name.setdefault(name, []).append(rest[0] if rest else "")
    assert re.fullmatch(r"python:3\.11-slim", by_name["FROM"][0])
    copies = by_name.get("COPY", [])
    assert copies == ["dist/ocpi_cpo-*-py3-none-any.whl /tmp/"], "only the wheel CI builds"
    assert "ADD" not in by_name
    assert any("pip install /tmp/ocpi_cpo-" in run for run in by_name["RUN"])
    assert by_name["USER"] == ["ocpi-cpo"]
    assert "/health" in by_name["HEALTHCHECK"][0]
    assert '"ocpi-cpo"' in by_name["ENTRYPOINT"][0]
    assert '"serve"' in by_name["CMD"][0] and "serve" in COMMANDS
