"""OCPI 2.1.1 CDRs wire models (mod_cdrs 2.1.1): ``stop_date_time``, ``auth_id``, ``location``
(only the charge's EVSE and connector), ``tariffs``, totals as plain numbers, no credit CDRs."""

from __future__ import annotations

from ocpi_cpo.ocpi.v2_1_1.locations.schemas import Location
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import AuthMethod, ChargingPeriod
from ocpi_cpo.ocpi.v2_1_1.tariffs.schemas import Tariff
from ocpi_cpo.ocpi.v2_1_1.types import String36
from ocpi_cpo.ocpi.v2_2_1.types import (
    DateTime,
    NonNegativeNumber,
    Number,
    OcpiModel,
    String3,
    String255,
)


class CDR(OcpiModel):
    id: String36
    start_date_time: DateTime
    stop_date_time: DateTime
    auth_id: String36
    auth_method: AuthMethod
    location: Location
    meter_id: String255 | None = None
    currency: String3
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod]
    total_cost: Number
    total_energy: NonNegativeNumber
    total_time: NonNegativeNumber
    total_parking_time: NonNegativeNumber | None = None
    remark: String255 | None = None
    #: Gireve's 2.1.1 addition (gireve.md §8.6): the eMSP's reference of the authorization
    authorization_id: String36 | None = None
    last_updated: DateTime
