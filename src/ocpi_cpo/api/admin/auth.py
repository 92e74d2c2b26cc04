"""Admin API authentication: ``Authorization: Bearer <admin_token>``; its SHA-256 digest is
compared in constant time with the one the settings keep (``config.admin_token_matches``).

OCPI partner tokens are refused here, and the admin token is refused on OCPI routes (it is not in
the partners' token table).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from ocpi_cpo.config import admin_token_matches
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import Forbidden, Unauthorized


async def require_admin(
    context: Context,
    authorization: Annotated[str | None, Header(description="Bearer <admin_token>")] = None,
) -> None:
    if context.settings.admin_token_sha256 is None:
        raise Forbidden("the admin API is disabled: set admin_token in the settings")
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise Unauthorized("admin API: expected 'Authorization: Bearer <admin_token>'")
    if not admin_token_matches(context.settings, value):
        raise Unauthorized("admin API: wrong admin token")


Admin = Annotated[None, Depends(require_admin)]
