"""Settings: ``ocpi-cpo.toml`` (working directory or ``--config PATH``) overridden by ``OCPI_CPO_*``.

A bad setting stops start-up with one line per problem naming the key, the value and what is
expected (:class:`SettingsError`); the CLI turns it into exit code 2.

The environment is read by pydantic-settings (``config_environment``), imported only when a
variable names a setting: importing it costs about 50 ms of CPU here, a tenth of what an
everyday command may take (docs/architecture.md, "A fast CLI"). Without such a variable it would
pass the file's values on unchanged, so :class:`Settings` validates them itself, alike.

Empty lists and dicts are made by ``lambda: []`` rather than ``list``: building a model, Pydantic
reads the signature of each ``default_factory``, and a built-in's is parsed from its text by the
tokenizer, whose patterns are compiled on first use (about 14 million instructions, 1% of an
everyday command; docs/performance.md, "The CLI").
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from ocpi_cpo.domain.emi3 import Emi3Error, OperatorId
from ocpi_cpo.domain.json_path import json_path

DEFAULT_CONFIG_FILE = "ocpi-cpo.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/ocpi-cpo.db"
#: ``OCPI_CPO_PORT``, ``OCPI_CPO_PAGE_LIMITS__LOCATIONS``: a setting from the environment
ENV_PREFIX = "OCPI_CPO_"
ENV_NESTED_DELIMITER = "__"


class SettingsError(Exception):
    """Start-up cannot go on; ``lines`` says what is wrong, one line per bad setting."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _operator_id(value: str) -> str:
    try:
        return str(OperatorId.parse(value))
    except Emi3Error as exc:
        raise ValueError(str(exc)) from None


class BusinessDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    website: str | None = Field(default=None, max_length=255)
    logo_url: str | None = Field(default=None, max_length=255)


class Operation(BaseModel):
    """One CPO operation: one eMI3 Operator Id, hence one OCPI CPO party (gireve.md §6)."""

    model_config = ConfigDict(extra="forbid")

    operator_id: Annotated[str, AfterValidator(_operator_id)]
    name: str = Field(min_length=1, max_length=100)
    network_group: str | None = None
    website: str | None = Field(default=None, max_length=255)
    #: send anonymised Sessions and CDRs of charges that are not roaming (Advenir reporting
    #: through the hub, gireve.md §15), with the CdrToken of the ``[advenir]`` section
    advenir: bool = False

    @property
    def operator(self) -> OperatorId:
        return OperatorId.parse(self.operator_id)


class AdvenirSettings(BaseModel):
    """The anonymous CdrToken of Advenir Sessions and CDRs (gireve.md §15: "to be confirmed by
    Gireve during onboarding", hence settings)."""

    model_config = ConfigDict(extra="forbid")

    country_code: str = Field(default="$$", min_length=2, max_length=2)
    party_id: str = Field(default="ADV", min_length=3, max_length=3)
    uid: str = Field(default="12345671234567", min_length=1, max_length=36)
    type: str = Field(default="RFID", pattern=r"^(AD_HOC_USER|APP_USER|OTHER|RFID)$")
    contract_id: str = Field(default="Gireve2Advenir", min_length=1, max_length=36)


class PageLimits(BaseModel):
    """The largest page each Sender serves; lower them so a hub sees several pages (gireve.md §14.3)."""

    model_config = ConfigDict(extra="forbid")

    locations: int = Field(default=100, ge=1, le=1000)
    sessions: int = Field(default=100, ge=1, le=1000)
    cdrs: int = Field(default=100, ge=1, le=1000)
    tariffs: int = Field(default=100, ge=1, le=1000)
    tokens: int = Field(default=1000, ge=1, le=5000)
    hubclientinfo: int = Field(default=100, ge=1, le=1000)


