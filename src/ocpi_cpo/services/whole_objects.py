"""Whole objects for one partner: the one place the initial push (services.partner_sync), the
repair of a PATCH the partner could not apply (services.repairs) and the reconciliation get what
a partner should hold of an object.

Each is a published change asking for the whole object (services.publishing), so the partner's
own OCPI version renders it (``ocpi.<version>`` Receiver clients): a 2.1.1 partner gets its
initial push and its repairs in 2.1.1, as it gets live changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.locations import PARTNER_VISIBLE, Document, LocationKey, visibility_of
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import ChargeSession
from ocpi_cpo.domain.tariffs import Tariff
from ocpi_cpo.services.location_pushes import whole
from ocpi_cpo.services.publishing import LocationChanged, Publisher, SessionUpdated
from ocpi_cpo.services.session_pushes import hears_about
from ocpi_cpo.services.tariffs import whole_state


def _tagged(messages: list[NewMessage], sync_id: int | None) -> list[NewMessage]:
    if sync_id is None:
        return messages
    return [dataclasses.replace(m, sync_id=sync_id) for m in messages]


def location(
    publisher: Publisher, partner: Partner, document: Document, *, sync_id: int | None = None
) -> list[NewMessage]:
    """The whole Location, superseding what is queued for it; nothing when partners may not see
    it (gireve.md §7)."""
    if visibility_of(document) not in PARTNER_VISIBLE:
        return []
    change = LocationChanged(LocationKey.of(document), document, [whole(document)])
    return _tagged(publisher.messages(partner, change), sync_id)


def tariff(
    publisher: Publisher,
    partner: Partner,
    tariff_id: tuple[str, str, str],
    descriptions: Sequence[Tariff],
    *,
    sync_id: int | None = None,
) -> list[NewMessage]:
    """What the partner should hold of one tariff id (its description; every one for a hub)."""
    change = whole_state(partner, tariff_id, descriptions)
    return [] if change is None else _tagged(publisher.messages(partner, change), sync_id)


def session(publisher: Publisher, partner: Partner, charge: ChargeSession) -> list[NewMessage]:
    """The whole Session, superseding what is queued for it; nothing when the partner does not
    hear about it (gireve.md §10)."""
    if not charge.published or not hears_about(partner, charge.token_party):
        return []
    change = SessionUpdated(charge, charge.document(), first=False, resend=True)
    return publisher.messages(partner, change)
