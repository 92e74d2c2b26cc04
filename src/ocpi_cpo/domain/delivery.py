"""Delivery to partners: messages, their states, and the one rule for what is retried.

Gireve requires store-and-forward with FIFO resend (gireve.md §13); the spec's status classes
(status_codes) tell whose fault a failure is:

| answer                                     | outcome | why                                   |
| ------------------------------------------ | ------- | ------------------------------------- |
| no answer (connect, DNS, TLS, timeout)     | RETRY   | the partner or the network is down    |
| HTTP 5xx, 429, 408                         | RETRY   | the partner is overloaded or broken   |
| HTTP 401, 403 (any OCPI status)            | RETRY   | credentials being fixed; keep it      |
| OCPI 1xxx (any HTTP 2xx)                   | DONE    | delivered                             |
| OCPI 2xxx                                  | DEAD    | our data is wrong: park it, visibly   |
| OCPI 3xxx, 4xxx                            | RETRY   | the partner (or the hub) failed       |
| HTTP 2xx without an OCPI envelope (not    | RETRY   | garbage: we cannot tell it was taken; |
| JSON, no status_code, a status not a number)|        | one failed attempt, with an excerpt   |
| HTTP 3xx the transport did not follow      | RETRY   | the partner moved: shown, kept (a 307 |
|                                            |         | or 308 to the same host is followed)  |
| other HTTP 4xx without an OCPI envelope    | DEAD    | the request itself is refused         |
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import quote


class MessageState(enum.StrEnum):
    PENDING = "PENDING"  # waiting, in flight (claimed), or retrying
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"  # parked: our data was refused, or too old; redeliverable by hand
    SUPERSEDED = "SUPERSEDED"  # replaced by a newer full PUT of the same object before sending


class Outcome(enum.StrEnum):
    DELIVERED = "DELIVERED"
    RETRY = "RETRY"
    DEAD = "DEAD"
    #: the partner does not hold the object: a full PUT replaces this PATCH (:func:`needs_repair`)
    REPAIRED = "REPAIRED"


_RETRY_HTTP = {401, 403, 408, 429}
_JITTER = random.Random()


def classify(http_status: int | None, ocpi_status: int | None) -> Outcome:
    """The table above. ``http_status`` None means no HTTP answer at all."""
    if http_status is None or 300 <= http_status < 400:
        return Outcome.RETRY
    if http_status in (401, 403):
        # Whatever the envelope says (our own server answers 401 with OCPI 2000): the partner
        # does not take our token now, which a credentials update fixes; nothing is parked.
        return Outcome.RETRY
    if ocpi_status is not None:
        if 1000 <= ocpi_status < 2000:
            return Outcome.DELIVERED if 200 <= http_status < 300 else Outcome.RETRY
        if 2000 <= ocpi_status < 3000:
            return Outcome.DEAD
        return Outcome.RETRY
    if 200 <= http_status < 300:
        return Outcome.RETRY  # no envelope: the partner's answer says nothing we can trust
    if http_status >= 500 or http_status in _RETRY_HTTP:
        return Outcome.RETRY
    return Outcome.DEAD


#: modules whose PATCH answered "unknown object" is repaired with a full PUT of the object
REPAIRABLE_MODULES = frozenset({"locations", "sessions"})


def needs_repair(
    module: str, method: str, http_status: int | None, ocpi_status: int | None
) -> bool:
    """A PATCH the partner could not apply because it does not hold the object
    (:func:`says_object_unknown`: OCPI 2003 "unknown location", HTTP 404). It is repaired
    with a full PUT of the object's current state (issue 16 item 2); any other 2xxx answer means
    our data is wrong and stays a dead letter."""
    return (
        method == "PATCH"
        and module in REPAIRABLE_MODULES
        and says_object_unknown(http_status, ocpi_status)
    )


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with jitter; a partner's Retry-After wins when longer (up to
    an hour, or the cap when that is longer: a partner cannot park us for days)."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(
        self, attempts: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        exponential = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        source = rng if rng is not None else _JITTER
        jittered = exponential * (0.5 + 0.5 * source.random())
        if retry_after is not None:
            return max(jittered, min(retry_after, max(self.cap_seconds, 3600.0)))
        return jittered


def path_of(*segments: str) -> str:
    """A message's URL relative to the partner's endpoint: ``/{country_code}/{party_id}/{id}``
    from raw segments, each percent-encoded (a ``/`` inside an id stays data). The partner's
    endpoint is joined to it by ``ocpi.urls.endpoint_url`` only."""
    return "".join("/" + quote(segment, safe="") for segment in segments)


@dataclass(frozen=True, slots=True)
class Routing:
    from_country_code: str
    from_party_id: str
    to_country_code: str
    to_party_id: str


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue. ``url`` is relative to the partner's (module, interface) endpoint,
    or absolute when ``interface`` is None (e.g. a command's response_url)."""

    partner_id: int
    module: str
    object_key: str
    method: str
    url: str
    body: bytes | None
    interface: str | None = "RECEIVER"
    routing: Routing | None = None
    #: a full PUT of the object: older queued messages of the same object are superseded
    full_replace: bool = False
    #: the OCPI version the message was rendered for (None: not an OCPI module message)
    version: str | None = None
    #: sent only once no message of this other object (same partner) is pending: a CDR after
    #: its session's final state was delivered or parked (order across modules, issue 16 item 5)
    after_key: str | None = None
    #: not sent before this time unless released earlier (a command result waits for its
    #: CommandResponse to be answered)
    not_before: datetime | None = None
    #: the partner sync (domain.sync) that queued it, for its progress
    sync_id: int | None = None


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: int
    partner_id: int
    module: str
    object_key: str
    method: str
    interface: str | None
    url: str
    body: bytes | None
    routing: Routing | None
    state: MessageState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    finished_at: datetime | None
    last_error: str | None
    reply_location: str | None
    #: the OCPI version the message was rendered for (None: before versions were recorded)
    version: str | None = None
    #: claimed as its partner's one probe while the partner is down
    probe: bool = False


