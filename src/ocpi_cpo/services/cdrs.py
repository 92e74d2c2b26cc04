"""CDR use cases: the CDR of a completed session, held CDRs, Credit CDRs, reads for the Sender and
the CLI.

The CDR is built in the transaction that completes the session and POSTed at once to every partner
that hears about the charge (gireve.md §11.1: real time, never batched); the outbox worker is woken
on commit and keeps the answer's Location header (``outbox.reply_location``).

A CDR that cannot be priced (its tariff is missing, or the engine refuses it) is *held*: stored
with the reason, never queued, never in a Sender page (mod_cdrs: a CDR is final, only a Credit
CDR corrects it). :func:`reprice` prices it again once the tariff is fixed and sends it;
:func:`release_free` sends it at zero cost on purpose, with the reason in ``remark``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson

from ocpi_cpo.domain.cdrs import (
    ZERO_COST,
    CreditRefused,
    Json,
    Signed,
    StoredCdr,
    build_cdr,
    credit_cdr,
    signed_data,
)
from ocpi_cpo.domain.sessions import ChargeSession, SessionKey
from ocpi_cpo.domain.stations import TransactionStopped
from ocpi_cpo.services.charge_pricing import Priced, price_session
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.services.session_opening import place_of, tariff_for
from ocpi_cpo.services.session_pushes import queue_cdr, queue_session
from ocpi_cpo.storage.protocols import UnitOfWork

log = logging.getLogger("ocpi_cpo.cdrs")


def stored(
    cdr: Json,
    document: bytes,
    last_updated: datetime,
    held_reason: str | None = None,
) -> StoredCdr:
    token = cdr["cdr_token"]
    return StoredCdr(
        country_code=str(cdr["country_code"]),
        party_id=str(cdr["party_id"]),
        id=str(cdr["id"]),
        session_id=cdr.get("session_id"),
        credit=bool(cdr.get("credit")),
        credit_reference_id=cdr.get("credit_reference_id"),
        token_country_code=str(token["country_code"]),
        token_party_id=str(token["party_id"]),
        last_updated=last_updated,
        document=document,
        held_reason=held_reason,
        held_since=last_updated if held_reason is not None else None,
    )


async def close(
    uow: UnitOfWork,
    publisher: Publisher,
    session: ChargeSession,
    priced: Priced,
    event: TransactionStopped,
    now: datetime,
) -> str:
    """Build, store and queue the CDR of ``session`` (completed); its id. Held when unpriced."""
    assert session.ended_at is not None
    signed = signed_data(Signed(event.encoding_method, event.public_key, event.signed_values))
    cdr = build_cdr(
        session, session.key.id, session.periods(session.ended_at), priced.result, signed, now
    )
    document = orjson.dumps(cdr)
    await uow.cdrs.add(stored(cdr, document, now, priced.unpriced))
    if priced.unpriced is not None:
        log.error(
            "CDR %s held, not sent: %s (fix the tariff, then 'ocpi-cpo cdrs reprice %s')",
            cdr["id"],
            priced.unpriced,
            cdr["id"],
        )
    elif session.published:
        await queue_cdr(uow, publisher, cdr, now, place=session.place)
    return str(cdr["id"])


async def one(uow: UnitOfWork, cdr_id: str) -> StoredCdr:
    found = await uow.cdrs.by_id(cdr_id, include_held=True)
    if not found:
        raise NotFoundError(f"no CDR {cdr_id!r}: see 'ocpi-cpo cdrs list'")
    if len(found) > 1:
        owners = ", ".join(f"{c.country_code}/{c.party_id}" for c in found)
        raise ConflictError(f"CDR id {cdr_id!r} exists for several operations ({owners})")
    return found[0]


def held_view(cdr: StoredCdr, now: datetime) -> dict[str, Any]:
    """A held CDR as ``cdrs held`` and ``GET /admin/cdrs/held`` show it."""
    document = orjson.loads(cdr.document)
    since = cdr.held_since or cdr.last_updated
    return {
        "id": cdr.id,
        "country_code": cdr.country_code,
        "party_id": cdr.party_id,
        "session_id": cdr.session_id,
        "end_date_time": document.get("end_date_time"),
        "total_energy": document.get("total_energy"),
        "reason": cdr.held_reason,
        "held_since": since.isoformat(),
        "held_seconds": max(0, int((now - since).total_seconds())),
    }


async def _held(uow: UnitOfWork, cdr_id: str) -> tuple[StoredCdr, ChargeSession]:
    cdr = await one(uow, cdr_id)
    if not cdr.held:
        raise ConflictError(
            f"CDR {cdr_id} is not held: it was sent and is final; correct it with"
            f" 'ocpi-cpo cdrs credit {cdr_id} --reason TEXT'"
        )
    session = None
    if cdr.session_id is not None:
        key = SessionKey(cdr.country_code, cdr.party_id, cdr.session_id)
        session = await uow.sessions.get(key, for_update=True)
    if session is None or session.ended_at is None:
        raise ConflictError(f"CDR {cdr_id}: its session {cdr.session_id} is not stored complete")
    return cdr, session


async def _send(
    uow: UnitOfWork,
    publisher: Publisher,
    cdr: StoredCdr,
    session: ChargeSession,
    built: Json,
    now: datetime,
) -> None:
    """The held CDR leaves: stored as final, and the Session is pushed again with the same
    ``total_cost`` as the CDR, in the same transaction as the CDR's POST."""
    document = orjson.dumps(built)
    if not await uow.cdrs.release(stored(built, document, now)):
        raise ConflictError(f"CDR {cdr.id} was released meanwhile")
    session.total_cost = built["total_cost"]
    session.last_updated = now
    wire = session.document()
    session_document = orjson.dumps(wire)
    await queue_session(uow, publisher, session, wire, now)
    await uow.sessions.save(session, session_document)
    if session.published:
        await queue_cdr(uow, publisher, built, now, place=session.place)


