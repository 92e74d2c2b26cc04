"""Real-time authorization of an RFID swipe (or a PnC contract): one decision, kept and measured.

1. The uid is normalised per Gireve (RFID: upper-case hex, 8 or 14 characters); a malformed uid is
   refused with the reason, never sent (the IOP would reject it: gireve.md §8.4).
2. A START_SESSION of the eMSP for this token at this location in the last 15 minutes: allowed,
   no request (mod_commands: never re-authorize a token sent in a command).
3. A valid token we hold with whitelist ALWAYS: allowed, no request.
4. Otherwise POST authorize to the hub with exactly one location and one EVSE; its answer and
   authorization_reference are kept for the session and CDR. Unknown token (404/2004): not allowed.
5. No usable answer within the configured time: the whitelist rules (``domain.authorization``).
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from ocpi_cpo import metrics
from ocpi_cpo.domain.authorization import (
    DecisionRecord,
    DecisionSource,
    HubAnswer,
    HubVerdict,
    StoredToken,
    from_allowed,
    local_decision,
    offline_decision,
)
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    AuthorizationRequest,
)
from ocpi_cpo.domain.tokens import TokenUidError, normalise_rfid_uid
from ocpi_cpo.services.delivery import receivers, routing_for
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

COMMAND_GRACE = timedelta(minutes=15)


class HubAuthorizer(Protocol):
    async def authorize(
        self,
        partner: Partner,
        uid: str,
        token_type: str,
        location_id: str,
        evse_uid: str,
        routing: Routing,
    ) -> HubAnswer: ...


@dataclass(frozen=True, slots=True)
class EvsePlace:
    location_id: str
    evse_uid: str
    country_code: str  # the owner operation
    party_id: str


async def locate_evse(uow: UnitOfWork, evse: str) -> EvsePlace | None:
    """An EVSE by its uid or by its eMI3 evse_id."""
    found = await uow.locations.by_evse_uid(evse)
    uid = evse
    if not found:
        by_id = await uow.locations.by_evse_id(evse)
        if by_id is None:
            return None
        uid, stored = by_id
        found = [stored]
    key = found[0].key
    return EvsePlace(key.id, uid, key.country_code, key.party_id)


class AuthorizationService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        hub: HubAuthorizer,
        timeout: float,
        writes: GroupCommit | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.hub = hub
        self.timeout = timeout
        #: decisions are kept in transactions shared with other station writes (issue 21)
        self.writes = writes or GroupCommit(storage)

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        record = await self.decide(request)
        return AuthorizationDecision(
            record.outcome, record.authorization_reference, record.offline, record.reason
        )

    async def decide(self, request: AuthorizationRequest) -> DecisionRecord:
        """Decide, keep and count the decision; the record as kept (with its id)."""
        judged = await self.judge(request)
        record = await self.writes.run(functools.partial(self.keep, record=judged))
        self.counted(record)
        return record

    async def keep(self, uow: UnitOfWork, record: DecisionRecord) -> DecisionRecord:
        """Keep a decision of :meth:`judge` in the caller's transaction; the record with its id
        (count it with :meth:`counted` once committed)."""
        return replace(record, id=await uow.emsp_tokens.record(record))

    def counted(self, record: DecisionRecord) -> None:
        metrics.AUTHORIZATIONS.labels(record.outcome.value, record.source.value).inc()
        metrics.AUTHORIZATION_LATENCY.labels(record.source.value).observe(record.latency_ms / 1000)

    async def judge(self, request: AuthorizationRequest) -> DecisionRecord:
        """Decide, not yet kept (no id): :meth:`keep` it, in the transaction that acts on it."""
        started = time.perf_counter()
        decision, source, place, uid, token_document = await self._decide(request)
        latency_ms = (time.perf_counter() - started) * 1000
        return DecisionRecord(
            id=None,
            at=self.clock.now(),
            # What the station sent is kept as far as OCPI's CiString(36) goes: a refused uid or an
            # unknown EVSE may be longer than anything we could have stored.
            uid=uid[:36],
            token_type=request.token_type,
            location_id=place.location_id if place else None,
            evse_uid=place.evse_uid if place else (request.evse_uid or "")[:36] or None,
            outcome=decision.outcome,
            source=source,
            offline=decision.offline,
            reason=decision.reason,
            latency_ms=latency_ms,
            authorization_reference=decision.authorization_reference,
            token_document=token_document,
        )

    async def _decide(
        self, request: AuthorizationRequest
    ) -> tuple[AuthorizationDecision, DecisionSource, EvsePlace | None, str, bytes | None]:
        uid = request.uid.strip()
        if request.token_type == "RFID":
            try:
                uid = normalise_rfid_uid(uid)
            except TokenUidError as exc:
                refused = AuthorizationDecision(AuthorizationOutcome.UNKNOWN, reason=str(exc))
                return refused, DecisionSource.REFUSED, None, uid, None
        async with self.storage.read() as uow:
            place = await locate_evse(uow, request.evse_uid) if request.evse_uid else None
            if request.evse_uid and place is None:
                refused = AuthorizationDecision(
                    AuthorizationOutcome.NOT_ALLOWED, reason=f"EVSE {request.evse_uid} is unknown"
                )
                return refused, DecisionSource.REFUSED, None, uid, None
            since = self.clock.now() - COMMAND_GRACE
            granted = await uow.emsp_tokens.latest(
                uid,
                since,
                source=DecisionSource.COMMAND,
                location_id=place.location_id if place else None,
            )
            tokens = await uow.emsp_tokens.by_uid(uid, request.token_type)
            hubs = await receivers(uow, "tokens", "SENDER")
        token = tokens[0] if tokens else None
        if granted is not None:
            allowed = AuthorizationDecision(
                AuthorizationOutcome.ALLOWED,
                granted.authorization_reference,
                reason="started by the eMSP's START_SESSION",
            )
            return allowed, DecisionSource.COMMAND, place, uid, granted.token_document
        local = local_decision(token)
        if local is not None:
            return local, DecisionSource.LOCAL, place, uid, token.document if token else None
        if place is not None:
            # a partner bound to another operation does not answer for this one's EVSEs
            # (one registration per operation, gireve-2.1.1.md §2)
            owner = (place.country_code.upper(), place.party_id.upper())
            hubs = [h for h in hubs if h.operation_party in (None, owner)]
        if place is None or not hubs:
            why = "no EVSE given" if place is None else "no partner offers real-time authorization"
            decision = offline_decision(token, why)
            return decision, DecisionSource.OFFLINE, place, uid, _document(token)
        return await self._ask(hubs, token, request.token_type, place, uid)

    async def _ask(
        self,
        hubs: list[Partner],
        token: StoredToken | None,
        token_type: str,
        place: EvsePlace,
        uid: str,
    ) -> tuple[AuthorizationDecision, DecisionSource, EvsePlace, str, bytes | None]:
        hub = next((p for p in hubs if token and p.id == token.partner_id), hubs[0])
        routing = routing_for(hub, place.country_code, place.party_id)
        try:
            answer = await asyncio.wait_for(
                self.hub.authorize(
                    hub, uid, token_type, place.location_id, place.evse_uid, routing
                ),
                self.timeout,
            )
        except TimeoutError:
            answer = HubAnswer(HubVerdict.FAILED, reason=f"no answer within {self.timeout:g} s")
        if answer.verdict is HubVerdict.ANSWERED and answer.allowed is not None:
            decision = AuthorizationDecision(
                from_allowed(answer.allowed), answer.authorization_reference, reason=answer.reason
            )
            document = answer.token_document
            if not answer.token_complete and token is not None:
                document = token.document
            return decision, DecisionSource.REAL_TIME, place, uid, document
        if answer.verdict is HubVerdict.UNKNOWN_TOKEN:
            decision = AuthorizationDecision(AuthorizationOutcome.UNKNOWN, reason=answer.reason)
            return decision, DecisionSource.REAL_TIME, place, uid, None
        return (
            offline_decision(token, answer.reason),
            DecisionSource.OFFLINE,
            place,
            uid,
            _document(token),
        )


def _document(token: StoredToken | None) -> bytes | None:
    return token.document if token is not None else None
