"""Tariff use cases: publish, delete, change a price, with Gireve's rules (gireve.md §12).

Every change is stored and its pushes queued in the caller's transaction (architecture.md,
"Delivery"): a partner hears when its view of a tariff id changes or disappears (its version's
Tariffs Receiver client puts that on the wire: ``ocpi.v2_2_1.tariffs.receiver``).
A hub (role HUB, e.g. Gireve) receives every description, since it dispatches them per eMSP; an
eMSP receives, per tariff id, its own description, else the default one (docs/tariffs.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import orjson

from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.pricing import PricingError, load_tariff
from ocpi_cpo.domain.tariffs import (
    Party,
    Tariff,
    TariffKey,
    format_utc,
    forwarding_warning,
    frozen_changes,
    immutability_message,
    rule_problems,
    variant_warnings,
    visible_description,
)
from ocpi_cpo.services.delivery import receivers
from ocpi_cpo.services.errors import NotFoundError, RuleViolation
from ocpi_cpo.services.locations import (
    add_tariff_to_connectors,
    connectors_naming,
    remove_tariff_from_connectors,
)
from ocpi_cpo.services.publishing import Publisher, TariffsChanged
from ocpi_cpo.storage.protocols import UnitOfWork

MODULE = "tariffs"


@dataclass(slots=True)
class Published:
    """What a publish did. ``warnings`` do not stop it (Gireve forwarding, missing default)."""

    created: list[TariffKey] = field(default_factory=list)
    updated: list[TariffKey] = field(default_factory=list)
    unchanged: list[TariffKey] = field(default_factory=list)
    deleted: list[TariffKey] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: messages queued for partners
    queued: int = 0
    #: connectors that got the new id next to the old one (change-price), None when not done
    connectors: int | None = None


def render(tariff: Tariff) -> bytes:
    """The wire JSON kept with the description and sent in PUTs."""
    return orjson.dumps(tariff.document())


def _check_batch(descriptions: Sequence[Tariff], owners: frozenset[Party]) -> None:
    problems: list[str] = []
    seen: set[TariffKey] = set()
    for tariff in descriptions:
        if tariff.key.owner not in owners:
            ours = ", ".join(str(p) for p in sorted(owners)) or "none configured"
            problems.append(
                f"tariff {tariff.key}: owner {tariff.key.owner} is not one of our operations"
                f" ({ours}): set country_code/party_id to an operation's, or add the operation"
                " to the settings"
            )
        if tariff.key in seen:
            problems.append(f"tariff {tariff.key} is given twice")
        seen.add(tariff.key)
        problems.extend(rule_problems(tariff))
    if problems:
        raise RuleViolation("; ".join(problems))


async def publish(
    uow: UnitOfWork,
    publisher: Publisher,
    descriptions: Sequence[Tariff],
    owners: frozenset[Party],
    now: datetime,
) -> Published:
    """Create or update descriptions; all or nothing. Frozen fields of a published description
    never change (RuleViolation saying how to change a price instead)."""
    if not descriptions:
        raise RuleViolation("no tariff given")
    _check_batch(descriptions, owners)
    for tariff in descriptions:
        _priceable(tariff)
    result = Published()
    changes: list[Tariff] = []
    for tariff in descriptions:
        published = await uow.tariffs.get(tariff.key)
        if published is not None:
            fields = frozen_changes(published, tariff)
            if fields:
                raise RuleViolation(immutability_message(tariff.key, fields))
            if dict(published.content) == dict(tariff.content):
                result.unchanged.append(tariff.key)
                continue
        (result.updated if published else result.created).append(tariff.key)
        changes.append(replace(tariff, last_updated=now))
    for tariff_id, group in _by_tariff_id(changes).items():
        before = await uow.tariffs.descriptions(*tariff_id)
        for tariff in group:
            await uow.tariffs.put(tariff, render(tariff))
        after = await uow.tariffs.descriptions(*tariff_id)
        result.queued += await _push(uow, publisher, tariff_id, before, after, now)
        result.warnings.extend(variant_warnings(after))
    result.warnings[:0] = [w for t in changes if (w := forwarding_warning(t)) is not None]
    return result


def _by_tariff_id(descriptions: Sequence[Tariff]) -> dict[tuple[str, str, str], list[Tariff]]:
    groups: dict[tuple[str, str, str], list[Tariff]] = {}
    for tariff in descriptions:
        groups.setdefault((tariff.key.country_code, tariff.key.party_id, tariff.key.id), []).append(
            tariff
        )
    return groups


async def delete(
    uow: UnitOfWork,
    publisher: Publisher,
    owner: Party,
    tariff_id: str,
    target: Party | None,
    now: datetime,
    *,
    every_description: bool,
    force: bool = False,
) -> Published:
    """Remove one description (``target``, None for the default one) or all of a tariff id.

    A tariff id still named by connectors is not removed (:class:`TariffInUse` names them: their
    CDRs could not be priced); ``force`` first takes it out of those connectors and pushes them.
    """
    before = await uow.tariffs.descriptions(owner.country_code, owner.party_id, tariff_id)
    doomed = [t for t in before if every_description or t.key.target == target]
    if not doomed:
        which = "" if every_description else f" ({'default' if target is None else target})"
        raise NotFoundError(f"no tariff {owner}/{tariff_id}{which}: see 'ocpi-cpo tariffs list'")
    unlinked: list[str] = []
    if len(doomed) == len(before):
        unlinked = await _unlink(uow, publisher, owner, tariff_id, now, force)
    for tariff in doomed:
        await uow.tariffs.delete(tariff.key)
    after = await uow.tariffs.descriptions(owner.country_code, owner.party_id, tariff_id)
    result = Published(deleted=[t.key for t in doomed])
    if unlinked:
        result.connectors = len(unlinked)
        result.warnings.append(
            f"removed {owner}/{tariff_id} from {len(unlinked)} connector(s): {', '.join(unlinked)};"
            " the Locations are pushed; a connector left with no tariff gets its CDRs held"
        )
    key = (owner.country_code, owner.party_id, tariff_id)
    result.queued = await _push(uow, publisher, key, before, after, now)
    result.warnings.extend(variant_warnings(after))
    return result


class ImpossibleTariff(RuleViolation):
    """A value no charge can be priced with (pricing engine's loader): the JSON path says where."""


def _priceable(tariff: Tariff) -> None:
    """Refuse what the engine would refuse when a CDR is priced: a negative price, a step_size of
    0 for ENERGY or time, an unknown dimension, an end before the start, a restriction that can
    never match (docs/pricing.md, "Input the engine reads"). Better now than a held CDR later."""
    try:
        load_tariff(tariff.document())
    except PricingError as exc:
        raise ImpossibleTariff(f"tariff {tariff.key}: {exc}") from None


class TariffInUse(RuleViolation):
    """The tariff id is still named by connectors (``connectors`` lists them)."""

    def __init__(self, owner: Party, tariff_id: str, connectors: list[str]) -> None:
        shown = ", ".join(connectors[:10]) + (" ..." if len(connectors) > 10 else "")
        super().__init__(
            f"tariff {owner}/{tariff_id} is still named by {len(connectors)} connector(s): {shown};"
            " take it out of their tariff_ids (ocpi-cpo locations import), or delete with --force"
            " to remove it from them and push the Locations"
        )
        self.connectors = connectors


async def _unlink(
    uow: UnitOfWork, publisher: Publisher, owner: Party, tariff_id: str, now: datetime, force: bool
) -> list[str]:
    operator = OperatorId(owner.country_code, owner.party_id)
    if not force:
        naming = await connectors_naming(uow, publisher, operator, tariff_id, now)
        if naming:
            raise TariffInUse(owner, tariff_id, naming)
        return []
    return await remove_tariff_from_connectors(uow, publisher, operator, tariff_id, now)


async def _push(
    uow: UnitOfWork,
    publisher: Publisher,
    tariff_id: tuple[str, str, str],
    before: Sequence[Tariff],
    after: Sequence[Tariff],
    now: datetime,
) -> int:
    queued = 0
    for partner in await receivers(uow, MODULE):
        change = _change_for(partner, tariff_id, before, after)
        if change is not None:
            queued += await publisher.publish(uow, [partner], change, now)
    return queued


def _is_hub(partner: Partner) -> bool:
    return any(role.role == "HUB" for role in partner.roles)


def _change_for(
    partner: Partner,
    tariff_id: tuple[str, str, str],
    before: Sequence[Tariff],
    after: Sequence[Tariff],
) -> TariffsChanged | None:
    """What ``partner`` must now hold of ``tariff_id``, None when its view did not change."""
    owner, identifier = tariff_id[:2], tariff_id[2]

    def change(withdraw: bool, publish: Sequence[Tariff], complete: bool) -> TariffsChanged:
        return TariffsChanged(owner, identifier, withdraw, list(publish), complete)

    if not _is_hub(partner):
        audience = [Party(r.country_code, r.party_id) for r in partner.roles]
        was = visible_description(before, audience)
        now = visible_description(after, audience)
        if now is None:
            return None if was is None else change(True, [], True)
        if was is not None and render(was) == render(now):
            return None
        return change(False, [now], True)
    previous = {t.key: render(t) for t in before}
    if not after:
        return change(True, [], True) if before else None
    if set(previous) - {t.key for t in after}:
        # One description of several went away: a withdrawal names only the id, so withdraw it
        # and publish the remaining descriptions again (docs/tariffs.md, "Per-eMSP descriptions").
        return change(True, after, False)
    changed = [t for t in after if previous.get(t.key) != render(t)]
    return change(False, changed, len(after) == 1) if changed else None


async def add_new_tariff_to_connectors(
    uow: UnitOfWork, publisher: Publisher, owner: Party, old_id: str, new_id: str, now: datetime
) -> int | None:
    """Put ``new_id`` next to ``old_id`` on every connector of ``owner`` that lists ``old_id``,
    queueing the connector/EVSE pushes each partner's profile requires. Returns how many
    connectors changed."""
    operator = OperatorId(owner.country_code, owner.party_id)
    return await add_tariff_to_connectors(uow, publisher, operator, old_id, new_id, now)


async def change_price(
    uow: UnitOfWork,
    publisher: Publisher,
    old_id: str,
    new: Sequence[Tariff],
    at: datetime | None,
    owners: frozenset[Party],
    now: datetime,
) -> Published:
    """Gireve's price change in one step (gireve.md §12.3): the new tariff starts at ``at``, the
    old one ends then, and connectors listing the old id get both."""
    if not new:
        raise RuleViolation("no new tariff given")
    ids = {(t.key.owner, t.key.id) for t in new}
    if len(ids) != 1:
        raise RuleViolation("the new tariff file must describe one tariff id (one owner)")
    owner, new_id = ids.pop()
    if new_id == old_id:
        raise RuleViolation(f"the new tariff needs another id than {old_id}: tariffs are immutable")
    start = at or new[0].start_date_time
    if start is None:
        raise RuleViolation("give the change date: --at 2026-12-01T00:00:00Z or start_date_time")
    # held to the commit: the old tariff's end is written over what is stored now
    old = await uow.tariffs.descriptions(
        owner.country_code, owner.party_id, old_id, for_update=True
    )
    if not old:
        raise NotFoundError(f"no tariff {owner}/{old_id}: see 'ocpi-cpo tariffs list'")
    starts = [_starting(t, start) for t in new]
    ends = [_ending(t, start) for t in old]
    result = await publish(uow, publisher, [*starts, *ends], owners, now)
    result.connectors = await add_new_tariff_to_connectors(
        uow, publisher, owner, old_id, new_id, now
    )
    return result


def _starting(tariff: Tariff, at: datetime) -> Tariff:
    if tariff.start_date_time is not None and tariff.start_date_time != at:
        raise RuleViolation(
            f"tariff {tariff.key}: start_date_time {format_utc(tariff.start_date_time)} differs"
            f" from the change date {format_utc(at)}: give one of them"
        )
    content = {**tariff.content, "start_date_time": format_utc(at)}
    return replace(tariff, start_date_time=at, content=content)


def _ending(tariff: Tariff, at: datetime) -> Tariff:
    if tariff.start_date_time is not None and at <= tariff.start_date_time:
        raise RuleViolation(
            f"tariff {tariff.key} starts at {format_utc(tariff.start_date_time)}: the change date"
            f" {format_utc(at)} must be later"
        )
    if tariff.end_date_time is not None and tariff.end_date_time < at:
        raise RuleViolation(
            f"tariff {tariff.key} already ends at {format_utc(tariff.end_date_time)}, before"
            f" the change date {format_utc(at)}"
        )
    content = {**tariff.content, "end_date_time": format_utc(at)}
    return replace(tariff, end_date_time=at, content=content)


def expected_at(partner: Partner, descriptions: Sequence[Tariff]) -> list[Tariff]:
    """Per tariff id, the description a GET on the partner's receiver should return: the one it
    sees (eMSP), or for a hub the one addressed to the hub itself (the default one)."""
    parties = [Party(r.country_code, r.party_id) for r in partner.roles]
    expected = []
    for group in _by_tariff_id(descriptions).values():
        seen = visible_description(group, parties)
        if seen is None and _is_hub(partner):
            seen = group[0]
        if seen is not None:
            expected.append(seen)
    return expected


def whole_state(
    partner: Partner, tariff_id: tuple[str, str, str], descriptions: Sequence[Tariff]
) -> TariffsChanged | None:
    """What ``partner`` should hold of one tariff id (its description, or every description for
    a hub), as if it held nothing (services.whole_objects); None when it should hold none."""
    return _change_for(partner, tariff_id, [], descriptions)


def by_tariff_id(descriptions: Sequence[Tariff]) -> dict[tuple[str, str, str], list[Tariff]]:
    """Descriptions grouped per tariff id (country code, party id, id)."""
    return _by_tariff_id(descriptions)


async def resend(
    uow: UnitOfWork,
    publisher: Publisher,
    partner: Partner,
    tariff_ids: Sequence[tuple[str, str, str]],
    now: datetime,
) -> int:
    """Queue again, for one partner, what it should hold of these tariff ids (check --fix). Read
    holding their rows: a change committed meanwhile waits and is queued after, rather than
    superseded by the state before it."""
    queued = 0
    for tariff_id in tariff_ids:
        current = await uow.tariffs.descriptions(*tariff_id, for_update=True)
        change = _change_for(partner, tariff_id, [], current)
        if change is not None:
            queued += await publisher.publish(uow, [partner], change, now)
    return queued


async def expected_for(uow: UnitOfWork, partner: Partner) -> list[Tariff]:
    """:func:`expected_at` over every stored description."""
    return expected_at(partner, await uow.tariffs.all())