async def reprice(
    uow: UnitOfWork,
    publisher: Publisher,
    cdr_id: str,
    now: datetime,
    decimals: int | None = None,
) -> Json:
    """Price a held CDR again with the tariff its connector names now (in force at the session's
    start) and send it; still unpriceable: RuleViolation with the reason (it stays held)."""
    cdr, session = await _held(uow, cdr_id)
    place = await place_of(uow, session)
    if place is not None:
        session.tariff_ids = place.tariff_ids
        session.tariff = await tariff_for(uow, place, session.token_party, session.started_at)
        if session.tariff is not None:
            session.currency = str(session.tariff["currency"])
    assert session.ended_at is not None
    priced = price_session(session, session.ended_at, decimals)
    if priced.unpriced is not None:
        await uow.cdrs.still_held(cdr, priced.unpriced)
        raise RuleViolation(f"CDR {cdr_id} still cannot be priced: {priced.unpriced}")
    held = orjson.loads(cdr.document)
    built = build_cdr(
        session,
        cdr.id,
        session.periods(session.ended_at),
        priced.result,
        held.get("signed_data"),
        now,
    )
    await _send(uow, publisher, cdr, session, built, now)
    return built


async def release_free(
    uow: UnitOfWork, publisher: Publisher, cdr_id: str, reason: str, now: datetime
) -> Json:
    """Send a held CDR at zero cost on purpose; ``reason`` goes in its ``remark``."""
    if not reason.strip():
        raise RuleViolation("give the reason (--reason TEXT): it goes in the CDR's remark")
    cdr, session = await _held(uow, cdr_id)
    held = orjson.loads(cdr.document)
    built = build_cdr(
        session,
        cdr.id,
        session.periods(session.ended_at),
        None,
        held.get("signed_data"),
        now,
        remark=reason.strip(),
    )
    built["total_cost"] = dict(ZERO_COST)
    await _send(uow, publisher, cdr, session, built, now)
    return built


async def credit(
    uow: UnitOfWork, publisher: Publisher, cdr_id: str, reason: str, now: datetime
) -> Json:
    """Create the Credit CDR of ``cdr_id`` and POST it where the original went (mod_cdrs)."""
    original = await one(uow, cdr_id)
    if original.held:
        raise ConflictError(
            f"CDR {cdr_id} is held, never sent: reprice it ('ocpi-cpo cdrs reprice {cdr_id}')"
            " or release it ('ocpi-cpo cdrs release ... --zero-cost'), no credit is needed"
        )
    if await uow.cdrs.credits_of(cdr_id):
        raise ConflictError(f"CDR {cdr_id} is already credited: see 'ocpi-cpo cdrs list'")
    try:
        cdr = credit_cdr(orjson.loads(original.document), reason, now)
    except CreditRefused as exc:
        raise RuleViolation(str(exc)) from None
    document = orjson.dumps(cdr)
    await uow.cdrs.add(stored(cdr, document, now))
    await queue_cdr(uow, publisher, cdr, now)
    return cdr
