"""Structured JSON logs, one object per line, carrying the request's tracing ids.

Secrets never reach a log: nothing logs tokens, and this formatter also masks anything that looks
like an Authorization header value, as a second line of defence.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime

import orjson

from ocpi_cpo.ocpi.tracing import correlation_id_var, request_id_var

_AUTH = re.compile(r"(Token|Bearer)\s+[A-Za-z0-9+/=_\-.~]+", re.IGNORECASE)


def redact(text: str) -> str:
    return _AUTH.sub(r"\1 ***", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
            entry["correlation_id"] = correlation_id_var.get() or ""
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry).decode()


#: Libraries that log SQL parameters or request lines at DEBUG (aiosqlite logs every statement with
#: its values, which would include a partner's token): kept at WARNING whatever our level.
QUIET_LOGGERS = (
    "aiosqlite",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "asyncpg",
    "httpx",
    "httpcore",
)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
