"""Who a partner acts for (docs/security.md, "Ownership").

An eMSP acts for its own parties (the roles it registered with); whatever routing headers it
sends do not widen that. A hub acts for the parties behind it: for the one its ``OCPI-from-*``
headers name when it sends them (transport_and_format §"Routing headers"), for every party when
it does not (or names itself). Sessions, CDRs and reservations of tokens of other parties answer
as if they did not exist.
"""

from __future__ import annotations

from ocpi_cpo.domain.partners import Partner

#: the parties a caller acts for, upper case; None: every party (a hub speaking for itself)
Parties = frozenset[tuple[str, str]] | None


def is_hub(partner: Partner) -> bool:
    return any(role.role == "HUB" for role in partner.roles)


def own_parties(partner: Partner) -> frozenset[tuple[str, str]]:
    return frozenset((r.country_code.upper(), r.party_id.upper()) for r in partner.roles)


def acting_for(partner: Partner, origin: tuple[str, str] | None) -> Parties:
    """The parties ``partner`` acts for in a request whose OCPI-from-* headers say ``origin``."""
    own = own_parties(partner)
    if not is_hub(partner):
        return own
    if origin is None:
        return None
    origin = (origin[0].upper(), origin[1].upper())
    return None if origin in own else frozenset({origin})


def may_act_on(parties: Parties, party: tuple[str, str]) -> bool:
    """Whether a caller acting for ``parties`` may see or act on what belongs to ``party``."""
    return parties is None or (party[0].upper(), party[1].upper()) in parties
