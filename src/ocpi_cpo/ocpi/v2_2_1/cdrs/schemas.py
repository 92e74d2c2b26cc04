"""OCPI 2.2.1 CDRs wire models (mod_cdrs); CdrToken and ChargingPeriod come from sessions."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from ocpi_cpo.ocpi.v2_2_1.locations.schemas import ConnectorFormat, ConnectorType, PowerType
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import (
    SESSION_ONLY_DIMENSIONS,
    AuthMethod,
    CdrToken,
    ChargingPeriod,
)
from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import Tariff
from ocpi_cpo.ocpi.v2_2_1.types import (
    CiString32,
    CiString36,
    CiString39,
    CiString48,
    CountryCode,
    DateTime,
    GeoLocation,
    NonNegativeInt,
    NonNegativeNumber,
    OcpiModel,
    PartyId,
    Price,
    String3,
    String10,
    String20,
    String45,
    String255,
    String512,
    String5000,
)


class CdrLocation(OcpiModel):
    """CdrLocation (mod_cdrs): the Location, EVSE and Connector as they were at session start."""

    id: CiString36
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: String10 | None = None
    state: String20 | None = None
    country: String3
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    """SignedValue (mod_cdrs): one signed meter value; ``nature`` is Start, End or Intermediate."""

    nature: CiString32
    plain_data: String5000
    signed_data: String5000


class SignedData(OcpiModel):
    """SignedData (mod_cdrs): calibration-law (Eichrecht) signed meter values, e.g. OCMF."""

    encoding_method: CiString36
    encoding_method_version: NonNegativeInt | None = None
    public_key: String512 | None = None
    signed_values: Annotated[list[SignedValue], Field(min_length=1)]
    url: String512 | None = None


class CDR(OcpiModel):
    """CDR object (mod_cdrs): final and immutable; a correction is a Credit CDR.

    A Credit CDR (``credit`` true) must name the CDR it credits in ``credit_reference_id``.
    Session-only dimensions (CURRENT, POWER, STATE_OF_CHARGE, ENERGY_IMPORT/EXPORT) are refused.
    """

    country_code: CountryCode
    party_id: PartyId
    id: CiString39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: NonNegativeNumber
    total_energy_cost: Price | None = None
    total_time: NonNegativeNumber
    total_time_cost: Price | None = None
    total_parking_time: NonNegativeNumber | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _credit_names_its_original(self) -> Self:
        if self.credit and self.credit_reference_id is None:
            raise ValueError("credit_reference_id: required for a Credit CDR (credit is true)")
        return self

    @model_validator(mode="after")
    def _no_session_only_dimensions(self) -> Self:
        for period in self.charging_periods:
            for dimension in period.dimensions:
                if dimension.type in SESSION_ONLY_DIMENSIONS:
                    raise ValueError(
                        f"charging_periods: dimension {dimension.type.value} is for Sessions only"
                    )
        return self
