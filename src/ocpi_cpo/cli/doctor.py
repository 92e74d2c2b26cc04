"""``ocpi-cpo doctor [--json]``: is this installation ready? (issue 22 item 4)

One line per check, ``ok``, ``warn`` or ``fail`` with the reason; the exit code is 1 when a check
fails. The checks: the settings; the database (reachable, schema at the newest revision, takes a
write); ``public_url`` (https:// under the Gireve profiles, its TLS certificate and the days left,
our own versions endpoint answering); each partner (its versions URL answering with our token, the
agreed version offered, its queue: last delivery, pending, dead letters); stations offline; the
clock against partners' ``Date`` headers; the open-file limit against the stations configured.
Storage is read through ``services.doctor`` and ``services.https_rule``; nothing is changed (the
write check is rolled back). docs/deployment.md ("Before starting") says what each line means.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ocpi_cpo.cli.common import EXIT_FAILURE

if TYPE_CHECKING:
    from ocpi_cpo.config import Settings
    from ocpi_cpo.ocpi.transport import Transport
    from ocpi_cpo.services.doctor import Facts, PartnerFacts

OK, WARN, FAIL = "ok", "warn", "fail"
#: a clock this far from a partner's Date header (1 s resolution) is worth a look, then wrong
SKEW_WARN = timedelta(seconds=5)
SKEW_FAIL = timedelta(seconds=60)
#: a certificate expiring within this many days is worth a look
CERT_WARN_DAYS = 21


@dataclass(frozen=True, slots=True)
class Check:
    check: str
    status: str
    reason: str


def doctor(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Check the settings, database, public_url, partners, stations, clock and file limit."""
    import asyncio

    checks = asyncio.run(_checks(ctx.find_root().obj or {}))
    if json:
        import orjson

        typer.echo(orjson.dumps([asdict(c) for c in checks]).decode())
    else:
        for c in checks:
            typer.echo(f"{c.status:<4}  {c.check}: {c.reason}")
        counts = {s: sum(1 for c in checks if c.status == s) for s in (OK, WARN, FAIL)}
        typer.echo(f"{counts[OK]} ok, {counts[WARN]} warnings, {counts[FAIL]} failures")
    if any(c.status == FAIL for c in checks):
        raise typer.Exit(EXIT_FAILURE)


async def _checks(options: dict[str, Any]) -> list[Check]:
    from ocpi_cpo.config import SettingsError, load_settings

    config: Path | None = options.get("config")
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        return [Check("settings", FAIL, line) for line in exc.lines]
    checks = [_settings_check(settings, config)]
    database, facts = await _database_checks(settings)
    checks += database
    from ocpi_cpo.outbound.transport import AiohttpTransport

    transport = AiohttpTransport(client_tls=settings.client_tls)
    try:
        checks += await _public_url_checks(settings, facts, transport)
        if facts is not None:
            checks += await _partner_checks(settings, facts, transport)
            checks.append(_stations_check(settings, facts))
        else:
            checks.append(Check("partners", WARN, "not checked: the database is not ready"))
    finally:
        await transport.close()
    checks.append(_files_check(facts))
    return checks


def _settings_check(settings: Settings, config: Path | None) -> Check:
    if config is not None:
        source = str(config)
    elif Path("ocpi-cpo.toml").is_file():
        source = "./ocpi-cpo.toml"
    else:
        source = "no ocpi-cpo.toml: defaults and OCPI_CPO_* variables"
    if not settings.operations:
        return Check(
            "settings", FAIL, f"{source}: operations is empty; serve needs one [[operations]]"
        )
    operations = ", ".join(o.operator_id for o in settings.operations)
    if settings.admin_token_sha256 is None:
        return Check(
            "settings",
            WARN,
            f"{source}: operations {operations}; no admin_token: the admin API and console are off",
        )
    return Check("settings", OK, f"{source}: operations {operations}")


async def _database_checks(settings: Settings) -> tuple[list[Check], Facts | None]:
    """Reachable, at the newest revision, takes a write; the facts when all three hold."""
    from ocpi_cpo.services import doctor as service
    from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
    from ocpi_cpo.storage.sql.revision import applied_revision, quick_head

    kind = "SQLite" if settings.is_sqlite else "PostgreSQL"
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        reason = f"no SQLite file at {missing}: run 'ocpi-cpo db upgrade' (serve creates it too)"
        return [Check("database", FAIL, reason)], None
    storage = SqlStorage(create_engine(settings.database_url, pool_size=2))
    try:
        try:
            current = await _within(applied_revision(storage.engine), 10)
        except Exception as exc:  # what a driver raises varies: the reason is the message
            return [Check("database", FAIL, f"{kind} not reachable: {_short(exc)}")], None
        checks = [Check("database", OK, f"{kind} reachable")]
        head = quick_head()
        if current != head:
            checks.append(
                Check(
                    "database schema",
                    FAIL,
                    f"at revision {current or 'nothing (empty database)'}, this version needs"
                    f" {head}: run 'ocpi-cpo db upgrade'",
                )
            )
            return checks, None
        checks.append(Check("database schema", OK, f"at revision {head}, the newest"))
        try:
            await service.takes_a_write(storage, datetime.now(UTC))
        except Exception as exc:  # read-only file, role without INSERT, full disk...
            checks.append(Check("database write", FAIL, f"a write was refused: {_short(exc)}"))
            return checks, None
        checks.append(Check("database write", OK, "takes a write (rolled back)"))
        return checks, await service.facts(storage)
    finally:
        await storage.close()


