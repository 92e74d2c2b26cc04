"""A partner's OCPI 2.2.1 version details, read (version_information_endpoint): endpoints with
their interface role. Discovery itself is version-neutral (``ocpi.discovery``)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ocpi_cpo.domain.partners import Endpoint
from ocpi_cpo.ocpi.v2_2_1.versions.schemas import VersionDetails


def endpoints_of(data: Any) -> list[Endpoint]:
    """The endpoints of a 2.2.1 VersionDetails object; ValueError when it is not one."""
    try:
        details = VersionDetails.model_validate(data)
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
    return [Endpoint(e.identifier, e.role.value, e.url) for e in details.endpoints]
