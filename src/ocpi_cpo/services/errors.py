"""Errors of the use cases. Each boundary (OCPI API, CLI) translates them in one place.

ServiceError
├── NotFoundError        the named object does not exist
├── ConflictError        the object is in a state that forbids the action
└── RuleViolation        the input breaks a rule (which one is in the message)
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
