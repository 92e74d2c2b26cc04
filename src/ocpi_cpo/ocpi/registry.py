"""Every OCPI version this platform speaks: what the app mounts and what /ocpi/versions lists."""

from __future__ import annotations

from fastapi import APIRouter

from ocpi_cpo.ocpi import versions
from ocpi_cpo.ocpi.sender import SenderList
from ocpi_cpo.ocpi.v2_1_1 import registry as v2_1_1
from ocpi_cpo.ocpi.v2_2_1 import registry as v2_2_1

PACKAGES: tuple[versions.VersionPackage, ...] = (
    versions.VersionPackage("2.2.1", v2_2_1.routers),
    versions.VersionPackage("2.1.1", v2_1_1.routers),
)


def routers() -> list[tuple[APIRouter, str]]:
    """(router, prefix): GET /ocpi/versions, then every version's details and modules."""
    mounted = [(versions.router(PACKAGES), "")]
    for package in PACKAGES:
        mounted += package.routers()
    return mounted


def sender_lists() -> dict[str, SenderList]:
    """path -> a Sender's list GET, of every version (api.sender_lists)."""
    return {**v2_2_1.sender_lists(), **v2_1_1.sender_lists()}
