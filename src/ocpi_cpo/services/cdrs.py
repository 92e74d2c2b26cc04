"""CDR use cases: the CDR of a completed session, Credit CDRs, reads for the Sender and the CLI.

The CDR is built in the transaction that completes the session and POSTed at once to every partner
that hears about the charge (gireve.md §11.1: real time, never batched); the outbox worker is woken
on commit and keeps the answer's Location header (``outbox.reply_location``).
"""

from __future__ import annotations

from datetime import datetime

import orjson

from ocpi_cpo.domain.cdrs import (
    CreditRefused,
    Json,
    Signed,
    StoredCdr,
    build_cdr,
    credit_cdr,
)
from ocpi_cpo.domain.pricing.result import PricingResult
from ocpi_cpo.domain.sessions import ChargeSession
from ocpi_cpo.domain.stations import TransactionStopped
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.services.session_pushes import queue_cdr
from ocpi_cpo.storage.protocols import UnitOfWork


def stored(cdr: Json, document: bytes, last_updated: datetime) -> StoredCdr:
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
    )


async def close(
    uow: UnitOfWork,
    session: ChargeSession,
    pricing: PricingResult | None,
    event: TransactionStopped,
    now: datetime,
) -> str:
    """Build, store and queue the CDR of ``session`` (completed); its id."""
    assert session.ended_at is not None
    signed = Signed(event.encoding_method, event.public_key, event.signed_values)
    cdr = build_cdr(
        session, session.key.id, session.periods(session.ended_at), pricing, signed, now
    )
    document = orjson.dumps(cdr)
    await uow.cdrs.add(stored(cdr, document, now))
    if session.published:
        await queue_cdr(uow, cdr, document, now)
    return str(cdr["id"])


async def one(uow: UnitOfWork, cdr_id: str) -> StoredCdr:
    found = await uow.cdrs.by_id(cdr_id)
    if not found:
        raise NotFoundError(f"no CDR {cdr_id!r}: see 'ocpi-cpo cdrs list'")
    if len(found) > 1:
        owners = ", ".join(f"{c.country_code}/{c.party_id}" for c in found)
        raise ConflictError(f"CDR id {cdr_id!r} exists for several operations ({owners})")
    return found[0]


async def credit(uow: UnitOfWork, cdr_id: str, reason: str, now: datetime) -> Json:
    """Create the Credit CDR of ``cdr_id`` and POST it where the original went (mod_cdrs)."""
    original = await one(uow, cdr_id)
    if await uow.cdrs.credits_of(cdr_id):
        raise ConflictError(f"CDR {cdr_id} is already credited: see 'ocpi-cpo cdrs list'")
    try:
        cdr = credit_cdr(orjson.loads(original.document), reason, now)
    except CreditRefused as exc:
        raise RuleViolation(str(exc)) from None
    document = orjson.dumps(cdr)
    await uow.cdrs.add(stored(cdr, document, now))
    await queue_cdr(uow, cdr, document, now)
    return cdr
