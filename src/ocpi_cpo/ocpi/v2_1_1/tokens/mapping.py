"""OCPI 2.1.1 Tokens <-> the stored (2.2.1-rich) token.

Stored form: the 2.2.1 Token, its owner taken from the URL (2.1.1 tokens name none) and
``contract_id`` from ``auth_id``; so a 2.1.1 eMSP's token authorizes, prices and routes a charge
exactly as a 2.2.1 one (``domain.cdrs.cdr_token_of``). Rendered back, the 2.1.1 fields only.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ocpi_cpo.domain.authorization import StoredToken
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.ocpi.errors import InvalidParameters
from ocpi_cpo.ocpi.v2_1_1.tokens.schemas import Token
from ocpi_cpo.ocpi.v2_2_1.tokens import mapping as stored_tokens
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token as StoredWire

Json = dict[str, Any]
_OPTIONAL = ("visual_number", "language")


def stored_form(token: Json, country_code: str, party_id: str) -> Json:
    """A 2.1.1 Token (JSON) as the 2.2.1 Token we keep."""
    document: Json = {
        "country_code": country_code.upper(),
        "party_id": party_id.upper(),
        "uid": token["uid"],
        "type": token["type"],
        "contract_id": token["auth_id"],
        "issuer": token["issuer"],
        "valid": token["valid"],
        "whitelist": token["whitelist"],
        "last_updated": token["last_updated"],
    }
    for name in _OPTIONAL:
        if token.get(name) is not None:
            document[name] = token[name]
    return document


def wire_form(document: Json) -> Json:
    """The stored token in 2.1.1 form."""
    body: Json = {
        "uid": document["uid"],
        "type": document["type"] if document["type"] in ("RFID", "OTHER") else "OTHER",
        "auth_id": document["contract_id"],
        "issuer": document["issuer"],
        "valid": document["valid"],
        "whitelist": document["whitelist"],
        "last_updated": document["last_updated"],
    }
    for name in _OPTIONAL:
        if document.get(name) is not None:
            body[name] = document[name]
    return body


def to_stored(token: Token, country_code: str, party_id: str, partner_id: int) -> StoredToken:
    """What we keep of a 2.1.1 token; a value the stored form cannot hold (a uid that is not
    printable ASCII) is OCPI 2001 naming the field."""
    document = stored_form(token.model_dump(mode="json"), country_code, party_id)
    try:
        wire = StoredWire.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = json_path(("token", *first["loc"])).replace("contract_id", "auth_id")
        raise InvalidParameters(f"{where}: {first['msg']}") from None
    return stored_tokens.to_stored(wire, partner_id)
