"""Versions module objects (version_information_endpoint)."""

from __future__ import annotations

import enum

from ocpi_cpo.ocpi.v2_2_1.types import OcpiModel, Url


class InterfaceRole(enum.StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Version(OcpiModel):
    version: str
    url: Url


class Endpoint(OcpiModel):
    identifier: str
    role: InterfaceRole
    url: Url


class VersionDetails(OcpiModel):
    version: str
    endpoints: list[Endpoint]