@dataclass(frozen=True, slots=True)
class Attempt:
    message_id: int
    attempted_at: datetime
    worker: str
    http_status: int | None
    ocpi_status: int | None
    latency_ms: float
    outcome: Outcome
    error: str | None
    excerpt: str | None


@dataclass(frozen=True, slots=True)
class QueueFilter:
    partner_id: int | None = None
    module: str | None = None
    state: MessageState | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    partner_id: int
    module: str
    state: MessageState
    count: int
    oldest: datetime | None


# --- Backoff per partner (issue 16 item 1; gireve.md §13: FIFO resend once the link is back) ---

_DOWN_HTTP = {408, 429}


def says_partner_down(http_status: int | None, ocpi_status: int | None) -> bool:
    """A failed attempt that says the partner (not our message) is down: no answer or timeout,
    HTTP 5xx, 429, 408, OCPI 3xxx. Its other messages would fail the same way."""
    if http_status is None or http_status >= 500 or http_status in _DOWN_HTTP:
        return True
    return ocpi_status is not None and 3000 <= ocpi_status < 4000


def says_object_unknown(http_status: int | None, ocpi_status: int | None) -> bool:
    """The partner does not hold the object the message changes (OCPI 2003 "unknown location",
    HTTP 404): a repair (the object's full PUT) can replace parking it (issue 16 item 2)."""
    return http_status == 404 or ocpi_status == 2003


@dataclass(frozen=True, slots=True)
class PartnerDelivery:
    """A partner's delivery state. Available (``down_since`` None), or down: then only one probe
    (its oldest due message) is in flight at a time, every ``next_probe_at``, and the first
    answer that is not a failure of the partner makes everything it holds due at once."""

    partner_id: int
    down_since: datetime | None = None
    failures: int = 0
    next_probe_at: datetime | None = None
    probe_message_id: int | None = None
    last_error: str | None = None
    up_at: datetime | None = None

    @property
    def available(self) -> bool:
        return self.down_since is None


@dataclass(frozen=True, slots=True)
class Observation:
    """What one attempt said about its partner."""

    message_id: int
    started_at: datetime
    down: bool
    error: str | None = None
    retry_after: float | None = None


def observe(
    state: PartnerDelivery, seen: Observation, backoff: Backoff, now: datetime
) -> PartnerDelivery | None:
    """The partner's next state after ``seen``, or None when it does not change.

    - an answer from the partner marks it available (``up_at`` = now) if it was down;
    - a failure marks an available partner down, unless the request left before the partner
      was last seen coming back (it says nothing new);
    - while down, only the probe's failure counts: the interval grows (capped, jittered,
      Retry-After honoured); requests in flight when it went down are ignored.
    """
    if not seen.down:
        if state.available:
            return None
        return replace(
            state,
            down_since=None,
            failures=0,
            next_probe_at=None,
            probe_message_id=None,
            up_at=now,
        )
    if state.available:
        if state.up_at is not None and seen.started_at < state.up_at:
            return None
        failures = 1
    elif seen.message_id == state.probe_message_id:
        failures = state.failures + 1
    else:
        return None
    return replace(
        state,
        down_since=state.down_since or now,
        failures=failures,
        next_probe_at=now + timedelta(seconds=backoff.delay(failures, seen.retry_after)),
        probe_message_id=None,
        last_error=seen.error,
    )


def delivery_view(state: PartnerDelivery | None) -> dict[str, object]:
    """A partner's delivery state as operators see it (``partners list``, ``outbox list``)."""
    if state is None or state.available:
        return {
            "state": "available",
            "back_since": state.up_at.isoformat() if state and state.up_at else None,
            "last_error": state.last_error if state else None,
        }
    return {
        "state": "probing",
        "since": state.down_since.isoformat() if state.down_since else None,
        "next_probe_at": state.next_probe_at.isoformat() if state.next_probe_at else None,
        "failed_probes": state.failures,
        "last_error": state.last_error,
    }


def describe_delivery(state: PartnerDelivery | None) -> str:
    """One line: ``available``, or ``probing since ..., next probe ..., last error: ...``."""
    if state is None or state.available:
        return "available"
    since = f"{state.down_since:%Y-%m-%d %H:%M:%S}" if state.down_since else "?"
    probe = f"{state.next_probe_at:%H:%M:%S}" if state.next_probe_at else "now"
    return f"probing since {since}, next probe {probe}, last error: {state.last_error}"
