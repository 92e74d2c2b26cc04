"""Admin API authentication: ``Authorization: Bearer <admin_token>``, compared in constant time.

OCPI partner tokens are refused here, and the admin token is refused on OCPI routes (it is not in
the partners' token table).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header

from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import Forbidden, Unauthorized


async def require_admin(
    context: Context,
    authorization: Annotated[str | None, Header(description="Bearer <admin_token>")] = None,
) -> None:
    expected = context.settings.admin_token
    if expected is None:
        raise Forbidden("the admin API is disabled: set admin_token in the settings")
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise Unauthorized("admin API: expected 'Authorization: Bearer <admin_token>'")
    if not hmac.compare_digest(value.strip().encode(), expected.get_secret_value().encode()):
        raise Unauthorized("admin API: wrong admin token")


Admin = Annotated[None, Depends(require_admin)]
