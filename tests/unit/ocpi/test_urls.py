"""Every URL we call is the partner's advertised endpoint as given plus the documented path parts
(issue 24), and a redirect is followed only to the same origin."""

from __future__ import annotations

import pytest
from yarl import URL

from ocpi_cpo.ocpi.urls import endpoint_url, path_of
from ocpi_cpo.outbound.transport import MAX_REDIRECTS, next_hop


@pytest.mark.parametrize(
    ("endpoint", "path", "query", "expected"),
    [
        # no path: the endpoint exactly as advertised, trailing slash kept (a CDR POST)
        (
            "https://e.example/ocpi/emsp/2.2.1/cdrs/",
            "",
            None,
            "https://e.example/ocpi/emsp/2.2.1/cdrs/",
        ),
        (
            "https://e.example/ocpi/emsp/2.2.1/cdrs",
            "",
            None,
            "https://e.example/ocpi/emsp/2.2.1/cdrs",
        ),
        # documented path parts joined with exactly one slash
        (
            "https://e.example/ocpi/locations",
            "/FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1",
        ),
        (
            "https://e.example/ocpi/locations/",
            "/FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1",
        ),
        (
            "https://e.example/ocpi/locations/",
            "FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1",
        ),
        (
            "https://e.example/ocpi/locations",
            "FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1",
        ),
        # ports and path prefixes kept
        (
            "http://127.0.0.1:8080/prefix/ocpi/2.2.1/sessions",
            "/FR/AB1/S1",
            None,
            "http://127.0.0.1:8080/prefix/ocpi/2.2.1/sessions/FR/AB1/S1",
        ),
        (
            "http://[::1]:9443/a/b/c/tariffs/",
            "/FR/AB1/T1",
            None,
            "http://[::1]:9443/a/b/c/tariffs/FR/AB1/T1",
        ),
        # the partner's query string kept, the path goes before it
        ("https://e.example/ocpi/cdrs?tenant=7", "", None, "https://e.example/ocpi/cdrs?tenant=7"),
        (
            "https://e.example/ocpi/locations/?tenant=7",
            "/FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1?tenant=7",
        ),
        (
            "https://e.example/ocpi/locations?tenant=7",
            "/FR/AB1/L1",
            None,
            "https://e.example/ocpi/locations/FR/AB1/L1?tenant=7",
        ),
        # our query parameters appended to theirs
        (
            "https://e.example/ocpi/tokens",
            "/U1/authorize",
            {"type": "RFID"},
            "https://e.example/ocpi/tokens/U1/authorize?type=RFID",
        ),
        (
            "https://e.example/ocpi/tokens/?k=v",
            "/U1/authorize",
            {"type": "RFID"},
            "https://e.example/ocpi/tokens/U1/authorize?k=v&type=RFID",
        ),
        (
            "https://e.example/ocpi/tokens",
            "/U1/authorize?type=APP_USER",
            None,
            "https://e.example/ocpi/tokens/U1/authorize?type=APP_USER",
        ),
        # nothing else touched: case, encoded characters, double slashes inside their path
        (
            "https://E.example/OCPI/Loc%20s/",
            "/FR/AB1/L1",
            None,
            "https://E.example/OCPI/Loc%20s/FR/AB1/L1",
        ),
        (
            "https://e.example//ocpi//locations",
            "/FR/AB1/L1",
            None,
            "https://e.example//ocpi//locations/FR/AB1/L1",
        ),
    ],
)
def test_endpoint_url(
    endpoint: str, path: str, query: dict[str, str] | None, expected: str
) -> None:
    assert endpoint_url(endpoint, path, query) == expected


def test_path_of_encodes_each_segment() -> None:
    assert path_of("FR", "AB1", "a/b c") == "/FR/AB1/a%2Fb%20c"
    assert path_of() == ""
    assert endpoint_url("https://e.example/ocpi/tokens/", path_of("04 AB/CD", "authorize")) == (
        "https://e.example/ocpi/tokens/04%20AB%2FCD/authorize"
    )


HERE = URL("http://127.0.0.1:8080/ocpi/emsp/2.2.1/cdrs")


@pytest.mark.parametrize(
    ("status", "location", "hops", "expected"),
    [
        (307, "/ocpi/emsp/2.2.1/cdrs/", 0, "http://127.0.0.1:8080/ocpi/emsp/2.2.1/cdrs/"),
        (
            308,
            "http://127.0.0.1:8080/ocpi/emsp/2.2.1/cdrs/",
            2,
            "http://127.0.0.1:8080/ocpi/emsp/2.2.1/cdrs/",
        ),
        (307, "cdrs/", 0, "http://127.0.0.1:8080/ocpi/emsp/2.2.1/cdrs/"),  # RFC 3986 §5.2
        (307, "/x", MAX_REDIRECTS, "more than 3 redirects"),
        (307, "http://evil.example/ocpi/cdrs/", 0, "another origin"),
        (307, "https://127.0.0.1:8080/ocpi/cdrs/", 0, "another origin"),
        (307, "http://127.0.0.1:8081/ocpi/cdrs/", 0, "another origin"),
        (307, None, 0, "no Location header"),
        (301, "/ocpi/emsp/2.2.1/cdrs/", 0, "only 307 and 308 are followed"),
        (302, "/ocpi/emsp/2.2.1/cdrs/", 0, "only 307 and 308 are followed"),
        (303, "/ocpi/emsp/2.2.1/cdrs/", 0, "only 307 and 308 are followed"),
    ],
)
def test_next_hop(status: int, location: str | None, hops: int, expected: str) -> None:
    found = next_hop(HERE, status, location, hops)
    if isinstance(found, URL):
        assert str(found) == expected
    else:
        assert expected in found
