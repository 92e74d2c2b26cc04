"""Token wire objects <-> domain."""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.authorization import StoredToken, TokenKey, Whitelist
from ocpi_cpo.domain.tokens import TokenUidError, normalise_rfid_uid
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token


def lookup_uid(uid: str, token_type: str) -> str:
    """RFID uids are kept in Gireve's form, so a station's reading finds them (gireve.md §8.4)."""
    if token_type == "RFID":
        try:
            return normalise_rfid_uid(uid)
        except TokenUidError:
            return uid
    return uid


def key_of(country_code: str, party_id: str, uid: str, token_type: str) -> TokenKey:
    return TokenKey(country_code.upper(), party_id.upper(), lookup_uid(uid, token_type), token_type)


def to_stored(token: Token, partner_id: int | None) -> StoredToken:
    return StoredToken(
        key=key_of(token.country_code, token.party_id, token.uid, token.type.value),
        contract_id=token.contract_id,
        valid=token.valid,
        whitelist=Whitelist(token.whitelist.value),
        last_updated=token.last_updated,
        document=orjson.dumps(token.model_dump(mode="json", exclude_none=True)),
        partner_id=partner_id,
    )
