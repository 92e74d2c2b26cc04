"""The seams between services and storage. Services see only these Protocols.

A unit of work is one database transaction: the caller (API route, CLI command, worker) opens it
with ``Storage.transaction()``; services never commit (architecture.md, house style 8).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # Annotations only: importing the whole domain (pricing included) costs a CLI command
    # tens of milliseconds (docs/architecture.md, "A fast CLI").
    from ocpi_cpo.domain.audit import AuditEntry
    from ocpi_cpo.domain.authorization import (
        DecisionRecord,
        DecisionSource,
        StoredToken,
        TokenKey,
    )
    from ocpi_cpo.domain.cdrs import CdrPage, StoredCdr
    from ocpi_cpo.domain.commands import NewCommand, StoredCommand
    from ocpi_cpo.domain.console_users import ConsoleSession, ConsoleUser
    from ocpi_cpo.domain.delivery import (
        Attempt,
        Backoff,
        MessageState,
        NewMessage,
        Observation,
        PartnerDelivery,
        QueuedMessage,
        QueueFilter,
        QueueStats,
    )
    from ocpi_cpo.domain.leases import Lease, StationCall, StationHeld
    from ocpi_cpo.domain.location_links import StoredEvse
    from ocpi_cpo.domain.locations import (
        EvseRow,
        LocationKey,
        LocationPage,
        LocationRow,
        LocationSummary,
        OperationCounts,
        StoredLocation,
        Visibility,
    )
    from ocpi_cpo.domain.partners import (
        ClientInfo,
        Direction,
        Endpoint,
        Partner,
        PartnerState,
        PartyRole,
        TokenKind,
    )
    from ocpi_cpo.domain.sessions import ChargeSession, SessionKey, SessionPage, SessionStatus
    from ocpi_cpo.domain.station_registry import Station
    from ocpi_cpo.domain.stations import CommandOutcome
    from ocpi_cpo.domain.sync import PartnerSync, Reconciliation, SyncProgress, SyncReason
    from ocpi_cpo.domain.tariffs import Party, Tariff, TariffKey, TariffPage


class PartnerRepository(Protocol):
    async def create(
        self,
        name: str,
        profile: str,
        state: PartnerState,
        now: datetime,
        operation: str | None = None,
    ) -> Partner: ...

    async def get(self, partner_id: int, *, for_update: bool = False) -> Partner | None: ...

    async def get_by_name(self, name: str) -> Partner | None: ...

    async def all(self) -> Sequence[Partner]: ...

    async def save_connection(
        self,
        partner_id: int,
        *,
        state: PartnerState,
        direction: Direction | None,
        versions_url: str | None,
        version: str | None,
        endpoints: list[Endpoint],
        roles: list[PartyRole],
        outbound_token: str | None,
        registered_at: datetime | None,
    ) -> None: ...

    async def set_operation(self, partner_id: int, operation: str | None) -> None:
        """Bind the partner to one operation (eMI3 Operator Id), or to every one (None)."""

    async def set_state(self, partner_id: int, state: PartnerState) -> None: ...

    async def touch(self, partner_id: int, now: datetime) -> None: ...

    async def delete(self, partner_id: int) -> None: ...


class TokenRepository(Protocol):
    """Tokens we issue. Only their SHA-256 digests are stored: we only ever verify them."""

    async def add(self, partner_id: int, kind: TokenKind, token: str, now: datetime) -> None: ...

    async def find(self, token: str) -> tuple[int, TokenKind] | None: ...

    async def consume(self, token: str) -> bool:
        """Delete the token; False when it was already gone (someone else used it first)."""
        ...

    async def revoke_all(self, partner_id: int, kind: TokenKind | None = None) -> None: ...


class HubClientInfoRepository(Protocol):
    async def upsert(self, partner_id: int, info: ClientInfo) -> bool:
        """Store the party's status; True when it was new."""
        ...

    async def get(self, partner_id: int, country_code: str, party_id: str) -> ClientInfo | None: ...

    async def all(self, partner_id: int) -> Sequence[ClientInfo]: ...


