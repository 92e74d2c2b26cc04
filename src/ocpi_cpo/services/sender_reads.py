"""What the OCPI version packages read and write for partners: Sender pages and lookups,
tokens and client info the partner gives us, who a token belongs to.

Thin on purpose: the version packages own only their wire, and storage is reached through
services alone (``tools/check_repository_calls.py`` keeps it so in ``make check``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ocpi_cpo.domain.authorization import StoredToken, TokenKey
from ocpi_cpo.domain.cdrs import CdrPage, StoredCdr
from ocpi_cpo.domain.partners import ClientInfo, Partner, TokenKind
from ocpi_cpo.domain.sessions import ChargeSession, SessionKey, SessionPage
from ocpi_cpo.domain.tariffs import Tariff, TariffPage
from ocpi_cpo.storage.protocols import UnitOfWork


async def caller_of(uow: UnitOfWork, token: str) -> tuple[Partner, TokenKind] | None:
    """The partner a token we issued belongs to, and which kind of token it is."""
    found = await uow.tokens.find(token)
    if found is None:
        return None
    partner = await uow.partners.get(found[0])
    return None if partner is None else (partner, found[1])


async def seen(uow: UnitOfWork, partner_id: int, now: datetime) -> None:
    await uow.partners.touch(partner_id, now)


async def session_page(uow: UnitOfWork, query: SessionPage) -> tuple[int, list[bytes]]:
    return await uow.sessions.page(query)


async def sessions_published_after(
    uow: UnitOfWork, after: int, limit: int
) -> Sequence[tuple[int, ChargeSession]]:
    return await uow.sessions.published_after(after, limit)


async def cdr_page(uow: UnitOfWork, query: CdrPage) -> tuple[int, list[bytes]]:
    return await uow.cdrs.page(query)


async def cdrs_by_id(uow: UnitOfWork, cdr_id: str) -> list[StoredCdr]:
    return await uow.cdrs.by_id(cdr_id)


async def cdrs_sent_to(
    uow: UnitOfWork, partner_id: int
) -> tuple[list[tuple[str, str, str | None]], dict[str, StoredCdr]]:
    """(object key, outbox state, reply Location) of each CDR sent to the partner, and the
    stored CDRs by object key."""
    sent = await uow.cdrs.sent_to(partner_id)
    stored = {
        f"cdr/{c.country_code}/{c.party_id}/{c.id}": c
        for c in await uow.cdrs.all_sorted([key for key, _, _ in sent])
    }
    return sent, stored


async def tariff_page(uow: UnitOfWork, query: TariffPage) -> tuple[int, list[bytes]]:
    return await uow.tariffs.page(query)


async def tariff_descriptions(
    uow: UnitOfWork, country_code: str, party_id: str, tariff_id: str
) -> list[Tariff]:
    return list(await uow.tariffs.descriptions(country_code, party_id, tariff_id))


async def client_info(
    uow: UnitOfWork, partner_id: int, country_code: str, party_id: str
) -> ClientInfo | None:
    return await uow.client_info.get(partner_id, country_code, party_id)


async def put_client_info(uow: UnitOfWork, partner_id: int, info: ClientInfo) -> bool:
    """Store what the hub says of a party; True when it was new."""
    return await uow.client_info.upsert(partner_id, info)


async def emsp_token(
    uow: UnitOfWork, key: TokenKey, *, for_update: bool = False
) -> StoredToken | None:
    """``for_update``: to merge a change into it (a PATCH); see ``EmspTokenRepository.get``."""
    return await uow.emsp_tokens.get(key, for_update=for_update)


async def put_emsp_token(uow: UnitOfWork, token: StoredToken) -> bool:
    """Store a token an eMSP gave us; True when it was new."""
    return await uow.emsp_tokens.put(token)


async def places(
    uow: UnitOfWork, keys: Sequence[SessionKey]
) -> dict[SessionKey, dict[str, object] | None]:
    """Each charge's ``place`` (the Location at its start with only its EVSE and connector), which
    an OCPI 2.1.1 Session or CDR carries as ``location``; None for a charge that kept none."""
    found: dict[SessionKey, dict[str, object] | None] = {}
    for key in keys:
        if key not in found:
            session = await uow.sessions.get(key)
            found[key] = session.place if session is not None else None
    return found
