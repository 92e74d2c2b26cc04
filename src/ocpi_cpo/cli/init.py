"""``ocpi-cpo init``: write a commented ``ocpi-cpo.toml`` from flags or prompts (issue 22 item 3).

The file is checked with the same rules as start-up before it is written (a bad value exits 2
naming the key, nothing written); it gets a fresh admin token and mode 0600, and an existing
file is kept unless ``--force``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ocpi_cpo.cli.common import EXIT_USAGE, fail

TEMPLATE = """\
# ocpi-cpo settings, written by `ocpi-cpo init`. Every key can be overridden by an OCPI_CPO_*
# environment variable (nested keys with __, e.g. OCPI_CPO_PAGE_LIMITS__LOCATIONS=10).

# Where the data lives: sqlite+aiosqlite:///PATH on one machine, postgresql+asyncpg://USER@HOST/DB
# when you grow (then run `ocpi-cpo db upgrade` before each new version).
database_url = {database_url}

# Where partners reach us (the reverse proxy's address in production). The Gireve profiles
# refuse http:// here and in partner URLs (serve and partners invite/register/update exit 2);
# for a lab on 127.0.0.1 only, uncomment:
# allow_insecure_http = true
public_url = {public_url}
host = "127.0.0.1"
port = 8080
# The reverse proxies or load balancers in front of serve: from them the client's address is
# read from X-Forwarded-For (per-address limits, logs). A balancer on another machine goes here.
# trusted_proxies = ["127.0.0.1", "::1"]

# The admin API and console token: a secret, generated for this installation. Keep this file
# readable by the service only (it was written with mode 0600), or move the token to
# admin_token_file.
admin_token = {admin_token}

[business_details]
name = {name}

# One [[operations]] per eMI3 Operator Id (one OCPI CPO party each); add more as you need.
[[operations]]
operator_id = {operator_id}
name = {name}
"""


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render(operator_id: str, name: str, public_url: str, database_url: str, token: str) -> str:
    return TEMPLATE.format(
        operator_id=_quoted(operator_id),
        name=_quoted(name),
        public_url=_quoted(public_url.rstrip("/")),
        database_url=_quoted(database_url),
        admin_token=_quoted(token),
    )


def _checked(text: str) -> None:
    """The same checks as start-up: exit 2 with one line per bad key, nothing written."""
    from ocpi_cpo.config import SettingsError, load_settings

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ocpi-cpo.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_settings(path)
        except SettingsError as exc:
            for line in exc.lines:
                typer.echo(f"ocpi-cpo: {line}", err=True)
            fail("nothing written: fix the value(s) above", EXIT_USAGE)


def init(
    ctx: typer.Context,
    operator_id: Annotated[
        str, typer.Option("--operator-id", prompt="eMI3 Operator Id (e.g. FR*AB1)")
    ],
    name: Annotated[str, typer.Option("--name", prompt="Operator name")],
    public_url: Annotated[
        str,
        typer.Option("--public-url", prompt="Public URL partners reach (https://...)"),
    ],
    database_url: Annotated[
        str,
        typer.Option("--database-url", prompt="Database URL"),
    ] = "sqlite+aiosqlite:///./var/ocpi-cpo.db",
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
) -> None:
    """Write a commented ocpi-cpo.toml with a fresh admin token (never overwrites without --force)."""
    config: Path | None = (ctx.find_root().obj or {}).get("config")
    path = config if config is not None else Path("ocpi-cpo.toml")
    if path.exists() and not force:
        fail(f"{path} exists: nothing written (--force replaces it)", EXIT_USAGE)
    text = render(operator_id, name, public_url, database_url, secrets.token_urlsafe(32))
    _checked(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)
    shown = f" --config {path}" if config is not None else ""
    typer.echo(f"wrote {path} (mode 0600; its admin_token is the admin API and console secret)")
    typer.echo("next steps:")
    typer.echo(f"  ocpi-cpo{shown} db upgrade                 # create the schema")
    typer.echo(
        f"  ocpi-cpo{shown} serve                      # OCPI at {public_url.rstrip('/')}/ocpi/versions"
    )
    typer.echo(f"  ocpi-cpo{shown} partners invite gireve --profile gireve-preprod")
    typer.echo(f"  ocpi-cpo{shown} locations import FILE.json # your Locations")