class OutboxRepository(Protocol):
    async def add(self, message: NewMessage, now: datetime) -> int:
        """Queue one message now and return its id (when the caller needs the id)."""
        ...

    async def add_many(self, messages: Sequence[NewMessage], now: datetime) -> None:
        """``add`` for each message, in order, in bulk. The rows may be written only when the
        transaction commits (one INSERT for everything queued in it); this repository's own
        reads and writes in the same transaction see them."""
        ...

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[QueuedMessage]: ...

    async def record(
        self,
        attempt: Attempt,
        *,
        state: MessageState,
        next_attempt_at: datetime | None = None,
        reply_location: str | None = None,
    ) -> None: ...

    async def record_many(
        self, results: Sequence[tuple[Attempt, MessageState, datetime | None, str | None]]
    ) -> None: ...

    async def expire(self, message_id: int, reason: str, now: datetime) -> None: ...

    async def supersede(self, message_ids: Sequence[int], reason: str, now: datetime) -> int:
        """Mark those of these messages still pending and not in flight SUPERSEDED (their object
        was queued again), saying why; how many."""
        ...

    async def wake(self) -> None:
        """Wake every worker once the transaction commits."""
        ...

    async def release_held(self, partner_id: int, object_key: str, now: datetime) -> int:
        """Make the object's held messages due now; how many."""
        ...

    async def release(self, message_ids: Sequence[int]) -> None:
        """Give claimed messages back unsent."""
        ...

    async def release_claims(self, worker: str | None = None) -> int: ...
    async def extend_claims(self, worker: str, ids: Sequence[int], until: datetime) -> int: ...

    async def claimers(self) -> list[str]: ...

    async def get(self, message_id: int) -> QueuedMessage | None: ...

    async def attempts(self, message_id: int) -> list[Attempt]: ...

    async def find(
        self, filters: QueueFilter, limit: int = 100, newest_first: bool = False
    ) -> list[QueuedMessage]: ...

    async def count(self, filters: QueueFilter) -> int: ...

    async def retry(self, filters: QueueFilter, ids: Sequence[int], now: datetime) -> int: ...

    async def purge(self, filters: QueueFilter, older_than: datetime | None) -> int: ...

    async def stats(self) -> list[QueueStats]: ...


class PartnerDeliveryRepository(Protocol):
    """Each partner's delivery state (available, or down and probed), shared by all workers."""

    async def all(self) -> dict[int, PartnerDelivery]: ...

    async def observe(
        self, partner_id: int, seen: Sequence[Observation], backoff: Backoff, now: datetime
    ) -> PartnerDelivery | None:
        """Apply what attempts said about the partner; the new state when it changed."""
        ...


class TariffRepository(Protocol):
    """Tariff descriptions we publish (one per target eMSP plus the default one)."""

    async def get(self, key: TariffKey) -> Tariff | None: ...

    async def descriptions(
        self, country_code: str, party_id: str, tariff_id: str, *, for_update: bool = False
    ) -> list[Tariff]: ...

    async def put(self, tariff: Tariff, document: bytes) -> bool:
        """Store the description with its wire JSON; True when it was new."""
        ...

    async def delete(self, key: TariffKey) -> bool: ...

    async def all(
        self, owner: Party | None = None, *, for_update: bool = False
    ) -> Sequence[Tariff]: ...

    async def page(self, query: TariffPage) -> tuple[int, list[bytes]]: ...


class StationRepository(Protocol):
    """Stations on the OCPP gateway (domain.station_registry) and their OCPP counters."""

    async def add(
        self,
        station_id: str,
        location_id: str,
        evses: Mapping[int, str],
        password_hash: str | None,
        now: datetime,
        security_profile: int = 1,
    ) -> None: ...

    async def get(self, station_id: str) -> Station | None: ...

    async def all(self) -> Sequence[Station]: ...

    async def count(self) -> int:
        """How many stations are registered."""
        ...

    async def owner_of(self, evse_uids: Sequence[str]) -> dict[str, str]:
        """evse_uid -> station_id for those of ``evse_uids`` already mapped."""
        ...

    async def remove(self, station_id: str) -> bool: ...

    async def connected(self, station_id: str, ocpp_version: str, now: datetime) -> int:
        """Online; returns the connection's epoch (one more than the previous connection's)."""
        ...

    async def disconnected(self, station_id: str, now: datetime, epoch: int | None = None) -> bool:
        """Offline, unless ``epoch`` is given and a newer connection exists (then False)."""
        ...

    async def offline_unreported(self, before: datetime, limit: int) -> list[tuple[str, int]]:
        """Stations offline since ``before`` or earlier whose connection's end is not reported
        yet (their EVSEs not set UNKNOWN): (station id, epoch), the longest offline first."""
        ...

    async def offline_reported(self, station_id: str, epoch: int) -> None:
        """The end of connection ``epoch`` is reported (unless a newer connection exists)."""
        ...

    async def online_since_before(self, before: datetime) -> list[tuple[str, int]]:
        """Stations recorded online by a connection opened before ``before``: (id, epoch)."""
        ...

    async def connection_epoch(self, station_id: str, *, for_update: bool = False) -> int | None:
        """The epoch of the station's last connection (None: no such station); ``for_update``
        holds the row until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
        ...

    async def booted(
        self,
        station_id: str,
        *,
        vendor: str | None,
        model: str | None,
        firmware_version: str | None,
        now: datetime,
    ) -> None: ...

    async def heartbeats(self, seen: Mapping[str, tuple[datetime, int | None]]) -> None:
        """Many stations' last heartbeat at once: station id -> (when, the connection's epoch);
        a station whose epoch has changed since (a newer connection) is left alone."""
        ...

    async def next_remote_start_id(self, station_id: str) -> int:
        """The station's next OCPP 2.0.1 remoteStartId (a per-station counter)."""
        ...

    async def new_transaction_id(
        self, station_id: str, connector_id: int, id_tag: str, now: datetime
    ) -> int:
        """A new OCPP 1.6 transactionId, unique across stations and restarts."""
        ...


