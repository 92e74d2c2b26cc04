"""The shape every paginated Sender GET shares: a page of objects' ready wire JSON, the pagination
headers and the routing headers. Objects are never re-encoded on this path: each keeps its wire
JSON rendered when it changed (architecture.md, "Measured on this machine")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from fastapi import Request

from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.auth import Caller
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.pagination import PageRequest, page_headers, parse_page_request
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import origin_party, response_routing
from ocpi_cpo.services.ownership import Parties, acting_for

#: (total for this caller, the page's objects as JSON documents)
PageLoader = Callable[[PageRequest], Awaitable[tuple[int, Sequence[bytes]]]]
#: a module's list GET, called by its FastAPI route and by the fast path (api.sender_lists)
SenderList = Callable[[Request, Caller, OcpiContext], Awaitable[OcpiResponse]]

Q = TypeVar("Q")
#: a charge page's query type (SessionPage, CdrPage): offset, limit, date_from, date_to, the
#: parties the caller acts for, the operation it is bound to
ChargeQuery = Callable[
    [int, int, datetime | None, datetime | None, Parties, tuple[str, str] | None], Q
]


def charge_query(
    kind: ChargeQuery[Q], request: Request, partner: Partner
) -> Callable[[PageRequest], Q]:
    """The query of a Sessions or CDRs page for this caller, either version: what it may see
    (services.ownership: a hub every charge, or those of the party its OCPI-from-* names; an
    eMSP its own tokens' charges) and, for a partner bound to one operation, that operation's."""
    seen_by = acting_for(partner, origin_party(request))

    def query(page: PageRequest) -> Q:
        return kind(
            page.offset, page.limit, page.date_from, page.date_to, seen_by, partner.operation_party
        )

    return query


def page_request(
    request: Request, max_limit: int, *, date_from_required: bool = False
) -> PageRequest:
    query = request.query_params
    return parse_page_request(
        date_from=query.get("date_from"),
        date_to=query.get("date_to"),
        offset=query.get("offset"),
        limit=query.get("limit"),
        max_limit=max_limit,
        date_from_required=date_from_required,
    )


async def sender_page(
    request: Request,
    context: OcpiContext,
    *,
    max_limit: int,
    load: PageLoader,
    date_from_required: bool = False,
) -> OcpiResponse:
    page = page_request(request, max_limit, date_from_required=date_from_required)
    total, documents = await load(page)
    headers = page_headers(
        base_url=f"{context.settings.public_url}{request.url.path}",
        page=page,
        total=total,
        returned=len(documents),
        max_limit=max_limit,
    )
    headers.update(response_routing(request))
    return ocpi_response(
        context.clock.now(), raw_data=b"[" + b",".join(documents) + b"]", headers=headers
    )
