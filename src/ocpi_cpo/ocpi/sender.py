"""The shape every paginated Sender GET shares: a page of objects' ready wire JSON, the pagination
headers and the routing headers. Objects are never re-encoded on this path: each keeps its wire
JSON rendered when it changed (architecture.md, "Measured on this machine")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import Request

from ocpi_cpo.ocpi.auth import Caller
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.pagination import PageRequest, page_headers, parse_page_request
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import response_routing

#: (total for this caller, the page's objects as JSON documents)
PageLoader = Callable[[PageRequest], Awaitable[tuple[int, Sequence[bytes]]]]
#: a module's list GET, called by its FastAPI route and by the fast path (api.sender_lists)
SenderList = Callable[[Request, Caller, OcpiContext], Awaitable[OcpiResponse]]


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
