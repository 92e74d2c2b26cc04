"""HTTPS under the Gireve profiles (issue 22 item 7; gireve.md §3): ``public_url`` and the
partner's URLs must be https://, at registration (``partners invite/register/update``) and at
start-up (``serve``), unless the settings say ``allow_insecure_http = true`` (a lab on 127.0.0.1).

Kept light: the CLI checks before it loads the OCPI layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocpi_cpo.domain.partners import PartnerState, get_profile, insecure_urls
from ocpi_cpo.services.errors import RuleViolation

if TYPE_CHECKING:
    from ocpi_cpo.storage.protocols import Storage

ADVICE = "set allow_insecure_http = true only for a lab"


def problems(profile_name: str, urls: dict[str, str | None]) -> list[str]:
    """One line per URL ``profile_name`` refuses, naming its key (empty: all is well)."""
    try:
        profile = get_profile(profile_name)
    except ValueError:
        return []  # an unknown profile is reported by the command itself
    return [
        f"{key} = {urls[key]!r} is plain http: profile {profile.name} requires https:// ({ADVICE})"
        for key in insecure_urls(profile, urls)
    ]


def refuse_insecure(profile_name: str, urls: dict[str, str | None], *, allowed: bool) -> None:
    """:class:`RuleViolation` naming the first refused key, unless ``allowed``."""
    found = [] if allowed else problems(profile_name, urls)
    if found:
        raise RuleViolation(found[0])


async def partner_problems(storage: Storage, public_url: str, name: str | None = None) -> list[str]:
    """What the partners on record (not unregistered; only ``name`` when given) refuse: our
    ``public_url``, their versions URL and every endpoint URL they gave us."""
    async with storage.read() as uow:
        partners = await uow.partners.all()
    found: list[str] = []
    for partner in partners:
        if partner.state is PartnerState.UNREGISTERED or name not in (None, partner.name):
            continue
        urls: dict[str, str | None] = {
            "public_url": public_url,
            f"partner {partner.name} versions_url": partner.versions_url,
        }
        for endpoint in partner.endpoints:
            label = f"{endpoint.identifier} {endpoint.role}".strip()
            urls[f"partner {partner.name} endpoint {label}"] = endpoint.url
        found.extend(line for line in problems(partner.profile_name, urls) if line not in found)
    return found
