"""The partner's Sessions Receiver, OCPI 2.2.1: a session update as the message it takes.

mod_sessions, Receiver interface: ``PUT {receiver}/{country_code}/{party_id}/{session_id}`` with
the whole Session, or ``PATCH`` with what changed (``charging_periods`` appended). The whole
Session goes for the first news, to a partner that missed the start, and always under a profile
with ``session_updates_as_put`` (Gireve implements no session PATCH: gireve.md §10.2). Messages
of one session share one ``object_key``; a whole one supersedes what is still queued.
"""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import Json, SessionKey
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import Session, SessionPatch
from ocpi_cpo.ocpi.wire_check import checked
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.publishing import SessionUpdated

VERSION = "2.2.1"
MODULE = "sessions"


def session_url(key: SessionKey) -> str:
    return path_of(key.country_code, key.party_id, key.id)


def render_whole(partner: Partner, document: Json, *, supersede: bool = True) -> NewMessage:
    """The whole Session for ``partner`` (first news, repairs, initial sync)."""
    key = SessionKey(str(document["country_code"]), str(document["party_id"]), str(document["id"]))
    body = checked(VERSION, MODULE, "session", Session, document)
    return _message(partner, key, "PUT", body, full_replace=supersede, to=token_party(document))


def messages(partner: Partner, change: SessionUpdated) -> list[NewMessage]:
    whole = change.needs_whole(partner) or partner.profile.session_updates_as_put
    if whole:
        return [render_whole(partner, change.document, supersede=not change.first)]
    body = checked(VERSION, MODULE, "session", SessionPatch, change.changes())
    return [
        _message(
            partner,
            change.session.key,
            "PATCH",
            body,
            full_replace=False,
            to=change.session.token_party,
        )
    ]


def token_party(document: Json) -> tuple[str, str] | None:
    """The eMSP whose token a Session or CDR is about: OCPI-to when the partner is that eMSP."""
    token = document.get("cdr_token")
    if not isinstance(token, dict):
        return None
    return str(token.get("country_code", "")), str(token.get("party_id", ""))


def _message(
    partner: Partner,
    key: SessionKey,
    method: str,
    body: Json,
    *,
    full_replace: bool,
    to: tuple[str, str] | None,
) -> NewMessage:
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        object_key=str(key),
        method=method,
        url=session_url(key),
        body=orjson.dumps(body),
        routing=routing_for(partner, key.country_code, key.party_id, to_party=to),
        full_replace=full_replace,
        version=VERSION,
    )