async def _within(awaitable: Any, seconds: float) -> Any:
    import asyncio

    return await asyncio.wait_for(awaitable, seconds)


def _missing_sqlite_file(settings: Settings) -> str | None:
    """The SQLite file's path when it does not exist (connecting would create an empty one)."""
    if not settings.is_sqlite:
        return None
    path = settings.database_url.split(":///", 1)[-1]
    if path and path != ":memory:" and not Path(path).is_file():
        return path
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _requires_https(facts: Facts | None) -> list[str]:
    """Names of the profiles on record that want https:// (Gireve)."""
    from ocpi_cpo.domain.partners import get_profile

    if facts is None:
        return []
    return sorted(
        {
            f.partner.profile_name
            for f in facts.partners
            if get_profile(f.partner.profile_name).requires_https
        }
    )


async def _public_url_checks(
    settings: Settings, facts: Facts | None, transport: Transport
) -> list[Check]:
    url = settings.public_url
    profiles = _requires_https(facts)
    checks: list[Check] = []
    if url.startswith("https://"):
        checks.append(Check("public_url", OK, f"{url} is https://"))
        checks.append(await _certificate_check(settings))
    elif profiles and not settings.allow_insecure_http:
        checks.append(
            Check(
                "public_url",
                FAIL,
                f"{url} is plain http: profile {', '.join(profiles)} requires https:// (serve"
                " refuses to start)",
            )
        )
    elif profiles:
        checks.append(
            Check("public_url", OK, f"{url} is plain http, allowed for a lab (allow_insecure_http)")
        )
    else:
        checks.append(
            Check("public_url", WARN, f"{url} is plain http: the Gireve profiles need https://")
        )
    checks.append(await _versions_check(settings, transport))
    return checks


async def _certificate_check(settings: Settings) -> Check:
    import asyncio
    import contextlib
    import ssl
    from urllib.parse import urlsplit

    from ocpi_cpo.outbound.transport import client_ssl_contexts

    url = settings.public_url
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = (
        next(
            (c for prefix, c in client_ssl_contexts(settings.client_tls) if url.startswith(prefix)),
            None,
        )
        or ssl.create_default_context()
    )
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host), 10
        )
    except ssl.SSLCertVerificationError as exc:
        return Check("certificate", FAIL, f"{host}:{port}: not valid: {exc.verify_message}")
    except (OSError, TimeoutError) as exc:
        return Check("certificate", FAIL, f"{host}:{port}: no TLS connection: {_short(exc)}")
    peer = writer.get_extra_info("peercert") or {}
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):  # a peer closing first is no problem here
        await writer.wait_closed()
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(peer["notAfter"])), UTC)
    days = (not_after - datetime.now(UTC)).days
    reason = f"{host}:{port}: valid until {not_after:%Y-%m-%d}, {days} days to expiry"
    if days < CERT_WARN_DAYS:
        return Check("certificate", WARN, f"{reason}: renew it")
    return Check("certificate", OK, reason)


async def _versions_check(settings: Settings, transport: Transport) -> Check:
    """Our own versions endpoint answers through public_url (an OCPI envelope, even the refusal
    of a call without a valid token, shows it is us)."""
    from ocpi_cpo.ocpi.transport import TransportError

    url = settings.versions_url
    try:
        reply = await transport.send("GET", url, token="ocpi-cpo-doctor", timeout=10)
    except TransportError as exc:
        return Check("versions endpoint", FAIL, str(exc))
    if reply.ocpi_status is None:
        return Check("versions endpoint", FAIL, f"{url}: {reply.problem()}: is it us?")
    return Check(
        "versions endpoint",
        OK,
        f"{url} answers (HTTP {reply.http_status}, OCPI {reply.ocpi_status} without a token)",
    )


async def _partner_checks(settings: Settings, facts: Facts, transport: Transport) -> list[Check]:
    import asyncio

    results = await asyncio.gather(
        *(_partner_check(settings, f, transport) for f in facts.partners)
    )
    checks: list[Check] = []
    skews: list[tuple[str, timedelta]] = []
    for partner_facts, (check, skew) in zip(facts.partners, results, strict=True):
        checks.append(check)
        checks.append(_queue_check(partner_facts))
        if skew is not None:
            skews.append((partner_facts.partner.name, skew))
    checks.append(_clock_check(skews, bool(facts.partners)))
    return checks


