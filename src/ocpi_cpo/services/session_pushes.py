"""Session and CDR deliveries to partners, as outbox messages (gireve.md §10-11, §13).

Who hears about a charge: a hub (role HUB: Gireve dispatches to the eMSP) and any partner one of
whose parties owns the token. Sessions go as a full PUT for profiles with
``session_updates_as_put`` (Gireve does not implement session PATCH: gireve.md §10.2), for the
first message and for a partner registered after the session started; otherwise as a PATCH with
the fields that change and the periods closed since the last PATCH (a PATCH appends them). Every
message of a session shares one ``object_key``, so PUTs and PATCHes arrive in order; a full PUT
supersedes the older ones still queued. A CDR is POSTed to the CDRs Receiver endpoint itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import ChargeSession, Json, SessionKey
from ocpi_cpo.services.delivery import enqueue, receivers, routing_for
from ocpi_cpo.storage.protocols import UnitOfWork

SESSIONS = "sessions"
CDRS = "cdrs"


def is_hub(partner: Partner) -> bool:
    return any(role.role == "HUB" for role in partner.roles)


def hears_about(partner: Partner, token_party: tuple[str, str]) -> bool:
    """A hub hears about every charge; an eMSP about the charges of its own tokens."""
    if is_hub(partner):
        return True
    return any(
        (r.country_code.upper(), r.party_id.upper())
        == (token_party[0].upper(), token_party[1].upper())
        for r in partner.roles
    )


def audience(partner: Partner) -> frozenset[tuple[str, str]] | None:
    """What a partner may pull from our Senders: None (everything) for a hub, else its parties."""
    if is_hub(partner):
        return None
    return frozenset((r.country_code.upper(), r.party_id.upper()) for r in partner.roles)


def cdr_object_key(cdr: Json) -> str:
    """Apart from the session's key (same id): a session's full PUT must not supersede its CDR."""
    return f"cdr/{cdr['country_code']}/{cdr['party_id']}/{cdr['id']}"


def session_url(key: SessionKey) -> str:
    return path_of(key.country_code, key.party_id, key.id)


def _wants_put(partner: Partner, session: ChargeSession, first: bool) -> bool:
    if first or partner.profile.session_updates_as_put:
        return True
    registered, opened = partner.registered_at, session.opened_at or session.started_at
    return registered is not None and registered > opened


async def queue_session(
    uow: UnitOfWork,
    session: ChargeSession,
    document: bytes,
    now: datetime,
    *,
    first: bool = False,
) -> int:
    """Queue this change of ``session`` for every partner that hears about it; how many.

    Call before saving the session: a PATCH advances ``periods_sent``.
    """
    if not session.published:
        return 0
    partners = [p for p in await receivers(uow, SESSIONS) if hears_about(p, session.token_party)]
    patch: bytes | None = None
    messages = []
    for partner in partners:
        put = _wants_put(partner, session, first)
        if not put and patch is None:
            patch = orjson.dumps(session.patch())
        messages.append(
            NewMessage(
                partner_id=partner.id,
                module=SESSIONS,
                object_key=str(session.key),
                method="PUT" if put else "PATCH",
                url=session_url(session.key),
                body=document if put else patch,
                routing=routing_for(partner, session.key.country_code, session.key.party_id),
                full_replace=put and not first,
            )
        )
    for message in messages:
        await enqueue(uow, message, now)
    return len(messages)


async def queue_cdr(
    uow: UnitOfWork,
    cdr: Json,
    document: bytes,
    now: datetime,
    partners: Sequence[Partner] | None = None,
) -> int:
    """POST the CDR to every partner with a CDRs Receiver that hears about it (or ``partners``)."""
    token = cdr["cdr_token"]
    party = (str(token["country_code"]), str(token["party_id"]))
    targets = partners if partners is not None else await receivers(uow, CDRS)
    messages = [
        NewMessage(
            partner_id=partner.id,
            module=CDRS,
            object_key=cdr_object_key(cdr),
            method="POST",
            url="",
            body=document,
            routing=routing_for(partner, str(cdr["country_code"]), str(cdr["party_id"])),
        )
        for partner in targets
        if hears_about(partner, party)
    ]
    for message in messages:
        await enqueue(uow, message, now)
    return len(messages)
