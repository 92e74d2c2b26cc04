"""Sessions, CDRs and Tariffs in OCPI 2.1.1 form for a partner's Receiver interfaces.

The same URL layout as 2.2.1 (``{endpoint}/{country_code}/{party_id}/{id}``, CDRs POSTed to the
endpoint), bodies in 2.1.1 form (``render``) checked against the 2.1.1 models, no OCPI-from/to
routing headers (2.1.1 has none). Sessions: the whole Session for the first news, a partner that
missed the start, or a profile with ``session_updates_as_put``; PATCH otherwise. A Credit CDR is
not sent: 2.1.1 has none. ``receivers.Receivers`` imports this module on first use.
"""

from __future__ import annotations

import logging

import orjson

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import Json, SessionKey
from ocpi_cpo.domain.tariffs import Tariff
from ocpi_cpo.ocpi.v2_1_1 import gireve, render
from ocpi_cpo.ocpi.v2_1_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import Session
from ocpi_cpo.ocpi.v2_1_1.tariffs.schemas import Tariff as WireTariff
from ocpi_cpo.ocpi.wire_check import checked, partial
from ocpi_cpo.services.errors import WireRefused
from ocpi_cpo.services.publishing import (
    SessionUpdated,
    TariffsChanged,
)
from ocpi_cpo.services.session_pushes import cdr_object_key

VERSION = "2.1.1"
LOG = logging.getLogger("ocpi_cpo.publishing")


def _message(
    partner: Partner,
    module: str,
    object_key: str,
    method: str,
    url: str,
    body: Json | None,
    *,
    full_replace: bool = False,
) -> NewMessage:
    return NewMessage(
        partner_id=partner.id,
        module=module,
        object_key=object_key,
        method=method,
        url=url,
        body=None if body is None else orjson.dumps(body),
        full_replace=full_replace,
        version=VERSION,
    )


def session_whole(
    partner: Partner, document: Json, place: Json | None, *, supersede: bool
) -> NewMessage:
    """The whole Session in 2.1.1 form (first news, repairs, initial sync)."""
    key = SessionKey(str(document["country_code"]), str(document["party_id"]), str(document["id"]))
    body = checked(VERSION, "sessions", "session", Session, render.session(document, place))
    body = gireve.with_authorization_id(partner, body, document)
    url = path_of(key.country_code, key.party_id, key.id)
    return _message(partner, "sessions", str(key), "PUT", url, body, full_replace=supersede)


def sessions(partner: Partner, change: SessionUpdated) -> list[NewMessage]:
    if change.needs_whole(partner) or partner.profile.session_updates_as_put:
        return [
            session_whole(
                partner, change.document, change.session.place, supersede=not change.first
            )
        ]
    key = change.session.key
    body = checked(
        VERSION, "sessions", "session", partial(Session), render.session_changes(change.changes())
    )
    url = path_of(key.country_code, key.party_id, key.id)
    return [_message(partner, "sessions", str(key), "PATCH", url, body)]


def cdr_whole(partner: Partner, cdr: Json, place: Json | None) -> list[NewMessage]:
    """The CDR in 2.1.1 form, POSTed to the CDRs endpoint; none for a Credit CDR."""
    if cdr.get("credit"):
        LOG.warning(
            "Credit CDR %s not sent to partner %s: OCPI 2.1.1 has no Credit CDRs",
            cdr["id"],
            partner.name,
        )
        return []
    body = checked(VERSION, "cdrs", "cdr", CDR, render.cdr(cdr, place))
    body = gireve.with_authorization_id(partner, body, cdr)
    return [_message(partner, "cdrs", cdr_object_key(cdr), "POST", "", body)]


def tariff_whole(partner: Partner, tariff: Tariff, *, supersede: bool) -> NewMessage:
    """One description as a 2.1.1 PUT."""
    document = tariff.document()
    problem = render.tariff_problem(document)
    if problem is not None:
        raise WireRefused(VERSION, "tariffs", f"tariff.{problem[0]}", problem[1])
    body = checked(VERSION, "tariffs", "tariff", WireTariff, render.tariff(document))
    key = tariff.key
    url = path_of(key.country_code, key.party_id, key.id)
    object_key = f"{key.country_code}/{key.party_id}/{key.id}"
    return _message(partner, "tariffs", object_key, "PUT", url, body, full_replace=supersede)


def tariffs(partner: Partner, change: TariffsChanged) -> list[NewMessage]:
    change = gireve.tariffs_change(partner, change)
    country, party = change.owner
    result = []
    if change.withdraw:
        url = path_of(country, party, change.tariff_id)
        key = f"{country}/{party}/{change.tariff_id}"
        result.append(_message(partner, "tariffs", key, "DELETE", url, None))
    result += [tariff_whole(partner, t, supersede=change.complete) for t in change.publish]
    return result
