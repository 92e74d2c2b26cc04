"""``sessions check`` and ``cdrs check``: read back from a partner's Receivers what we sent.

Sessions are read at ``{sessions receiver}/{cc}/{pid}/{id}`` and compared on the fields a driver
and a biller see; CDRs at the URL the partner gave in the POST answer's ``Location`` header (a CDR
still queued, or answered without a Location, is reported as such).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.transport import TransportError
from ocpi_cpo.ocpi.urls import endpoint_url
from ocpi_cpo.ocpi.v2_2_1.sessions.receiver import session_url
from ocpi_cpo.services import sender_reads
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.session_pushes import hears_about

SESSION_FIELDS = ("status", "kwh", "start_date_time", "end_date_time", "total_cost", "cdr_token")
CDR_FIELDS = ("id", "total_cost", "total_energy", "total_time", "cdr_token", "credit")
_BATCH = 200
_CONCURRENCY = 16


@dataclass(slots=True)
class ReadBack:
    checked: int = 0
    #: (object, what is wrong)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.problems


def _compare(ours: dict[str, Any], theirs: Any, fields: tuple[str, ...]) -> list[str]:
    if not isinstance(theirs, dict):
        return ["the partner answered no object"]
    return [
        f"{name}: ours {ours.get(name)!r}, theirs {theirs.get(name)!r}"
        for name in fields
        if ours.get(name) != theirs.get(name)
    ]


async def _read(context: OcpiContext, partner: Partner, url: str, cc: str, pid: str) -> Any:
    assert partner.outbound_token is not None
    reply = await context.transport.send(
        "GET",
        url,
        token=partner.outbound_token,
        token_base64=partner.token_base64,
        routing=routing_for(partner, cc, pid),
        timeout=context.settings.partner_timeout,
    )
    if not reply.ok:
        raise TransportError("answer", reply.problem())
    return reply.data


async def _gather(jobs: Sequence[Awaitable[None]]) -> None:
    semaphore = asyncio.Semaphore(_CONCURRENCY)

    async def bounded(job: Awaitable[None]) -> None:
        async with semaphore:
            await job

    await asyncio.gather(*(bounded(job) for job in jobs))


async def check_sessions(context: OcpiContext, partner: Partner) -> ReadBack:
    endpoint = partner.endpoint("sessions", "RECEIVER")
    report = ReadBack()
    if endpoint is None or partner.outbound_token is None:
        report.problems.append(("", f"partner {partner.name} offers no Sessions Receiver"))
        return report
    after = 0
    while True:
        async with context.storage.read() as uow:
            batch = await sender_reads.sessions_published_after(uow, after, _BATCH)
        if not batch:
            return report
        after = batch[-1][0]

        async def one(document: dict[str, Any]) -> None:
            name = f"{document['country_code']}/{document['party_id']}/{document['id']}"
            url = endpoint_url(endpoint.url, session_url_of(document))
            try:
                theirs = await _read(
                    context, partner, url, document["country_code"], document["party_id"]
                )
            except TransportError as exc:
                report.problems.append((name, f"cannot be read back: {exc}"))
                return
            report.problems += [(name, p) for p in _compare(document, theirs, SESSION_FIELDS)]

        jobs = []
        for _, session in batch:
            if hears_about(partner, session.token_party):
                report.checked += 1
                jobs.append(one(orjson.loads(orjson.dumps(session.document()))))
        await _gather(jobs)


def session_url_of(document: dict[str, Any]) -> str:
    return session_url(SessionKey(document["country_code"], document["party_id"], document["id"]))


async def check_cdrs(context: OcpiContext, partner: Partner) -> ReadBack:
    report = ReadBack()
    async with context.storage.read() as uow:
        sent, stored = await sender_reads.cdrs_sent_to(uow, partner.id)
    jobs = []
    for key, state, location in sent:
        name = key.removeprefix("cdr/")
        report.checked += 1
        if state != "DELIVERED":
            report.problems.append((name, f"not delivered yet ({state}): see 'ocpi-cpo outbox'"))
            continue
        if not location:
            report.problems.append((name, "the POST answer carried no Location: cannot read back"))
            continue
        ours = orjson.loads(stored[key].document)

        async def one(name: str, url: str, ours: dict[str, Any]) -> None:
            try:
                theirs = await _read(context, partner, url, ours["country_code"], ours["party_id"])
            except TransportError as exc:
                report.problems.append((name, f"cannot be read back at {url}: {exc}"))
                return
            report.problems += [(name, p) for p in _compare(ours, theirs, CDR_FIELDS)]

        jobs.append(one(name, location, ours))
    await _gather(jobs)
    return report
