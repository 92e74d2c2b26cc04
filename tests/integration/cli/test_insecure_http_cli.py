"""The Gireve profiles refuse http:// (issue 22 item 7): ``public_url`` and the partner's URLs,
at registration (``partners invite/register/update``) and at start-up (``serve``), exit 2 naming
the key, unless ``allow_insecure_http = true`` (a lab)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.support.partners import register_partner
from tests.support.processes import cli, free_port, write_config


def _config(tmp_path: Path, *, allow: bool, public_url: str | None = None) -> Path:
    port = free_port()
    config = write_config(
        tmp_path / f"c-{allow}-{public_url is None}.toml",
        port=port,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        allow_insecure_http=allow,
    )
    if public_url is not None:
        text = config.read_text().replace(f'"http://127.0.0.1:{port}"', f'"{public_url}"')
        config.write_text(text)
    return config


def _partners(config: Path) -> list[dict[str, object]]:
    listed = cli("partners", "list", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    partners: list[dict[str, object]] = orjson.loads(listed.stdout)
    return partners


def test_invite_refuses_http_public_url_under_gireve(tmp_path: Path) -> None:
    config = _config(tmp_path, allow=False)
    done = cli("partners", "invite", "hub", "--profile", "gireve-preprod", config=config)
    assert done.returncode == 2, done.stderr
    assert "public_url = 'http://127.0.0.1:" in done.stderr
    assert "profile gireve-preprod requires https://" in done.stderr
    assert "allow_insecure_http = true" in done.stderr
    assert "Traceback" not in done.stderr
    assert _partners(config) == []  # nothing stored
    # a plain OCPI partner may use http (the rule is the Gireve profiles')
    plain = cli("partners", "invite", "peer", "--profile", "ocpi-2.2.1", config=config)
    assert plain.returncode == 0, plain.stderr
    # production too
    prod = cli("partners", "invite", "iop", "--profile", "gireve-prod", config=config)
    assert prod.returncode == 2
    assert "profile gireve-prod requires https://" in prod.stderr


def test_lab_setting_allows_http(tmp_path: Path) -> None:
    config = _config(tmp_path, allow=True)
    done = cli("partners", "invite", "hub", "--profile", "gireve-preprod", config=config)
    assert done.returncode == 0, done.stderr
    assert [p["name"] for p in _partners(config)] == ["hub"]


def test_register_refuses_http_versions_url(tmp_path: Path) -> None:
    config = _config(tmp_path, allow=False, public_url="https://cpo.example")
    done = cli(
        "partners",
        "register",
        "hub",
        "--versions-url",
        "http://127.0.0.1:9/ocpi/versions",
        "--token",
        "t",
        "--profile",
        "gireve-preprod",
        config=config,
    )
    assert done.returncode == 2, done.stderr
    assert "--versions-url = 'http://127.0.0.1:9/ocpi/versions' is plain http" in done.stderr
    assert "public_url" not in done.stderr  # https already
    assert _partners(config) == []


def test_serve_refuses_gireve_partner_with_http_urls(tmp_path: Path) -> None:
    lab = _config(tmp_path, allow=True)
    assert cli("db", "upgrade", config=lab).returncode == 0
    storage = SqlStorage(create_engine(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"))

    async def _register() -> None:
        try:
            await register_partner(storage, "http://127.0.0.1:9", name="hub")
        finally:
            await storage.close()

    asyncio.run(_register())
    strict = _config(tmp_path, allow=False, public_url="https://cpo.example")
    done = cli("serve", config=strict, timeout=30)
    assert done.returncode == 2, done.stderr
    assert "partner hub versions_url = 'http://127.0.0.1:9/ocpi/versions'" in done.stderr
    assert "partner hub endpoint locations RECEIVER = " in done.stderr
    assert "public_url" not in done.stderr.replace("versions_url", "")
    # our own http public_url is named too
    both = _config(tmp_path, allow=False)
    again = cli("serve", config=both, timeout=30)
    assert again.returncode == 2
    assert "public_url = 'http://127.0.0.1:" in again.stderr
    # update names the partner's stored URL before anything else
    update = cli("partners", "update", "hub", config=strict)
    assert update.returncode == 2, update.stderr
    assert "partner hub versions_url" in update.stderr
