"""The console's failed sign-in limit, kept in the database (domain.sign_in_limits): every
``serve`` instance on the database counts the same failures, at once, and a restart forgets none.

An attempt is counted as a failure under each of its keys *before* its password is checked
(:func:`count_attempt`, committed on its own), then the failures in the window are read back
(:func:`wait_seconds`): attempts in flight on any instance count too, so a burst of concurrent
tries spread over instances gets no more than the limit checked. A refused attempt is taken back
(:func:`withdraw`: waiting does not lengthen the wait); a successful one is taken back and clears
its name's failures (:func:`succeeded`); a failed one simply stays. Rows older than the window are
dropped by every :func:`count_attempt`, so the table holds a few minutes of failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ocpi_cpo.domain.sign_in_limits import SignInAttempt, SignInLimits, key_digest
from ocpi_cpo.storage.protocols import UnitOfWork

LIMITS = SignInLimits()


async def count_attempt(
    uow: UnitOfWork, keys: Sequence[str], now: datetime, limits: SignInLimits = LIMITS
) -> SignInAttempt:
    """Count a sign-in as failed under each key until it is known to be otherwise (commit it
    before :func:`wait_seconds` so that other instances see it)."""
    await uow.sign_in_failures.drop_before(now - limits.window)
    ids = [await uow.sign_in_failures.add(key_digest(key), now) for key in keys]
    return SignInAttempt(keys=tuple(keys), ids=tuple(ids), at=now)


async def wait_seconds(
    uow: UnitOfWork, attempt: SignInAttempt, limits: SignInLimits = LIMITS
) -> float:
    """0 when the attempt may go on, else how many seconds until a try would be allowed: the
    failures of its keys on every instance (other attempts in flight included), itself not."""
    digests = {key: key_digest(key) for key in attempt.keys}
    failures = await uow.sign_in_failures.since(
        digests.values(), attempt.at - limits.window, besides=attempt.ids
    )
    return max(
        (
            limits.wait(key, failures.get(d, []), attempt.at).total_seconds()
            for key, d in digests.items()
        ),
        default=0.0,
    )


async def withdraw(uow: UnitOfWork, attempt: SignInAttempt) -> None:
    """The attempt was refused for the limit, its password unchecked: it counts for nothing."""
    await uow.sign_in_failures.remove(attempt.ids)


async def succeeded(uow: UnitOfWork, attempt: SignInAttempt, name_key: str) -> None:
    """The attempt signed in: it was no failure, and its name's failures are forgotten (the
    address's stay: one right password says nothing of the address's other tries)."""
    await uow.sign_in_failures.remove(attempt.ids)
    await uow.sign_in_failures.forget(key_digest(name_key))