class OutboxSettings(BaseModel):
    """Store-and-forward delivery (gireve.md §13)."""

    model_config = ConfigDict(extra="forbid")

    #: run the delivery worker inside `ocpi-cpo serve` (turn off when running `ocpi-cpo worker`s)
    worker_in_serve: bool = True
    #: messages claimed per round
    batch_size: int = Field(default=200, ge=1, le=5000)
    #: concurrent requests per partner (order per object is kept whatever this is)
    concurrency_per_partner: int = Field(default=16, ge=1, le=256)
    #: claimed batches in flight at once: what is committed while a batch is being sent is
    #: claimed at once rather than after it (order per object is kept whatever this is)
    rounds_in_flight: int = Field(default=4, ge=1, le=64)
    #: a claimed message not finished after this long is taken by another worker
    lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    #: how often a worker looks for due messages when nothing woke it
    poll_seconds: float = Field(default=0.05, gt=0, le=60)
    backoff_base_seconds: float = Field(default=1.0, gt=0, le=3600)
    backoff_cap_seconds: float = Field(default=300.0, gt=0, le=86400)
    #: a partner that is down (no answer, 5xx, 429, OCPI 3xxx) gets one probe, its oldest due
    #: message, at this interval doubling up to the cap (or its Retry-After): its backlog goes
    #: out within about ``probe_cap_seconds`` of its recovery, however long it was down
    probe_base_seconds: float = Field(default=0.5, gt=0, le=3600)
    probe_cap_seconds: float = Field(default=2.0, gt=0, le=3600)
    #: a message still undelivered after this long becomes a dead letter (never dropped)
    max_age_hours: float = Field(default=168.0, gt=0)
    #: objects a partner sync (initial push, ``partners sync``) queues at a time; the next batch
    #: waits until fewer than half of these are still pending, so live changes queued meanwhile
    #: are never behind more than about one batch
    sync_batch_size: int = Field(default=100, ge=1, le=5000)


