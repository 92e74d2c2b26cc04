"""The partner's CDRs Receiver, OCPI 2.2.1: a CDR as the message it takes.

mod_cdrs, Receiver interface: ``POST {receiver}`` with the CDR; the answer's ``Location`` header
says where the partner keeps it (kept as ``outbox.reply_location``). A CDR has its own
``object_key``, apart from its session's: a session's whole PUT must not supersede it.
"""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import Json
from ocpi_cpo.ocpi.v2_2_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_2_1.sessions.receiver import token_party
from ocpi_cpo.ocpi.wire_check import checked
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.publishing import CdrClosed
from ocpi_cpo.services.session_pushes import cdr_after_key, cdr_object_key

VERSION = "2.2.1"
MODULE = "cdrs"


def render_whole(partner: Partner, cdr: Json) -> NewMessage:
    """The CDR for ``partner``, validated against the 2.2.1 CDR object."""
    body = checked(VERSION, MODULE, "cdr", CDR, cdr)
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        object_key=cdr_object_key(cdr),
        method="POST",
        url="",
        body=orjson.dumps(body),
        routing=routing_for(
            partner, str(cdr["country_code"]), str(cdr["party_id"]), to_party=token_party(cdr)
        ),
        version=VERSION,
        after_key=cdr_after_key(cdr),
    )


def messages(partner: Partner, change: CdrClosed) -> list[NewMessage]:
    return [render_whole(partner, change.cdr)]