class LocationRepository(Protocol):
    """Locations as wire JSON documents with the columns queries need (domain.locations).

    ``for_update``: the read precedes a write of what it returns in the same transaction; the
    rows are held until the commit (PostgreSQL ``FOR UPDATE``), so concurrent changes of one
    Location from any connection or instance apply one after the other, none lost.
    """

    async def find(
        self, keys: Sequence[LocationKey], *, for_update: bool = False
    ) -> dict[LocationKey, StoredLocation]: ...

    async def get(self, key: LocationKey, *, for_update: bool = False) -> StoredLocation | None: ...

    async def by_location_id(self, location_id: str) -> list[StoredLocation]: ...

    async def by_evse_uid(self, uid: str, *, for_update: bool = False) -> list[StoredLocation]: ...

    async def evse_statuses(self, uids: Sequence[str]) -> dict[str, list[str]]:
        """uid -> the OCPI status of each stored EVSE with that uid (one per Location holding it)."""
        ...

    async def by_evse_id(self, evse_id: str) -> tuple[str, StoredLocation] | None: ...

    async def evses_named(
        self, uids: Sequence[str], compact_ids: Sequence[str]
    ) -> list[StoredEvse]: ...

    async def add(self, rows: Sequence[LocationRow]) -> None: ...

    async def replace(self, rows: Sequence[tuple[int, LocationRow]]) -> None: ...

    async def set_evse(
        self, pk: int, last_updated: datetime, document: bytes, evse: EvseRow
    ) -> None: ...

    async def page(self, query: LocationPage) -> tuple[int, list[bytes]]: ...

    async def after(
        self,
        visibilities: frozenset[Visibility],
        after_pk: int,
        limit: int,
        *,
        for_update: bool = False,
    ) -> list[StoredLocation]: ...

    async def count(self) -> int: ...

    async def summaries(self, offset: int, limit: int) -> list[LocationSummary]: ...

    async def operation_counts(self) -> list[OperationCounts]: ...


class EmspTokenRepository(Protocol):
    async def get(self, key: TokenKey, *, for_update: bool = False) -> StoredToken | None: ...

    async def by_uid(self, uid: str, token_type: str) -> list[StoredToken]: ...

    async def put(self, token: StoredToken) -> bool: ...

    async def count(self) -> int: ...

    async def record(self, decision: DecisionRecord) -> int: ...

    async def decisions(self, limit: int = 100, uid: str | None = None) -> list[DecisionRecord]: ...

    async def latest(
        self,
        uid: str,
        since: datetime,
        *,
        source: DecisionSource | None = None,
        location_id: str | None = None,
        evse_uid: str | None = None,
        unused: bool = False,
    ) -> DecisionRecord | None: ...

    async def claim(self, decision_id: int, session_id: str) -> bool: ...


class CommandRepository(Protocol):
    """Commands of eMSPs (domain.commands): PENDING until their one result, then DONE."""

    async def add(self, command: NewCommand) -> int: ...

    async def set_station_reservation_id(self, command_id: int, value: int) -> None: ...

    async def get(self, command_id: int) -> StoredCommand | None: ...

    async def finish(
        self, command_id: int, result: CommandOutcome, message: str | None, now: datetime
    ) -> bool:
        """PENDING -> DONE with the result; False when it was DONE already (never twice)."""
        ...

    async def record_late(self, command_id: int, result: CommandOutcome) -> None: ...

    async def overdue(self, before: datetime, limit: int = 500) -> list[int]: ...

    async def reservation(
        self,
        partner_id: int,
        reservation_id: str,
        location_id: str | None = None,
        for_party: tuple[str, str] | None = None,
    ) -> StoredCommand | None: ...

    async def recent(self, limit: int = 100) -> list[StoredCommand]: ...


