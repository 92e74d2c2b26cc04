"""Who hears about a charge, and the session and CDR publications (gireve.md §10-11, §13).

Who hears about a charge: a hub (role HUB: Gireve dispatches to the eMSP) and any partner one of
whose parties owns the token. What each of them receives on the wire (a whole Session or the
changes, a CDR POST) is its version's Sessions and CDRs Receiver clients
(``ocpi.v2_2_1.sessions.receiver``, ``ocpi.v2_2_1.cdrs.receiver``), through the publisher.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import ChargeSession, Json, SessionKey
from ocpi_cpo.services.delivery import receivers
from ocpi_cpo.services.publishing import CdrClosed, Publisher, SessionUpdated
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
    """The CDR's outbox ordering key, apart from its session's (same id): a session's whole
    update must not supersede its CDR."""
    return f"cdr/{cdr['country_code']}/{cdr['party_id']}/{cdr['id']}"


def cdr_after_key(cdr: Json) -> str | None:
    """The session a CDR waits for (issue 16 item 5): the CDR goes out only once that session's
    messages to the partner are no longer pending (its final state delivered, or parked), so a
    hub never gets a CDR before the session's COMPLETED update."""
    session_id = cdr.get("session_id")
    if not session_id:
        return None
    return str(SessionKey(str(cdr["country_code"]), str(cdr["party_id"]), str(session_id)))


async def queue_session(
    uow: UnitOfWork,
    publisher: Publisher,
    session: ChargeSession,
    document: Json,
    now: datetime,
    *,
    first: bool = False,
) -> int:
    """Publish this change of ``session`` to every partner that hears about it; how many
    messages. Call before saving the session: a partial update advances ``periods_sent``."""
    if not session.published:
        return 0
    partners = [p for p in await receivers(uow, SESSIONS) if hears_about(p, session.token_party)]
    return await publisher.publish(uow, partners, SessionUpdated(session, document, first), now)


async def queue_cdr(
    uow: UnitOfWork,
    publisher: Publisher,
    cdr: Json,
    now: datetime,
    partners: Sequence[Partner] | None = None,
    place: Json | None = None,
) -> int:
    """Publish the CDR to every partner with a CDRs Receiver that hears about it (or
    ``partners``)."""
    token = cdr["cdr_token"]
    party = (str(token["country_code"]), str(token["party_id"]))
    targets = partners if partners is not None else await receivers(uow, CDRS)
    hearing = [p for p in targets if hears_about(p, party)]
    return await publisher.publish(uow, hearing, CdrClosed(cdr, place), now)
