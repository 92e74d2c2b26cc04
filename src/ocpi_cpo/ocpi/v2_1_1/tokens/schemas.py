"""OCPI 2.1.1 Tokens wire models (mod_tokens 2.1.1): the Token has no owner fields (they are in
the URL), ``auth_id`` where 2.2.1 has ``contract_id``, two token types; real-time authorization.

``authorization_id`` in AuthorizationInfo is Gireve's 2.1.1 addition (gireve.md §8.6): the
reference the eMSP gives to an authorization, copied into the Session and CDR (2.2.1 names it
``authorization_reference``).
"""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_1_1.types import String36, String39
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import AllowedType, WhitelistType
from ocpi_cpo.ocpi.v2_2_1.types import DateTime, DisplayText, OcpiModel, String2, String64


class TokenType(StrEnum):
    """TokenType (mod_tokens 2.1.1)."""

    OTHER = "OTHER"
    RFID = "RFID"


class Token(OcpiModel):
    """Token object (mod_tokens 2.1.1)."""

    uid: String36
    type: TokenType
    auth_id: String36
    visual_number: String64 | None = None
    issuer: String64
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    last_updated: DateTime


class TokenPatch(OcpiModel):
    """PATCH body on a Token (mod_tokens 2.1.1): only the fields that change."""

    uid: String36 | None = None
    type: TokenType | None = None
    auth_id: String36 | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    valid: bool | None = None
    whitelist: WhitelistType | None = None
    language: String2 | None = None
    last_updated: DateTime | None = None


class LocationReferences(OcpiModel):
    """LocationReferences (mod_tokens 2.1.1): the body of POST authorize."""

    location_id: String39
    evse_uids: list[String39] | None = None
    connector_ids: list[String36] | None = None


class AuthorizationInfo(OcpiModel):
    """AuthorizationInfo (mod_tokens 2.1.1): the eMSP's answer to POST ``{uid}/authorize``."""

    allowed: AllowedType
    location: LocationReferences | None = None
    info: DisplayText | None = None
    authorization_id: String36 | None = None


__all__ = ["AllowedType", "WhitelistType"]
