"""Prometheus metrics, one registry per process, exported at /metrics (bearer admin token)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

ATTEMPTS = Counter(
    "ocpi_cpo_outbox_attempts",
    "Delivery attempts to partners, by outcome (DELIVERED, RETRY, DEAD)",
    ["partner", "module", "outcome"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "ocpi_cpo_outbox_dead_letters",
    "Messages parked as dead letters, per partner and module (alert on cdrs: money at stake)",
    ["partner", "module"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "ocpi_cpo_outbox_request_seconds",
    "Time a partner took to answer one delivery",
    ["module"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
REPAIRS = Counter(
    "ocpi_cpo_outbox_repairs",
    "PATCHes answered 'unknown object' and replaced by a full PUT of the object",
    ["partner", "module"],
    registry=REGISTRY,
)
DEPTH = Gauge(
    "ocpi_cpo_outbox_depth",
    "Messages waiting (PENDING) or parked (DEAD), per partner and module",
    ["partner", "module", "state"],
    registry=REGISTRY,
)
OLDEST = Gauge(
    "ocpi_cpo_outbox_oldest_age_seconds",
    "Age of the oldest waiting message, per partner and module",
    ["partner", "module"],
    registry=REGISTRY,
)
AUTHORIZATIONS = Counter(
    "ocpi_cpo_authorizations",
    "Authorization decisions, by outcome and by how they were reached",
    ["outcome", "source"],
    registry=REGISTRY,
)
AUTHORIZATION_LATENCY = Histogram(
    "ocpi_cpo_authorization_seconds",
    "Time to decide an authorization (including the hub's answer)",
    ["source"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
CDRS_HELD = Gauge(
    "ocpi_cpo_cdrs_held",
    "CDRs held because they could not be priced (never sent until repriced or released)",
    registry=REGISTRY,
)
CDRS_HELD_OLDEST = Gauge(
    "ocpi_cpo_cdrs_held_oldest_age_seconds",
    "Age of the oldest held CDR (0 when none is held)",
    registry=REGISTRY,
)
REFUSED = Counter(
    "ocpi_cpo_outbound_refused",
    "Objects made by station events that did not fit a partner's wire schema (never queued)",
    ["version", "module"],
    registry=REGISTRY,
)
OCPP_STATIONS = Gauge(
    "ocpi_cpo_ocpp_stations_connected",
    "Stations connected to this process, by OCPP version (1.6, 2.0.1)",
    ["version"],
    registry=REGISTRY,
)
OCPP_MESSAGES = Counter(
    "ocpi_cpo_ocpp_messages",
    "OCPP-J frames from stations (in) and to them (out), by action and kind (call, result,"
    " error; a result or error under the action of the CALL it answers; unknown actions: other)",
    ["direction", "action", "kind"],
    registry=REGISTRY,
)
OCPP_ANSWER_LATENCY = Histogram(
    "ocpi_cpo_ocpp_answer_seconds",
    "Time from a station's CALL read to our answer written, by action",
    ["action"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
OCPP_READS_PAUSED = Counter(
    "ocpi_cpo_ocpp_reads_paused",
    "Times a station's next frame was left unread because its events waiting for the services"
    " reached [ocpp] events_per_station (a flooding or slow station waits alone)",
    registry=REGISTRY,
)
OCPP_BOOTS = Counter(
    "ocpi_cpo_ocpp_boots",
    "BootNotifications answered, by status (Accepted, Pending, Rejected; error for a CALLERROR)",
    ["status"],
    registry=REGISTRY,
)
OCPP_REFUSED = Counter(
    "ocpi_cpo_ocpp_connections_refused",
    "Station connections refused at the handshake, by HTTP status (400 subprotocol, 401 auth,"
    " 403 security profile, 404 unknown station, 429 too many attempts)",
    ["status"],
    registry=REGISTRY,
)
OCPI_REQUESTS = Counter(
    "ocpi_cpo_ocpi_requests",
    "OCPI requests answered, by version, module (versions, details, a module id, or other) and"
    " HTTP status",
    ["version", "module", "status"],
    registry=REGISTRY,
)
RECONCILED_AT = Gauge(
    "ocpi_cpo_reconcile_last_run_timestamp_seconds",
    "When the last scheduled reconciliation with the partner ran (Unix time)",
    ["partner"],
    registry=REGISTRY,
)
RECONCILE_DIFFERENCES = Gauge(
    "ocpi_cpo_reconcile_differences",
    "Objects that differed at the partner in the last reconciliation",
    ["partner"],
    registry=REGISTRY,
)
RECONCILE_REPAIRED = Gauge(
    "ocpi_cpo_reconcile_repaired",
    "Objects queued again (full PUT) by the last reconciliation",
    ["partner"],
    registry=REGISTRY,
)