async def _partner_check(
    settings: Settings, facts: PartnerFacts, transport: Transport
) -> tuple[Check, timedelta | None]:
    import time
    from email.utils import parsedate_to_datetime

    from ocpi_cpo.domain.partners import PartnerState
    from ocpi_cpo.ocpi.transport import TransportError

    partner = facts.partner
    name = f"partner {partner.name}"
    if partner.state is not PartnerState.REGISTERED:
        return Check(name, WARN, f"{partner.state.value.lower()}, not registered yet"), None
    if partner.versions_url is None or partner.outbound_token is None:
        return Check(name, FAIL, "registered without a versions URL or token on record"), None
    sent = time.time()
    try:
        reply = await transport.send(
            "GET",
            partner.versions_url,
            token=partner.outbound_token,
            token_base64=partner.token_base64,
            timeout=min(settings.partner_timeout, 10.0),
        )
    except TransportError as exc:
        return Check(name, FAIL, f"versions URL not reachable: {exc}"), None
    skew = _skew(reply.headers.get("date"), sent, time.time(), parsedate_to_datetime)
    if not reply.ok:
        return Check(name, FAIL, f"versions URL refused our token: {reply.problem()}"), skew
    offered = sorted(
        str(v.get("version")) for v in (reply.data or []) if isinstance(v, dict) and "version" in v
    )
    if partner.version not in offered:
        return (
            Check(
                name,
                FAIL,
                f"agreed OCPI {partner.version}, the partner now offers {', '.join(offered) or 'none'}",
            ),
            skew,
        )
    return (
        Check(
            name,
            OK,
            f"versions URL answers with our token ({reply.latency_ms:.0f} ms), OCPI"
            f" {partner.version} agreed and offered",
        ),
        skew,
    )


def _skew(header: str | None, sent: float, received: float, parse: Any) -> timedelta | None:
    """Their clock minus ours at the middle of the exchange (None without a usable Date)."""
    if not header:
        return None
    try:
        theirs: datetime = parse(header)
    except (TypeError, ValueError):
        return None
    ours = datetime.fromtimestamp((sent + received) / 2, UTC)
    return theirs - ours


def _queue_check(facts: PartnerFacts) -> Check:
    name = f"partner {facts.partner.name} queue"
    last = f"{facts.last_delivered:%Y-%m-%d %H:%M:%S} UTC" if facts.last_delivered else "never"
    reason = f"last delivery {last}, {facts.pending} pending, {facts.dead} dead letters"
    delivery = facts.delivery
    if delivery is not None and not delivery.available:
        since = f"{delivery.down_since:%Y-%m-%d %H:%M:%S}" if delivery.down_since else "?"
        return Check(
            name,
            WARN,
            f"{reason}; down since {since} UTC ({delivery.last_error or 'no answer'})",
        )
    if facts.dead:
        return Check(
            name, WARN, f"{reason}: see 'ocpi-cpo outbox list --state DEAD' and 'outbox retry'"
        )
    return Check(name, OK, reason)


def _clock_check(skews: list[tuple[str, timedelta]], any_partner: bool) -> Check:
    if not skews:
        if any_partner:
            return Check("clock", WARN, "no partner answered with a Date header: not compared")
        return Check("clock", OK, "no partner to compare with")
    name, worst = max(skews, key=lambda pair: abs(pair[1]))
    seconds = worst.total_seconds()
    reason = f"largest difference {seconds:+.0f} s ({name}'s Date header minus our clock)"
    if abs(worst) > SKEW_FAIL:
        return Check("clock", FAIL, f"{reason}: synchronise the clock (NTP)")
    if abs(worst) > SKEW_WARN:
        return Check("clock", WARN, f"{reason}: check NTP")
    return Check("clock", OK, reason)


def _stations_check(settings: Settings, facts: Facts) -> Check:
    if not facts.stations:
        return Check("stations", OK, "no station configured")
    grace = timedelta(seconds=settings.ocpp.heartbeat_interval * settings.ocpp.heartbeat_grace)
    now = datetime.now(UTC)
    offline = sorted(s.station_id for s in facts.stations if not s.is_connected(now, grace))
    total = len(facts.stations)
    if not offline:
        return Check("stations", OK, f"{total} stations, all connected")
    shown = ", ".join(offline[:5]) + (f" and {len(offline) - 5} more" if len(offline) > 5 else "")
    return Check("stations", WARN, f"{len(offline)} of {total} stations offline: {shown}")


def _files_check(facts: Facts | None) -> Check:
    from ocpi_cpo import open_files

    enough, reason = open_files.check(len(facts.stations) if facts is not None else 0)
    return Check("open files", OK if enough else FAIL, reason)
