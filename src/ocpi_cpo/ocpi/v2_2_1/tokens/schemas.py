"""OCPI 2.2.1 Tokens wire models (mod_tokens): Token, its PATCH body, real-time authorization."""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_2_1.types import (
    CiString36,
    CiString64,
    CountryCode,
    DateTime,
    DisplayText,
    OcpiModel,
    PartyId,
    String2,
    String64,
)


class TokenType(StrEnum):
    """TokenType (mod_tokens)."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """WhitelistType (mod_tokens): when the CPO must ask the eMSP in real time."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    """AllowedType (mod_tokens): answer of a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(StrEnum):
    """ProfileType (mod_tokens): the driver's preferred smart-charging profile."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiModel):
    """EnergyContract (mod_tokens)."""

    supplier_name: String64
    contract_id: CiString64 | None = None


class Token(OcpiModel):
    """Token object (mod_tokens); owned by the eMSP, unique by (``uid``, ``type``)."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class TokenPatch(OcpiModel):
    """PATCH body on a Token (mod_tokens): only changed fields, ``last_updated`` required."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    uid: CiString36 | None = None
    type: TokenType | None = None
    contract_id: CiString36 | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None
    valid: bool | None = None
    whitelist: WhitelistType | None = None
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class LocationReferences(OcpiModel):
    """LocationReferences (mod_tokens): body of POST authorize (Gireve: mandatory, one EVSE)."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class AuthorizationInfo(OcpiModel):
    """AuthorizationInfo (mod_tokens): the eMSP's answer to POST ``{token_uid}/authorize``."""

    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None