class ReconcileSettings(BaseModel):
    """Scheduled reconciliation (issue 16 item 4; architecture.md, "Reconciliation"): the checks
    run against each partner and what differs is repaired with full PUTs. Nightly by default."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: the schedule's first run of a day, UTC ("03:00")
    time_of_day: time = time(3, 0)
    #: hours between runs from ``time_of_day`` (24: once a day; 6: at 03, 09, 15, 21 h)
    interval_hours: float = Field(default=24.0, gt=0, le=168)


def _check_networks(values: list[str]) -> list[str]:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)"
            ) from None
    return values


class OcppTlsSettings(BaseModel):
    """OCPP security profile 3 (docs/security.md, "Station certificates"): stations prove who they
    are with a client certificate from the CPO's CA whose CN is their station id."""

    model_config = ConfigDict(extra="forbid")

    #: the CA that issues station certificates (PEM; the issuing CA, an intermediate if you use one)
    client_ca_file: str
    #: our server certificate and key: serve then listens for stations with TLS on ``port``
    #: (certificates optional there, so profile 2 stations connect too). Without them, a reverse
    #: proxy terminates TLS and passes the certificate in ``client_cert_header``
    cert_file: str | None = None
    key_file: str | None = None
    #: the stations' TLS listener; ``host`` defaults to the top-level ``host``
    host: str | None = None
    port: int = Field(default=8443, ge=1, le=65535)
    #: the header in which a reverse proxy passes the client certificate (URL-encoded PEM, as
    #: nginx's $ssl_client_escaped_cert), read only from ``trusted_proxies``
    client_cert_header: str = Field(default="X-Client-Cert", pattern=r"^[A-Za-z0-9-]{1,64}$")
    #: addresses or networks of the reverse proxies; from anyone else the header is ignored
    trusted_proxies: Annotated[list[str], AfterValidator(_check_networks)] = Field(
        default_factory=lambda: []
    )

    @model_validator(mode="after")
    def _pair(self) -> OcppTlsSettings:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together (the stations' TLS listener)")
        return self


class OcppSettings(BaseModel):
    """The OCPP gateway (ocpp-bridge.md §1-2): stations at ws(s)://HOST:PORT/ocpp/{station_id}."""

    model_config = ConfigDict(extra="forbid")

    #: heartbeat interval given to stations in the BootNotification reply, seconds
    heartbeat_interval: int = Field(default=300, ge=1, le=86400)
    #: a station silent for this many intervals is reported offline (its EVSEs UNKNOWN)
    heartbeat_grace: float = Field(default=2.0, ge=1.0, le=10.0)
    #: a station whose connection closed is reported offline (its EVSEs UNKNOWN at partners)
    #: only when it is not back within this many seconds: a short drop, or a reconnect storm
    #: after a carrier outage, shows no flap at the hub (0: at once)
    offline_grace: float = Field(default=60.0, ge=0, le=3600)
    #: seconds between serve's websocket pings on each connection; one whose pong has not come
    #: ``ping_timeout`` seconds later is closed (a half-open link: a station without power, a
    #: carrier's NAT that forgot it). 0: no pings (the stations' own WebSocketPingInterval
    #: then). A ping costs the server a write and a read: 10,000 stations pinged every 20 s
    #: (uvicorn's default) took 5 % of a core (docs/performance.md)
    ping_interval: float = Field(default=60.0, ge=0, le=3600)
    ping_timeout: float = Field(default=20.0, gt=0, le=600)
    #: seconds a station may take to answer a command before the result is TIMEOUT
    command_timeout: float = Field(default=30.0, gt=0, le=300)
    #: after a reconnection without BootNotification, ask for StatusNotification this soon
    status_trigger_delay: float = Field(default=5.0, ge=0, le=300)
    #: connection attempts at the door (ocpp_gateway.door): per station id, a burst then a rate
    connection_burst_per_station: int = Field(default=10, ge=1, le=10_000)
    connections_per_minute_per_station: float = Field(default=6.0, gt=0, le=60_000)
    #: per source address (a site behind one NAT address holds many stations)
    connection_burst_per_address: int = Field(default=200, ge=1, le=100_000)
    connections_per_minute_per_address: float = Field(default=120.0, gt=0, le=600_000)
    #: attempts naming station ids we do not know, per source address (a scan of ids)
    unknown_id_burst_per_address: int = Field(default=10, ge=1, le=10_000)
    unknown_ids_per_minute_per_address: float = Field(default=6.0, gt=0, le=60_000)
    #: messages a connected station may send: a burst, then this rate; beyond, it is closed
    message_burst: int = Field(default=200, ge=1, le=100_000)
    messages_per_second: float = Field(default=20.0, gt=0, le=100_000)
    #: events of one station waiting for the services (statuses, transactions); when full, the
    #: station's next frames are left unread until there is room (its flood waits, not others)
    events_per_station: int = Field(default=100, ge=1, le=100_000)
    #: security profile 3: the CPO's CA, the stations' TLS listener, a proxy's certificate header
    tls: OcppTlsSettings | None = None


class TlsSettings(BaseModel):
    """TLS for `ocpi-cpo serve` (Gireve requires HTTPS and may use mutual TLS: gireve.md §3)."""

    model_config = ConfigDict(extra="forbid")

    cert_file: str
    key_file: str
    #: when set, clients must present a certificate signed by this CA (mutual TLS)
    client_ca_file: str | None = None


class ClientTls(BaseModel):
    """A client certificate (and optionally a CA) for our calls to URLs starting with url_prefix."""

    model_config = ConfigDict(extra="forbid")

    url_prefix: str = Field(pattern=r"^https://")
    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None


class LimitSettings(BaseModel):
    """What one caller may ask of us (issue "Security and robustness")."""

    model_config = ConfigDict(extra="forbid")

    #: largest request body on OCPI routes, bytes
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: largest request body on admin routes (location imports), bytes
    admin_max_body_bytes: int = Field(default=256 * 1_048_576, ge=1024)
    #: requests per second per partner (token bucket), and the bucket size
    partner_rate: float = Field(default=100.0, gt=0)
    partner_burst: int = Field(default=500, ge=1)
    #: seconds a client may take to send its request body
    body_timeout_seconds: float = Field(default=30.0, gt=0)


class CommandSettings(BaseModel):
    """Commands of eMSPs (mod_commands; ocpp-bridge.md §2.3)."""

    model_config = ConfigDict(extra="forbid")

    #: seconds we give the station to answer; then the result is TIMEOUT. The CommandResponse
    #: tells the eMSP this many seconds (rounded up) plus ``result_margin``
    timeout: float = Field(default=30.0, gt=0, le=300)
    #: seconds added to ``timeout`` in the CommandResponse for queueing and delivering the result
    result_margin: int = Field(default=10, ge=0, le=300)
    #: EVSEs whose station is not connected over OCPP are played by simulated stations (the demo
    #: and tests); keep false in production, where such EVSEs are offline
    simulate_stations: bool = False


ProfileTypeName = Literal["CHEAP", "FAST", "GREEN", "REGULAR"]
_PROFILE_TYPES: tuple[ProfileTypeName, ...] = ("CHEAP", "FAST", "GREEN", "REGULAR")


def _window(value: str) -> str:
    try:
        start, end = value.split("-")
        time.fromisoformat(start)
        time.fromisoformat(end)
    except ValueError:
        raise ValueError("a window is HH:MM-HH:MM (local time), e.g. 10:00-16:00") from None
    return value


class SmartChargingSettings(BaseModel):
    """Charging preferences into charging profiles at the stations (docs/smart-charging.md)."""

    model_config = ConfigDict(extra="forbid")

    #: off: preferences are recorded and answered ACCEPTED, nothing reaches the station
    enabled: bool = True
    #: seconds between two profiles sent to a station for one session; preferences arriving
    #: sooner are answered at once and the latest is sent when the interval has passed
    min_interval: float = Field(default=60.0, ge=0, le=86400)
    #: kW a Location's profiles may add up to, by Location id (absent: no site limit)
    site_limits: dict[str, float] = Field(default_factory=lambda: {})
    #: the ProfileTypes the EVSEs support; another is PROFILE_TYPE_NOT_SUPPORTED
    profile_types: list[ProfileTypeName] = Field(default_factory=lambda: list(_PROFILE_TYPES))
    #: local times when the energy is greenest (GREEN charges there first), e.g. solar hours
    green_windows: list[Annotated[str, AfterValidator(_window)]] = Field(
        default_factory=lambda: ["10:00-16:00"]
    )

    @field_validator("site_limits")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for location_id, kw in value.items():
            if kw <= 0:
                raise ValueError(f"{location_id}: a site limit is a number of kW above 0")
        return value


class PricingSettings(BaseModel):
    """How CDR and Session money totals are rounded (docs/pricing.md, "Rounding money")."""

    model_config = ConfigDict(extra="forbid")

    #: decimals of every money total; unset: the currency's ISO 4217 minor unit (2 for EUR).
    #: 4 for partners who want four decimals. The parts always add up to total_cost.
    total_decimals: Literal[2, 4] | None = None


class Settings(BaseModel):
    """Every setting, validated; :func:`load_settings` makes them from the file and the environment."""

    # What pydantic-settings' BaseSettings sets for validation, so that both ways through
    # load_settings validate alike (config_environment.EnvironmentSettings adds the environment)
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, arbitrary_types_allowed=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    public_url: str = "http://127.0.0.1:8080"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    #: bearer token of the admin API; a secret (never printed). Read at load and replaced by its
    #: SHA-256 digest (``admin_token_sha256``): the running process never holds it
    admin_token: SecretStr | None = None
    #: a file holding the admin token (a secret store's mounted file), instead of admin_token
    admin_token_file: Path | None = None
    #: hex SHA-256 digest of the admin token: what the admin API and the console compare with
    admin_token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    business_details: BusinessDetails = BusinessDetails(name="ocpi-cpo")
    operations: list[Operation] = Field(default_factory=lambda: [])
    page_limits: PageLimits = PageLimits()
    advenir: AdvenirSettings = AdvenirSettings()
    outbox: OutboxSettings = OutboxSettings()
    ocpp: OcppSettings = OcppSettings()
    reconcile: ReconcileSettings = ReconcileSettings()
    commands: CommandSettings = CommandSettings()
    pricing: PricingSettings = PricingSettings()
    smart_charging: SmartChargingSettings = SmartChargingSettings()
    tls: TlsSettings | None = None
    client_tls: list[ClientTls] = Field(default_factory=lambda: [])
    limits: LimitSettings = LimitSettings()
    #: let the Gireve profiles use http:// for public_url and partner URLs (a lab on 127.0.0.1;
    #: the tests and the demo). Never in production: Gireve requires HTTPS (gireve.md §3)
    allow_insecure_http: bool = False
    log_level: str = "INFO"
    access_log: bool = False
    #: the reverse proxies or load balancers in front of serve (addresses or networks): from
    #: these, the client's address is taken from X-Forwarded-For (and the scheme from
    #: X-Forwarded-Proto), so that the per-address limits (the OCPP door, console sign-ins) and
    #: the logs see each client, not the proxy; from anyone else the headers are ignored
    trusted_proxies: Annotated[list[str], AfterValidator(_check_networks)] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    #: seconds a partner's answer may take during registration and other calls
    partner_timeout: float = Field(default=10.0, gt=0, le=300)
    #: seconds the hub may take to answer a real-time authorization before the whitelist rules
    #: decide (the driver is waiting at the charger)
    authorization_timeout: float = Field(default=3.0, gt=0, le=60)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL where partners reach this server")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _admin_token_digest(cls, data: Any) -> Any:
        """admin_token or admin_token_file -> admin_token_sha256; the token itself is dropped."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        token = data.pop("admin_token", None)
        file = data.get("admin_token_file")
        if token is not None and file is not None:
            raise ValueError("admin_token and admin_token_file: set only one of them")
        if file is not None:
            token = _read_token_file(Path(file))
        if token is None:
            return data
        if isinstance(token, SecretStr):
            token = token.get_secret_value()
        if not isinstance(token, str) or len(token) < 16:
            raise ValueError("admin_token: expected at least 16 characters (a long random secret)")
        data["admin_token_sha256"] = token_digest(token)
        return data

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()

    @field_validator("operations")
    @classmethod
    def _unique_operations(cls, value: list[Operation]) -> list[Operation]:
        seen: set[str] = set()
        for operation in value:
            if operation.operator_id in seen:
                raise ValueError(f"operator_id {operation.operator_id} is configured twice")
            seen.add(operation.operator_id)
        return value

    @property
    def versions_url(self) -> str:
        return f"{self.public_url}/ocpi/versions"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def admin_token_matches(settings: Settings, given: str) -> bool:
    """Whether ``given`` is the admin token: digests compared in constant time (the token itself
    is not kept). False when no admin token is set."""
    expected = settings.admin_token_sha256
    if expected is None:
        return False
    return hmac.compare_digest(token_digest(given.strip()), expected)


def _read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"admin_token_file: cannot read {path} ({type(exc).__name__})") from None
    if not token:
        raise ValueError(f"admin_token_file: {path} is empty")
    return token


def _describe(error: Any) -> str:
    key = json_path(error["loc"]) or "(file)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a check of several settings: its message names them, no input shown
        return f"invalid settings: {message}"
    if error["type"] == "extra_forbidden":
        return f"unknown setting {key}: remove it or check its spelling"
    if error["type"] == "missing":
        return f"setting {key} is missing: it is required"
    shown = "'***'" if key == "admin_token" else repr(error.get("input"))
    return f"setting {key} = {shown} is invalid: {message}"


def _environment_sets_any() -> bool:
    """Whether a variable would set something: pydantic-settings reads ``OCPI_CPO_<NAME>`` and
    ``OCPI_CPO_<NAME>__<KEY>...`` for each setting NAME, whatever their case, and nothing else."""
    prefix = ENV_PREFIX.lower()
    names = (v.lower() for v in os.environ)
    return any(
        name.startswith(prefix)
        and name.removeprefix(prefix).split(ENV_NESTED_DELIMITER, 1)[0] in Settings.model_fields
        for name in names
    )


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (``config``, else ./ocpi-cpo.toml when present) and the environment."""
    path = config if config is not None else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if config is not None and not path.is_file():
        raise SettingsError([f"config file {path} does not exist: give an existing --config PATH"])
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError([f"config file {path} is not valid TOML: {exc}"]) from None
    data.update(overrides)
    try:
        if data.keys() <= Settings.model_fields.keys() and not _environment_sets_any():
            return Settings(**data)
        # pydantic-settings reads the environment, and matches keys that are not a setting's
        # exact name its own way (whatever their case; BaseSettings' `_`-prefixed arguments)
        from pydantic_settings import SettingsError as EnvironmentError_

        from ocpi_cpo.config_environment import EnvironmentSettings

        try:
            return EnvironmentSettings(**data)
        except EnvironmentError_ as exc:
            # a nested setting's variable that is not JSON (OCPI_CPO_OPERATIONS='x')
            cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
            raise SettingsError([f"environment: {exc}{cause}"]) from None
    except ValidationError as exc:
        raise SettingsError([_describe(e) for e in exc.errors()]) from None


def ensure_sqlite_directory(settings: Settings) -> None:
    """Create the folder of a SQLite database file (the default lives under ./var/)."""
    if not settings.is_sqlite:
        return
    path = settings.database_url.split(":///", 1)[-1]
    if path and path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
