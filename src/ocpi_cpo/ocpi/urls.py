"""Every URL we call on a partner, built from the endpoint it advertised, in one place.

OCPI 2.2.1 (version_information_endpoint, "Endpoint" class): the URL a party advertises for a
module is the URL to use. Nothing is stripped from it or added to it except the path parts the
spec documents after it (``/{country_code}/{party_id}/{id}``, ``/{token_uid}/authorize``),
joined with exactly one slash, and the query parameters of the call, appended to the query the
partner's URL may already carry. A partner advertising ``.../cdrs/`` gets its CDRs at
``.../cdrs/``, not at ``.../cdrs`` (issue 24: a CDR was lost to that stripped slash).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from ocpi_cpo.domain.delivery import path_of

__all__ = ["endpoint_url", "path_of"]


def endpoint_url(endpoint: str, path: str = "", query: Mapping[str, str] | None = None) -> str:
    """The partner's ``endpoint`` as given, then ``path`` (already encoded, with or without its
    leading slash, possibly with its own ``?query``), then ``query``.

    ``path`` empty: the endpoint itself, trailing slash and all. The endpoint's own query string
    and fragment are kept, the path goes before them.
    """
    rest, hash_mark, fragment = endpoint.partition("#")
    base, _, base_query = rest.partition("?")
    relative, _, relative_query = path.partition("?")
    relative = relative.lstrip("/")
    if relative:
        base = (base if base.endswith("/") else base + "/") + relative
    queries = [q for q in (base_query, relative_query, urlencode(query or {})) if q]
    url = base + ("?" + "&".join(queries) if queries else "")
    return url + hash_mark + fragment
