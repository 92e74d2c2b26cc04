"""The error tree of the OCPI boundary. Each error carries its OCPI status and its HTTP status.

    OcpiError
    ├── ClientError (2000)                HTTP 200 unless said otherwise (status_codes: a request
    │   │                                 that reached the OCPI layer gets no HTTP error)
    │   ├── InvalidParameters (2001)
    │   ├── NotEnoughInformation (2002)
    │   ├── UnknownLocation (2003)        HTTP 404 (a GET); commands say 200 themselves
    │   ├── UnknownToken (2004)           HTTP 404
    │   ├── Unauthorized (2000)           HTTP 401: missing or unknown token
    │   ├── Forbidden (2000)              HTTP 403: known caller, not allowed here
    │   ├── NotFound (2000)               HTTP 404: no such object for this caller
    │   ├── MethodNotAllowed (2000)       HTTP 405 (credentials in the wrong state)
    │   └── TooManyRequests (2000)        HTTP 429
    ├── ServerError (3000)                HTTP 500 (unexpected) or 503 (database down)
    │   ├── ClientApiUnusable (3001)
    │   ├── UnsupportedVersion (3002)
    │   └── NoMatchingEndpoints (3003)
    └── HubError (4000)

Malformed JSON is not an OcpiError: it never reaches the OCPI layer and gets HTTP 400.

The API layer turns any of these into the OCPI envelope; foreign exceptions are translated there,
in one place.
"""

from __future__ import annotations


class OcpiError(Exception):
    ocpi_status = 3000
    http_status = 500

    def __init__(
        self,
        message: str,
        *,
        ocpi_status: int | None = None,
        http_status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if ocpi_status is not None:
            self.ocpi_status = ocpi_status
        if http_status is not None:
            self.http_status = http_status
        self.headers = headers or {}


class ClientError(OcpiError):
    ocpi_status = 2000
    http_status = 200


class InvalidParameters(ClientError):
    ocpi_status = 2001


class NotEnoughInformation(ClientError):
    ocpi_status = 2002


class UnknownLocation(ClientError):
    ocpi_status = 2003
    http_status = 404


class UnknownToken(ClientError):
    ocpi_status = 2004
    http_status = 404


class Unauthorized(ClientError):
    http_status = 401


class Forbidden(ClientError):
    http_status = 403


class NotFound(ClientError):
    http_status = 404


class MethodNotAllowed(ClientError):
    http_status = 405


class TooManyRequests(ClientError):
    http_status = 429


class ServerError(OcpiError):
    ocpi_status = 3000
    http_status = 500


class ClientApiUnusable(ServerError):
    ocpi_status = 3001
    http_status = 200


class UnsupportedVersion(ServerError):
    ocpi_status = 3002
    http_status = 200


class NoMatchingEndpoints(ServerError):
    ocpi_status = 3003
    http_status = 200


class HubError(OcpiError):
    ocpi_status = 4000
    http_status = 200
