"""Errors of the use cases. Each boundary (OCPI API, CLI) translates them in one place.

ServiceError
├── NotFoundError        the named object does not exist
├── ConflictError        the object is in a state that forbids the action
└── RuleViolation        the input breaks a rule (which one is in the message)
    └── WireRefused      an object we made does not fit a partner's wire schema (its field)
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    pass


class RuleViolation(ServiceError):
    pass


class WireRefused(RuleViolation):
    """A rendered object does not fit its version's wire schema; ``field`` is its JSON path.
    Nothing was queued (and the caller's transaction must not commit)."""

    def __init__(self, version: str, module: str, field: str, why: str) -> None:
        super().__init__(f"OCPI {version} {module}: {field}: {why}")
        self.version, self.module, self.field = version, module, field