class SessionRepository(Protocol):
    """Sessions with their wire JSON (domain.sessions); the Sender reads documents as stored."""

    async def add(self, session: ChargeSession, document: bytes) -> None: ...

    async def save(self, session: ChargeSession, document: bytes) -> None: ...

    async def get(self, key: SessionKey, *, for_update: bool = False) -> ChargeSession | None: ...

    async def by_id(self, session_id: str) -> list[ChargeSession]: ...

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> ChargeSession | None: ...

    async def at_evse(self, evse_uid: str, status: SessionStatus) -> list[ChargeSession]: ...

    async def at_location(self, location_id: str, status: SessionStatus) -> list[ChargeSession]:
        """The sessions of that status at a Location (of any operation)."""
        ...

    async def latest_at(self, evse_uid: str, connector_id: str) -> ChargeSession | None:
        """The current or last session at a connector, whatever its status."""
        ...

    async def profiles_due(self, limit: int) -> list[ChargeSession]:
        """ACTIVE sessions whose latest charging preferences wait for a profile
        (``profile_due_at`` set), the earliest due first."""
        ...

    async def document(self, key: SessionKey) -> bytes | None: ...

    async def page(self, query: SessionPage) -> tuple[int, list[bytes]]: ...

    async def recent(self, limit: int, offset: int = 0) -> list[ChargeSession]: ...

    async def published_after(
        self, after_pk: int, limit: int
    ) -> list[tuple[int, ChargeSession]]: ...


class CdrRepository(Protocol):
    """CDRs as POSTed (final, never rewritten); credit CDRs name their original."""

    async def add(self, cdr: StoredCdr) -> None: ...

    async def by_id(self, cdr_id: str, *, include_held: bool = False) -> list[StoredCdr]: ...

    async def held(self) -> list[StoredCdr]: ...

    async def held_stats(self) -> tuple[int, datetime | None]: ...

    async def release(self, cdr: StoredCdr) -> bool: ...

    async def still_held(self, cdr: StoredCdr, reason: str) -> None: ...

    async def credits_of(self, cdr_id: str) -> list[StoredCdr]: ...

    async def page(self, query: CdrPage) -> tuple[int, list[bytes]]: ...

    async def recent(self, limit: int, offset: int = 0) -> list[StoredCdr]: ...

    async def sent_to(self, partner_id: int) -> list[tuple[str, str, str | None]]:
        """(object_key, outbox state, reply Location) of every CDR POST for a partner."""
        ...

    async def all_sorted(self, keys: Sequence[str]) -> list[StoredCdr]: ...


class AuditRepository(Protocol):
    """Insert-only: there is no method to change or delete an entry (domain.audit)."""

    async def add(self, entry: AuditEntry) -> int: ...

    async def since(self, at: datetime | None, limit: int) -> list[AuditEntry]:
        """Entries at or after ``at`` (all when None), oldest first, at most ``limit``."""
        ...


class LeaseRepository(Protocol):
    """Leases by the database's clock (domain.leases)."""

    async def now(self) -> float: ...

    async def take(
        self, name: str, holder: str, seconds: float, *, force: bool = False
    ) -> bool: ...

    async def take_all(self, names: Sequence[str], holder: str, seconds: float) -> None: ...

    async def renew(self, holder: str, seconds: float, prefix: str = "") -> int: ...

    async def release(self, name: str, holder: str) -> bool: ...

    async def release_all(self, names: Sequence[str], holder: str) -> None: ...

    async def get(self, name: str) -> Lease | None: ...

    async def expired(self, prefix: str, limit: int = 500) -> list[Lease]: ...

    async def drop_expired(self, prefix: str, limit: int = 500) -> list[Lease]: ...

    async def held(self, prefix: str) -> list[Lease]: ...


class ConsoleUserRepository(Protocol):
    """People who sign in to the operator console (only their password hashes are kept)."""

    async def add(self, user: ConsoleUser) -> None: ...

    async def get(self, name: str) -> ConsoleUser | None: ...

    async def all(self) -> list[ConsoleUser]: ...

    async def remove(self, name: str) -> bool: ...


class ConsoleSessionRepository(Protocol):
    """Signed-in console browsers, by the SHA-256 digest of their session id."""

    async def add(self, session: ConsoleSession) -> None: ...

    async def get(self, digest: str) -> ConsoleSession | None: ...

    async def remove(self, digest: str) -> bool: ...

    async def remove_user(self, name: str) -> int: ...

    async def drop_expired(self, now: datetime) -> int: ...


