"""Tariffs we publish, and Gireve's rules for them (gireve.md §12; docs/tariffs.md).

A tariff id may have several *descriptions*: a default one and one per target eMSP (Gireve's
``target_operator_country_code``/``target_operator_party_id`` extension). A description is keyed by
:class:`TariffKey`. ``content`` is the description as OCPI JSON values, without ``last_updated``
(which we set when the description changes); pricing reads the same JSON (``domain.pricing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

#: Fields that may change on a published description (Gireve cpo_tariffs: "only texts and
#: end_date_time"). Every other field is frozen once published; the key fields cannot change at all.
MUTABLE_FIELDS = frozenset({"tariff_alt_text", "tariff_alt_url", "end_date_time"})
#: The frozen fields: a change of any of them is a new tariff (docs/tariffs.md, "Immutability").
FROZEN_FIELDS = (
    "currency",
    "type",
    "elements",
    "min_price",
    "max_price",
    "start_date_time",
    "energy_mix",
)
#: Tariff types Gireve forwards to eMSPs (gireve.md §7.6). A tariff without ``type`` applies to
#: all sessions (mod_tariffs) and is taken as regular.
FORWARDED_TYPES = frozenset({"REGULAR", None})


@dataclass(frozen=True, slots=True, order=True)
class Party:
    country_code: str
    party_id: str

    def __str__(self) -> str:
        return f"{self.country_code}/{self.party_id}"


@dataclass(frozen=True, slots=True, order=True)
class TariffKey:
    """One description: owner, id and, for a per-eMSP description, its target eMSP."""

    country_code: str
    party_id: str
    id: str
    target: Party | None = None

    @property
    def owner(self) -> Party:
        return Party(self.country_code, self.party_id)

    def __str__(self) -> str:
        text = f"{self.country_code}/{self.party_id}/{self.id}"
        return f"{text} for {self.target}" if self.target else text


@dataclass(frozen=True, slots=True)
class Tariff:
    """One description of a tariff as we publish it."""

    key: TariffKey
    type: str | None
    currency: str
    start_date_time: datetime | None
    end_date_time: datetime | None
    #: the OCPI Tariff as JSON values (wire field names), without ``last_updated``
    content: Mapping[str, object]
    last_updated: datetime

    def document(self) -> dict[str, object]:
        """The OCPI Tariff object as JSON values, ``last_updated`` included."""
        return {**self.content, "last_updated": format_utc(self.last_updated)}


def format_utc(moment: datetime) -> str:
    """OCPI DateTime text: UTC with a 'Z', milliseconds only when present."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rule_problems(tariff: Tariff) -> list[str]:
    """Gireve's rules a description breaks (gireve.md §12.2, §12.4), one message each."""
    problems = []
    if tariff.start_date_time is None:
        problems.append(
            f"tariff {tariff.key}: start_date_time is required (Gireve cpo_tariffs: without it the"
            " hub takes the reception time, so earlier sessions cannot be billed with it); add"
            ' "start_date_time": "2026-01-01T00:00:00Z" with the date the price applies from'
        )
    if (
        tariff.start_date_time is not None
        and tariff.end_date_time is not None
        and tariff.end_date_time <= tariff.start_date_time
    ):
        problems.append(
            f"tariff {tariff.key}: end_date_time {format_utc(tariff.end_date_time)} must be later"
            f" than start_date_time {format_utc(tariff.start_date_time)}"
        )
    return problems


def frozen_changes(published: Tariff, proposed: Tariff) -> list[str]:
    """The frozen fields ``proposed`` would change on the published description."""
    return [
        name for name in FROZEN_FIELDS if published.content.get(name) != proposed.content.get(name)
    ]


def immutability_message(key: TariffKey, fields: Sequence[str]) -> str:
    """Why a change is refused and how to make it (Gireve cpo_tariffs, tariffs are immutable)."""
    return (
        f"tariff {key} is published: {', '.join(fields)} cannot change (Gireve: a published"
        " tariff's price never changes; only tariff_alt_text, tariff_alt_url and end_date_time"
        " may). To change the price, create a new tariff whose start_date_time is the change"
        " date, set end_date_time on this one to the same date, and put both ids on the"
        f" connectors: 'ocpi-cpo tariffs change-price {key.id} NEW.json' does all three"
    )


def forwarding_warning(tariff: Tariff) -> str | None:
    """Gireve stores every tariff but forwards only regular B2B ones to eMSPs (gireve.md §7.6)."""
    if tariff.type in FORWARDED_TYPES:
        return None
    return (
        f"tariff {tariff.key} has type {tariff.type}: Gireve stores it but forwards only REGULAR"
        " tariffs to eMSPs, so eMSPs connected through Gireve will not receive it"
    )


def variant_warnings(variants: Iterable[Tariff]) -> list[str]:
    """Per-eMSP descriptions without a default one leave every other eMSP without a price."""
    by_id: dict[tuple[str, str, str], list[Tariff]] = {}
    for tariff in variants:
        by_id.setdefault((tariff.key.country_code, tariff.key.party_id, tariff.key.id), []).append(
            tariff
        )
    warnings = []
    for (country, party, tariff_id), found in sorted(by_id.items()):
        if all(t.key.target is not None for t in found):
            targets = ", ".join(sorted(str(t.key.target) for t in found))
            warnings.append(
                f"tariff {country}/{party}/{tariff_id} has descriptions for {targets} only:"
                " other eMSPs get no description of it; add a default one (without"
                " target_operator_*)"
            )
    return warnings


def visible_description(variants: Iterable[Tariff], parties: Iterable[Party]) -> Tariff | None:
    """What an eMSP sees of one tariff id: its own description, else the default one."""
    wanted = set(parties)
    default = None
    for tariff in variants:
        if tariff.key.target is None:
            default = tariff
        elif tariff.key.target in wanted:
            return tariff
    return default


@dataclass(frozen=True, slots=True)
class TariffPage:
    """A page of the Tariffs Sender (transport_and_format, pagination) for one audience.

    ``audience`` None: every description (a hub dispatches them: gireve.md §12.4). Otherwise the
    parties of one eMSP: per tariff id, its own description, else the default one.
    """

    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None
    audience: frozenset[Party] | None = None
    #: only this operation's tariffs (the request was addressed to it with OCPI-to-*)
    owner: Party | None = None
