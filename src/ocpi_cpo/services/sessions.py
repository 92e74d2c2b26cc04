"""The session service: charges followed from station events, pushed live, closed into a CDR.

Fed through the driver-neutral API (``services.ports.StationEvents``, via
``services.station_events``): a transaction starts (ACTIVE; INVALID when the token was refused,
unless the operation reports non-roaming charges to Advenir), meter values and charging states build
the periods (``domain.sessions``), the stop completes the session and builds the priced CDR in the
same transaction (``services.cdrs``). Every change is rendered once, stored as the Sender serves it
and queued for the partners that hear about it (``services.session_pushes``).

Each event is one short change, applied in a transaction shared with the station events arriving
meanwhile (``writes``, a ``GroupCommit``: one commit for many stations, issue 21) and committed
before the caller resumes, so before the station is answered. ``meter_values``,
``charging_state`` and ``transaction_stopped`` queue their write before they first wait: calls
started together (``asyncio.gather``, as the gateway does with what one message says) are
applied in the order they were started, in one commit. The outbox worker is woken on commit, so
the CDR leaves as soon as the stop is stored (issue "CDR: p99 under 200 ms").
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from ocpi_cpo.config import Settings
from ocpi_cpo.domain.authorization import DecisionRecord
from ocpi_cpo.domain.cdrs import auth_method_of, cdr_token_of
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.sessions import (
    ChargeSession,
    Metering,
    SegmentKind,
    SessionKey,
    SessionStatus,
)
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    AuthorizationRequest,
    ChargingState,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.services import cdrs as cdr_service
from ocpi_cpo.services.authorization import AuthorizationService
from ocpi_cpo.services.charge_pricing import Priced, price_session
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.services.ownership import Parties, may_act_on
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.services.session_opening import (
    Place,
    advenir_token,
    command_grant,
    decision_uid,
    find_place,
    operation_of,
    recent_decision,
    tariff_for,
)
from ocpi_cpo.services.session_pushes import queue_session
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

log = logging.getLogger("ocpi_cpo.sessions")
_KIND = {
    ChargingState.CHARGING: SegmentKind.CHARGING,
    ChargingState.NOT_CHARGING: SegmentKind.PARKING,
    ChargingState.OUT_OF_ORDER: SegmentKind.OUT_OF_ORDER,
}
_DEFAULT_CURRENCY = "EUR"
Json = dict[str, Any]


def new_session_id() -> str:
    """16 upper-case hex characters: unique, and short enough for ``<id>-C`` credit CDR ids."""
    return uuid.uuid4().hex[:16].upper()


class _Taken(Exception):
    """Another session claimed the decision first (the transaction is rolled back)."""


def _allowed(decision: DecisionRecord | None) -> bool:
    return decision is not None and decision.outcome is AuthorizationOutcome.ALLOWED


def _as_decision(record: DecisionRecord | None) -> AuthorizationDecision:
    if record is None:
        return AuthorizationDecision(AuthorizationOutcome.UNKNOWN, reason="no decision")
    return AuthorizationDecision(
        record.outcome, record.authorization_reference, record.offline, record.reason
    )


class SessionService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        settings: Settings,
        authorization: AuthorizationService,
        publisher: Publisher,
        writes: GroupCommit | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.authorization = authorization
        #: the shared transactions station events are written in (statuses too: station_events)
        self.writes = writes or GroupCommit(storage)
        #: station events cannot be refused: a change that breaks a wire is logged and counted
        self.publisher = publisher.tolerant()

    # --- the transaction starts -------------------------------------------------------------

    async def transaction_started(self, event: TransactionStarted) -> AuthorizationDecision:
        """Open the session with the decision it follows, which it claims (one decision, one
        session); a decision another session took meanwhile is not shared: decide again. A
        decision made here is kept in the session's own write (one commit, not two)."""
        for attempt in range(2):
            async with self.storage.read() as uow:
                known = await uow.sessions.by_transaction(event.station_id, event.transaction_id)
                if known is not None:  # the station sent it again: same answer, no second one
                    allowed = known.status is not SessionStatus.INVALID
                    outcome = (
                        AuthorizationOutcome.ALLOWED if allowed else AuthorizationOutcome.UNKNOWN
                    )
                    return AuthorizationDecision(outcome, known.authorization_reference)
                place = await find_place(uow, event.evse_uid, event.connector_id)
                record = await self._linked_decision(uow, event, place) if not attempt else None
            if record is None:
                request = AuthorizationRequest(
                    event.station_id, event.evse_uid, event.uid, event.token_type
                )
                if place is None:
                    record = await self.authorization.decide(request)
                else:
                    record = await self.authorization.judge(request)
            if place is None:
                log.warning(
                    "transaction %s on %s: EVSE %s is in no Location, no session kept",
                    event.transaction_id,
                    event.station_id,
                    event.evse_uid,
                )
                return _as_decision(record)
            try:
                opening = functools.partial(
                    self._keep_and_open,
                    event=event,
                    place=place,
                    record=record,
                    strict=attempt == 0,
                )
                kept = await self.writes.run(opening)
            except _Taken:
                continue
            if record.id is None:  # decided here: counted once kept
                self.authorization.counted(kept)
            return _as_decision(kept)
        raise AssertionError("unreachable: the second attempt is not strict")

    async def _keep_and_open(
        self,
        uow: UnitOfWork,
        *,
        event: TransactionStarted,
        place: Place,
        record: DecisionRecord,
        strict: bool,
    ) -> DecisionRecord:
        """Keep ``record`` when it was decided for this start (no id yet), then open the
        session with it; the record as kept."""
        if record.id is None:
            record = await self.authorization.keep(uow, record)
        await self._open(uow, event, place, record, strict=strict)
        return record

    async def _linked_decision(
        self, uow: UnitOfWork, event: TransactionStarted, place: Place | None
    ) -> DecisionRecord | None:
        now = self.clock.now()
        location_id = place.key.id if place else ""
        uid = decision_uid(event.uid, event.token_type)
        grant = await command_grant(uow, uid, location_id, event.remote_start_id, now)
        if grant is not None:
            return grant
        return await recent_decision(uow, uid, event.evse_uid, now)

    async def _open(
        self,
        uow: UnitOfWork,
        event: TransactionStarted,
        place: Place,
        record: DecisionRecord | None,
        *,
        strict: bool = True,
    ) -> ChargeSession:
        now = self.clock.now()
        pending = await self._adopt_pending(uow, event.evse_uid, event.uid, now)
        own = (place.key.country_code, place.key.party_id)
        operation = operation_of(self.settings, place.key)
        advenir = not _allowed(record) and operation is not None and operation.advenir
        token = (
            advenir_token(self.settings)
            if advenir
            else cdr_token_of(record, event.uid, event.token_type, own)
        )
        tariff = await tariff_for(
            uow, place, (token["country_code"], token["party_id"]), event.started_at
        )
        session = ChargeSession(
            key=pending.key if pending else SessionKey(*own, new_session_id()),
            station_id=event.station_id,
            transaction_id=event.transaction_id,
            status=SessionStatus.ACTIVE if _allowed(record) or advenir else SessionStatus.INVALID,
            started_at=event.started_at,
            location_id=place.key.id,
            evse_uid=event.evse_uid,
            connector_id=str(place.connector["id"]),
            cdr_token=token,
            auth_method="WHITELIST" if advenir else auth_method_of(record),
            authorization_reference=None
            if advenir or record is None
            else record.authorization_reference,
            currency=str(tariff["currency"]) if tariff else _DEFAULT_CURRENCY,
            time_zone=place.time_zone,
            cdr_location=place.cdr_location(),
            place=place.snapshot(),
            tariff=tariff,
            metering=Metering.begin(
                event.started_at, event.meter_start_wh, event.meter_start_known
            ),
            last_updated=now,
            published=_allowed(record) or advenir,
            advenir=advenir,
            preferences_capable=place.preferences_capable,
            opened_at=pending.opened_at if pending else now,
            tariff_ids=place.tariff_ids,
        )
        decision_id = record.id if record is not None else None
        if decision_id is not None and not await uow.emsp_tokens.claim(decision_id, session.key.id):
            if strict:
                raise _Taken
            log.warning("decision %s already used: session %s shares it", decision_id, session.key)
        session.reported(event.started_at)
        self._price(session, event.started_at)
        wire = session.document()
        document = orjson.dumps(wire)
        await queue_session(uow, self.publisher, session, wire, now, first=pending is None)
        if pending is None:
            await uow.sessions.add(session, document)
        else:
            await uow.sessions.save(session, document)
        return session

    async def _adopt_pending(
        self, uow: UnitOfWork, evse_uid: str, uid: str, now: datetime
    ) -> ChargeSession | None:
        """The PENDING session of this token at this EVSE becomes the charge; other PENDING ones
        there never started: INVALID."""
        adopted = None
        for pending in await uow.sessions.at_evse(evse_uid, SessionStatus.PENDING):
            if adopted is None and pending.cdr_token.get("uid") == uid:
                adopted = pending
                continue
            pending.status = SessionStatus.INVALID
            pending.last_updated = now
            await self._store(uow, pending, now)
        return adopted

    async def open_pending(
        self, evse_uid: str, connector_id: str | None, record: DecisionRecord
    ) -> SessionKey | None:
        """A PENDING session after an accepted authorization at a known EVSE (gireve.md §10.1:
        PUT the Session after an accepted authorization); the transaction adopts it."""
        now = self.clock.now()
        async with self.storage.transaction() as uow:
            place = await find_place(uow, evse_uid, connector_id)
            if place is None:
                return None
            await self._adopt_pending(uow, evse_uid, "", now)
            own = (place.key.country_code, place.key.party_id)
            token = cdr_token_of(record, record.uid, record.token_type, own)
            tariff = await tariff_for(uow, place, (token["country_code"], token["party_id"]), now)
            session = ChargeSession(
                key=SessionKey(*own, new_session_id()),
                station_id=(await uow.stations.owner_of([evse_uid])).get(evse_uid, ""),
                transaction_id=None,
                status=SessionStatus.PENDING,
                started_at=now,
                location_id=place.key.id,
                evse_uid=evse_uid,
                connector_id=str(place.connector["id"]),
                cdr_token=token,
                auth_method=auth_method_of(record),
                authorization_reference=record.authorization_reference,
                currency=str(tariff["currency"]) if tariff else _DEFAULT_CURRENCY,
                time_zone=place.time_zone,
                cdr_location=place.cdr_location(),
                place=place.snapshot(),
                tariff=tariff,
                metering=Metering.begin(now, Decimal(0), False),
                last_updated=now,
                preferences_capable=place.preferences_capable,
                opened_at=now,
                tariff_ids=place.tariff_ids,
            )
            wire = session.document()
            document = orjson.dumps(wire)
            await queue_session(uow, self.publisher, session, wire, now, first=True)
            await uow.sessions.add(session, document)
        return session.key

    # --- during the charge -------------------------------------------------------------------

    async def meter_values(self, *readings: MeterReading) -> None:
        """Readings (of one message) in one write: each session they are about is loaded once,
        takes them in order, and is priced, stored and queued to partners once. Its update then
        says what the readings one by one would have ended with (the PATCH carries the state
        and the periods closed since the last update), in one message instead of several."""
        charges: dict[tuple[str, str], list[MeterReading]] = {}
        for reading in readings:
            charges.setdefault((reading.station_id, reading.transaction_id), []).append(reading)

        async def apply(uow: UnitOfWork) -> None:
            for (station_id, transaction_id), taken in charges.items():
                session = await uow.sessions.by_transaction(
                    station_id, transaction_id, for_update=True
                )
                if session is None or session.ended_at is not None:
                    continue
                for reading in taken:
                    if reading.register_wh is not None:
                        session.metering.register(reading.register_wh)
                    if reading.power_w is not None:
                        session.metering.power(reading.power_w)
                    session.reported(reading.at)
                await self._changed(uow, session, taken[-1].at)

        if charges:
            await self.writes.run(apply)

    async def charging_state(
        self, station_id: str, transaction_id: str, state: ChargingState, at: datetime
    ) -> None:
        async def apply(uow: UnitOfWork) -> None:
            session = await uow.sessions.by_transaction(station_id, transaction_id, for_update=True)
            if session is None or session.ended_at is not None:
                return
            if session.metering.switch(max(at, session.started_at), _KIND[state]):
                await self._changed(uow, session, at)

        await self.writes.run(apply)

    async def _changed(self, uow: UnitOfWork, session: ChargeSession, at: datetime) -> None:
        now = self.clock.now()
        session.reported(at)
        session.last_updated = now
        self._price(session, session.as_of or at)
        await self._store(uow, session, now)

    async def _store(self, uow: UnitOfWork, session: ChargeSession, now: datetime) -> None:
        wire = session.document()
        document = orjson.dumps(wire)
        await queue_session(uow, self.publisher, session, wire, now)
        await uow.sessions.save(session, document)

    def _price(self, session: ChargeSession, end: datetime) -> Priced:
        """Price the session up to ``end`` and show it as its running ``total_cost``; a charge
        that cannot be priced shows no cost (its CDR will be held)."""
        priced = price_session(session, end, self.settings.pricing.total_decimals)
        if priced.unpriced is not None:
            session.total_cost = None
        elif priced.result is not None:
            session.total_cost = priced.result.to_cdr_totals()["total_cost"]  # type: ignore[assignment]
        return priced

    # --- charging preferences (services.smart_charging decides, this records) ----------------

    async def record_preferences(
        self,
        key: SessionKey,
        preferences: Json,
        profile: Json | None = None,
        sent_at: datetime | None = None,
        *,
        due_at: datetime | None = None,
        pending_sent: bool = False,
    ) -> bool:
        """Keep the driver's preferences with the running session and, when the station accepted
        one, its charging profile: the running period is cut there (the periods then show the
        power drawn under each limit) and the change is pushed. False: the session ended
        meanwhile, nothing is written.

        Without a profile, ``due_at`` is when their profile is due (None: none will be sent).
        ``pending_sent``: the profile was made from preferences that waited; should newer ones
        have been recorded meanwhile (by another instance), they stay recorded and waiting."""
        async with self.storage.transaction() as uow:
            session = await uow.sessions.get(key, for_update=True)
            if session is None or session.status is not SessionStatus.ACTIVE or session.ended_at:
                return False
            if profile is None:
                session.charging_preferences = preferences
                session.profile_due_at = due_at
                document = await uow.sessions.document(key)
                assert document is not None
                await uow.sessions.save(session, document)
                return True
            newer = pending_sent and session.charging_preferences != preferences
            if not newer:
                session.charging_preferences = preferences
                session.profile_due_at = None
            now = self.clock.now()
            session.charging_profile = profile
            session.profile_sent_at = sent_at or now
            at = max(now, session.as_of or session.started_at)
            if session.metering.cut(at):
                session.reported(at)
            session.last_updated = now
            self._price(session, session.as_of or at)
            await self._store(uow, session, now)
            return True

    async def drop_pending_profile(self, key: SessionKey, preferences: Json) -> None:
        """No profile will be sent for these preferences (impossible now, or refused by the
        station): they stay recorded, nothing waits any more. Newer ones keep waiting."""
        async with self.storage.transaction() as uow:
            session = await uow.sessions.get(key, for_update=True)
            if session is None or session.profile_due_at is None:
                return
            if session.charging_preferences != preferences:
                return
            session.profile_due_at = None
            document = await uow.sessions.document(key)
            assert document is not None
            await uow.sessions.save(session, document)

    # --- the end -------------------------------------------------------------------------------

    async def transaction_stopped(self, event: TransactionStopped) -> str | None:
        """Complete the session and build its CDR; the CDR id (None when none is due)."""
        return await self.writes.run(functools.partial(self._stop, event=event))

    async def _stop(self, uow: UnitOfWork, *, event: TransactionStopped) -> str | None:
        session = await uow.sessions.by_transaction(
            event.station_id, event.transaction_id, for_update=True
        )
        if session is None or session.ended_at is not None:
            return None
        if event.meter_stop_wh is not None:
            session.metering.register(event.meter_stop_wh)
        session.ended_at = max(event.stopped_at, session.started_at)
        session.profile_due_at = None  # a profile for an ended session is pointless
        if session.status is SessionStatus.ACTIVE:
            session.status = SessionStatus.COMPLETED
        now = self.clock.now()
        session.last_updated = max(now, session.ended_at)
        priced = self._price(session, session.ended_at)
        cdr_id = None
        if session.status is SessionStatus.COMPLETED:
            cdr_id = await cdr_service.close(uow, self.publisher, session, priced, event, now)
            session.cdr_id = cdr_id
        await self._store(uow, session, now)
        return cdr_id

    # --- SessionDirectory ----------------------------------------------------------------------

    async def transaction_of(
        self, session_id: str, parties: Parties, operation: tuple[str, str] | None = None
    ) -> tuple[str, str] | None:
        async with self.storage.read() as uow:
            found = await uow.sessions.by_id(session_id)
        for session in found:
            if (
                session.status in (SessionStatus.ACTIVE, SessionStatus.PENDING)
                and session.transaction_id is not None
                and may_act_on(parties, session.token_party)
                and operation in (None, (session.key.country_code, session.key.party_id))
            ):
                return session.station_id, session.transaction_id
        return None