class SignInFailureRepository(Protocol):
    """Failed console sign-ins, by the SHA-256 digest of their key (domain.sign_in_limits)."""

    async def add(self, key_digest: str, at: datetime) -> int: ...

    async def since(
        self, key_digests: Collection[str], since: datetime, *, besides: Collection[int] = ()
    ) -> dict[str, list[datetime]]: ...

    async def remove(self, ids: Collection[int]) -> None: ...

    async def forget(self, key_digest: str) -> int: ...

    async def drop_before(self, before: datetime) -> int: ...


class StationCallRepository(Protocol):
    """Commands handed to the instance holding a station, and who holds which (issue 18)."""

    async def add(self, target: str, method: str, arguments: Mapping[str, Any]) -> int: ...

    async def take(self, target: str) -> list[StationCall]: ...

    async def answer(self, call_id: int, outcome: str) -> None: ...

    async def outcome(self, call_id: int) -> str | None: ...

    async def forget(self, call_id: int) -> None: ...

    async def elsewhere(self, me: str) -> list[StationHeld]: ...


class SyncRepository(Protocol):
    """Partner syncs and the last reconciliation per partner (domain.sync)."""

    async def create(
        self, partner_id: int, modules: tuple[str, ...], reason: SyncReason, now: datetime
    ) -> PartnerSync: ...

    async def get(self, sync_id: int) -> PartnerSync | None: ...

    async def unfinished(self) -> list[PartnerSync]: ...

    async def latest(self) -> dict[int, PartnerSync]: ...

    async def advance(
        self, sync: PartnerSync, phase: str | None, cursor: int, queued: int, now: datetime
    ) -> bool: ...

    async def progress(self, sync: PartnerSync) -> SyncProgress: ...

    async def record_reconciliation(self, result: Reconciliation) -> None: ...

    async def reconciliations(self) -> dict[int, Reconciliation]: ...


class UnitOfWork(Protocol):
    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def client_info(self) -> HubClientInfoRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def partner_delivery(self) -> PartnerDeliveryRepository: ...

    @property
    def stations(self) -> StationRepository: ...

    @property
    def emsp_tokens(self) -> EmspTokenRepository: ...

    @property
    def tariffs(self) -> TariffRepository: ...

    @property
    def locations(self) -> LocationRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def cdrs(self) -> CdrRepository: ...

    @property
    def commands(self) -> CommandRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def leases(self) -> LeaseRepository: ...

    @property
    def station_calls(self) -> StationCallRepository: ...

    @property
    def console_users(self) -> ConsoleUserRepository: ...

    @property
    def console_sessions(self) -> ConsoleSessionRepository: ...

    @property
    def sign_in_failures(self) -> SignInFailureRepository: ...

    @property
    def syncs(self) -> SyncRepository: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (e.g. wake the outbox worker)."""
        ...


class Wakeup(Protocol):
    """Set when a transaction that queued outbox messages commits; the worker waits on it."""

    def set(self) -> None: ...

    async def wait(self, timeout: float) -> bool: ...


class Storage(Protocol):
    @property
    def outbox_signal(self) -> Wakeup: ...

    @property
    def credentials_version(self) -> int:
        """Moves after each commit that wrote tokens or partners, through this storage at once,
        through any other process from this process's next look (storage.sql.changes); while
        other processes' changes cannot be followed, a new value at every look."""
        ...

    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(payload)`` for each notification on ``channel`` (PostgreSQL)."""
        ...

    async def watch(self) -> None:
        """Start following other processes' changes (a long-running server calls it once)."""
        ...

    @property
    def watching(self) -> bool:
        """Other processes' changes are followed now (False: caches are not trusted)."""
        ...

    async def problems(self, timeout: float = 2.0) -> dict[str, str]:
        """What keeps the storage from serving now, by check name; empty when ready."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A write transaction, committed when the block ends without an exception."""
        ...

    def is_transient(self, error: BaseException) -> bool:
        """The transaction failed for a reason that trying it again may clear (PostgreSQL: a
        deadlock or a serialization failure; SQLite: the write lock not had in time)."""
        ...

    def read(self, *, snapshot: bool = True) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only transaction. ``snapshot=False``: each statement sees what is committed
        when it runs (on SQLite no BEGIN/COMMIT is sent), for hot reads whose statements need not
        agree with each other."""
        ...

    async def close(self) -> None: ...
