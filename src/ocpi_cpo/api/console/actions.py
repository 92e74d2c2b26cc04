"""What every console action shares: who acts (for the audit log) and the message shown after
the redirect (Post/Redirect/Get: a reload never repeats an action)."""

from __future__ import annotations

from fastapi import Request

from ocpi_cpo.api.console.auth import Principal
from ocpi_cpo.domain.audit import Actor
from ocpi_cpo.services import audit

MESSAGES = {
    "credited": "Credit CDR created and queued for every partner that got the CDR.",
    "retried": "Dead letters queued again.",
    "repaired": "Repairs queued: full PUTs of the Locations out of sync.",
    "reason": "A reason is required (1 to 255 characters).",
}


def actor_of(principal: Principal) -> Actor:
    return audit.ADMIN if principal.admin else audit.console_actor(principal.name)


def flash_of(request: Request) -> tuple[str | None, str]:
    """The message named by ``?done=`` or ``?error=`` (error texts are shown escaped)."""
    done = request.query_params.get("done")
    if done:
        return MESSAGES.get(done, "Done."), "ok"
    error = request.query_params.get("error")
    if error:
        return MESSAGES.get(error, error[:200]), "error"
    return None, "ok"
