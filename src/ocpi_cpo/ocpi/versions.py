"""GET /ocpi/versions: every OCPI version this platform speaks, and the choice of one with a
partner (version_information_endpoint; credentials §"Registration": the highest version both
sides offer).

Version-neutral: each version package serves its own details (``/ocpi/{version}``) from its
module registry; this module lists them and picks among them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter

from ocpi_cpo.ocpi.auth import ConfigurationCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response


@dataclass(frozen=True, slots=True)
class VersionPackage:
    """One OCPI version: its number, its routers (details and modules) and its Sender lists."""

    version: str
    routers: Callable[[], list[tuple[APIRouter, str]]]

    def url(self, public_url: str) -> str:
        return f"{public_url}/ocpi/{self.version}"


def order_key(version: str) -> tuple[int, ...]:
    """``"2.2.1"`` -> (2, 2, 1): versions compare as numbers, not text."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def highest_common(ours: Iterable[str], offered: Iterable[str]) -> str | None:
    """The highest version both sides offer, None when they share none."""
    common = set(ours) & set(offered)
    return max(common, key=order_key) if common else None


def router(packages: Sequence[VersionPackage]) -> APIRouter:
    api = APIRouter(tags=["versions"])

    @api.get("/ocpi/versions", summary="Supported OCPI versions")
    async def get_versions(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        public = context.settings.public_url
        data = [
            {"version": p.version, "url": p.url(public)}
            for p in sorted(packages, key=lambda p: order_key(p.version), reverse=True)
        ]
        return ocpi_response(context.clock.now(), data)

    return api
