"""The Sender's list GETs (Locations, tariffs) answered before FastAPI's router.

Measured on the Locations page (docs/performance.md, figure 1): once the page was read with one
prebuilt statement, FastAPI's routing (every route tried in turn), dependency solving and its
middleware stack were about half of the request. A hub pulls these lists page after page.

Nothing else differs: this path sits inside the tracing and limits middlewares, authenticates with
the same ``authenticate`` (callers kept, rate limit, last-seen), calls the same function as the
FastAPI route (the module's ``SenderList``, with a Starlette ``Request`` on the same scope), and
hands any exception to the app's own exception handlers as Starlette's ``ExceptionMiddleware``
would (anything without a handler goes on up to the 500 handler). Order is kept: the caller is
checked before the query parameters, as FastAPI solves dependencies before the route runs.
The FastAPI routes stay declared, so OpenAPI documents them, and
``tests/integration/api/test_sender_lists.py`` checks both paths answer alike.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ocpi_cpo.ocpi.auth import Access, authenticate
from ocpi_cpo.ocpi.context import get_context
from ocpi_cpo.ocpi.sender import SenderList
from ocpi_cpo.ocpi.tracing import ASGIApp, Receive, Scope, Send


class SenderListsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        lists: Mapping[str, SenderList],
        exception_handlers: Mapping[Any, Any],
    ) -> None:
        self.app = app
        self.lists = dict(lists)
        # The app's own mapping (not a copy): handlers added later are seen too.
        self.exception_handlers = exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        serve = None
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            serve = self.lists.get(scope["path"])
        if serve is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        response: Response
        try:
            context = get_context(request)
            header = request.headers.get("authorization")
            caller = await authenticate(context, header, Access.FUNCTIONAL, scope["path"])
            response = await serve(request, caller, context)
        except Exception as exc:
            handled = await self._handled(request, exc)
            if handled is None:
                raise
            response = handled
        await response(scope, receive, send)

    async def _handled(self, request: Request, exc: Exception) -> Response | None:
        """The app's handler for ``exc`` by class, as Starlette's ExceptionMiddleware looks it up
        (``Exception`` itself belongs to the outer ServerErrorMiddleware: left to it)."""
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                result = handler(request, exc)
                response: Response = await result if inspect.isawaitable(result) else result
                return response
        return None
