"""``ocpi-cpo price --tariff TARIFF.json --cdr CDR.json [--time-zone Europe/Paris]``.

Prints the CDR totals (docs/pricing.md) as JSON, so a CPO can check a tariff against a sample
charge before publishing it. Needs no settings and no database when ``--time-zone`` is given;
without it the zone of the stored location named in the CDR (``cdr_location.id``, or a
Session's ``location_id``) is used. Money is rounded once, at the end.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import orjson
import typer

from ocpi_cpo.cli.common import EXIT_USAGE, fail, run


def read_json(path: Path, what: str) -> object:
    """The file as JSON, numbers as Decimal; one clear line and exit 2 otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{what} file {path}: {exc.strerror or exc}", EXIT_USAGE)
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        fail(
            f"{what} file {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            EXIT_USAGE,
        )


def location_id_of(document: object) -> str | None:
    if not isinstance(document, dict):
        return None
    location = document.get("cdr_location")
    if isinstance(location, dict) and isinstance(location.get("id"), str):
        return str(location["id"])
    found = document.get("location_id")
    return found if isinstance(found, str) else None


def _stored_zone(ctx: typer.Context, location_id: str) -> str | None:
    from ocpi_cpo.config import SettingsError, load_settings
    from ocpi_cpo.storage.sql.engine import create_engine
    from ocpi_cpo.storage.sql.location_zones import location_time_zone

    try:
        settings = load_settings((ctx.obj or {}).get("config"))
    except SettingsError as exc:
        fail("; ".join(exc.lines), EXIT_USAGE)
    if settings.is_sqlite:
        path = settings.database_url.split(":///", 1)[-1]
        if not path or (path != ":memory:" and not os.path.exists(path)):
            return None

    async def _lookup() -> str | None:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await location_time_zone(engine, location_id)
        except OSError:
            return None
        finally:
            await engine.dispose()

    return run(_lookup())


def price(
    ctx: typer.Context,
    tariff: Annotated[Path, typer.Option("--tariff", help="an OCPI 2.2.1 Tariff (JSON file)")],
    cdr: Annotated[
        Path, typer.Option("--cdr", help="an OCPI 2.2.1 CDR or Session (JSON file); may be minimal")
    ],
    time_zone: Annotated[
        str | None,
        typer.Option(
            "--time-zone",
            help="IANA zone of the location, e.g. Europe/Paris (default: the stored location's)",
        ),
    ] = None,
) -> None:
    """Price a sample charge with a tariff and print the CDR totals as JSON."""
    from ocpi_cpo.domain.pricing import PricingError, price_document_result

    tariff_document = read_json(tariff, "tariff")
    cdr_document = read_json(cdr, "cdr")
    if time_zone is None:
        location_id = location_id_of(cdr_document)
        known = _stored_zone(ctx, location_id) if location_id else None
        if known is None:
            shown = location_id or "(none named in the CDR)"
            fail(
                f"no --time-zone given and location {shown} is not known: pass --time-zone",
                EXIT_USAGE,
            )
        time_zone = known
    try:
        result = price_document_result(tariff_document, cdr_document, time_zone)
    except PricingError as exc:
        fail(str(exc), EXIT_USAGE)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(orjson.dumps(result.to_cdr_totals(), option=orjson.OPT_INDENT_2).decode())
