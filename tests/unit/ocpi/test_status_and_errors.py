"""The status code table and the error tree, table-driven."""

from __future__ import annotations

import pytest

from ocpi_cpo.ocpi import errors
from ocpi_cpo.ocpi.status import STATUS_CODES, StatusClass, classify, describe


@pytest.mark.parametrize(
    ("code", "klass"),
    [
        (1000, StatusClass.SUCCESS),
        (1999, StatusClass.SUCCESS),
        (2000, StatusClass.CLIENT_ERROR),
        (2001, StatusClass.CLIENT_ERROR),
        (2002, StatusClass.CLIENT_ERROR),
        (2003, StatusClass.CLIENT_ERROR),
        (2004, StatusClass.CLIENT_ERROR),
        (2950, StatusClass.CLIENT_ERROR),
        (3000, StatusClass.SERVER_ERROR),
        (3001, StatusClass.SERVER_ERROR),
        (3002, StatusClass.SERVER_ERROR),
        (3003, StatusClass.SERVER_ERROR),
        (3999, StatusClass.SERVER_ERROR),
        (4000, StatusClass.HUB_ERROR),
        (4001, StatusClass.HUB_ERROR),
        (4002, StatusClass.HUB_ERROR),
        (4003, StatusClass.HUB_ERROR),
        (4900, StatusClass.HUB_ERROR),
    ],
)
def test_classify(code: int, klass: StatusClass) -> None:
    assert classify(code) is klass


@pytest.mark.parametrize("code", [0, 999, 5000, 200, -1])
def test_not_an_ocpi_code(code: int) -> None:
    with pytest.raises(ValueError, match="not an OCPI status code"):
        classify(code)


def test_table_covers_the_spec() -> None:
    assert sorted(STATUS_CODES) == [
        1000,
        2000,
        2001,
        2002,
        2003,
        2004,
        3000,
        3001,
        3002,
        3003,
        4000,
        4001,
        4002,
        4003,
    ]
    assert describe(2004) == "Unknown Token"
    assert describe(2950) == "custom client error"


@pytest.mark.parametrize(
    ("error", "ocpi", "http"),
    [
        (errors.ClientError, 2000, 200),
        (errors.InvalidParameters, 2001, 200),
        (errors.NotEnoughInformation, 2002, 200),
        (errors.UnknownLocation, 2003, 404),
        (errors.UnknownToken, 2004, 404),
        (errors.Unauthorized, 2000, 401),
        (errors.Forbidden, 2000, 403),
        (errors.NotFound, 2000, 404),
        (errors.MethodNotAllowed, 2000, 405),
        (errors.TooManyRequests, 2000, 429),
        (errors.ServerError, 3000, 500),
        (errors.ClientApiUnusable, 3001, 200),
        (errors.UnsupportedVersion, 3002, 200),
        (errors.NoMatchingEndpoints, 3003, 200),
        (errors.HubError, 4000, 200),
    ],
)
def test_error_tree(error: type[errors.OcpiError], ocpi: int, http: int) -> None:
    raised = error("why")
    assert (raised.ocpi_status, raised.http_status, raised.message) == (ocpi, http, "why")
    assert classify(raised.ocpi_status) is not StatusClass.SUCCESS


def test_overrides() -> None:
    raised = errors.UnknownLocation("x", http_status=200, headers={"Retry-After": "1"})
    assert raised.http_status == 200 and raised.headers == {"Retry-After": "1"}
