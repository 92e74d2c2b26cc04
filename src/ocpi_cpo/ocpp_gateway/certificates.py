"""Station certificates (OCPP security profile 3): who a connection proves to be.

A station at profile 3 presents a client certificate from the CPO's CA (``[ocpp.tls]
client_ca_file``) whose subject CN is its station id. The certificate reaches us one of two ways:

* **TLS in serve**: the stations' listener (``[ocpp.tls] cert_file``, ``key_file``, ``port``)
  asks for a client certificate (optional, so profile 2 stations connect too) and OpenSSL checks
  it against ``client_ca_file`` during the handshake. The listener records what it saw in the
  ASGI scope under :data:`PEER` (``api.listeners``: uvicorn has no ASGI TLS extension yet).
* **TLS at a reverse proxy**: the proxy checks the certificate and passes it in a header
  (``client_cert_header``, URL-encoded PEM as nginx's ``$ssl_client_escaped_cert``). The header
  is read only when the TCP peer, as recorded by serve's listener, is in ``trusted_proxies``;
  the certificate is checked again here: issued by a CA of ``client_ca_file``, valid now.

From anyone else the header is ignored, and a connection without a certificate gets no identity.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ocpi_cpo.config import OcppTlsSettings

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

LOG = logging.getLogger(__name__)

#: key in ``scope["extensions"]`` where serve's listeners record the TCP peer and the TLS session
PEER = "ocpi_cpo.peer"


class CertificateSetupError(ValueError):
    """``client_ca_file`` cannot be used; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What a connection proved: the CNs of a verified certificate, or why there is none."""

    common_names: tuple[str, ...] | None
    problem: str = ""


def load_cas(path: str) -> list[Certificate]:
    """The CA certificates of ``client_ca_file`` (PEM, one or more)."""
    from cryptography import x509

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CertificateSetupError(
            f"setting ocpp.tls.client_ca_file: {path}: {exc.strerror or exc}"
        ) from None
    try:
        cas = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertificateSetupError(
            f"setting ocpp.tls.client_ca_file: {path}: no PEM certificate in it"
        ) from None
    return cas


def peer_of(scope: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What serve's listener recorded for this connection (None under another server)."""
    peer = (scope.get("extensions") or {}).get(PEER)
    return peer if isinstance(peer, dict) else None


def _common_names_of_dict(cert: Mapping[str, Any]) -> tuple[str, ...]:
    """CNs of a certificate in the form of ``ssl.SSLObject.getpeercert()``."""
    return tuple(
        str(value) for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"
    )


class StationCertificates:
    """Reads the identity a connection proves, per ``[ocpp.tls]`` (None: profile 3 unavailable)."""

    def __init__(self, settings: OcppTlsSettings | None) -> None:
        self.settings = settings
        self._proxies = [
            ipaddress.ip_network(value, strict=False)
            for value in (settings.trusted_proxies if settings else [])
        ]
        self._cas: list[Certificate] | None = None

    def from_trusted_proxy(self, scope: Mapping[str, Any]) -> bool:
        """The TCP peer (not a forwarded address) is one of ``trusted_proxies``."""
        peer = peer_of(scope)
        if peer is None or not self._proxies or not isinstance(peer.get("address"), str):
            return False
        try:
            address = ipaddress.ip_address(peer["address"])
        except ValueError:
            return False
        return any(address in network for network in self._proxies)

    def over_tls(self, scope: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
        """TLS up to us or up to a trusted proxy (its X-Forwarded-Proto)."""
        peer = peer_of(scope)
        if (peer is not None and peer.get("tls_version")) or scope.get("scheme") == "wss":
            return True
        forwarded = headers.get("x-forwarded-proto", "").strip().lower()
        return forwarded in ("https", "wss") and self.from_trusted_proxy(scope)

    def identity(
        self, scope: Mapping[str, Any], headers: Mapping[str, str], now: datetime
    ) -> Identity:
        if self.settings is None:
            return Identity(None, "[ocpp.tls] is not configured: no certificate can be checked")
        peer = peer_of(scope)
        if peer is not None and peer.get("station_tls") and peer.get("client_cert"):
            # checked by OpenSSL against client_ca_file during the handshake
            return Identity(_common_names_of_dict(peer["client_cert"]))
        header = headers.get(self.settings.client_cert_header.lower())
        if header:
            if self.from_trusted_proxy(scope):
                return self._from_header(header, now)
            address = peer.get("address") if peer else None
            LOG.warning(
                "OCPP: header %s from %s ignored: not one of [ocpp.tls] trusted_proxies",
                self.settings.client_cert_header,
                address or "an unrecorded peer",
            )
        return Identity(None, "no valid client certificate")

    def _from_header(self, header: str, now: datetime) -> Identity:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.x509.oid import NameOID

        assert self.settings is not None
        name = self.settings.client_cert_header
        text = unquote(header).strip()
        try:
            if "-----BEGIN" in text:
                cert = x509.load_pem_x509_certificate(text.encode("ascii"))
            else:
                cert = x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
        except (ValueError, UnicodeEncodeError, binascii.Error):
            return Identity(None, f"header {name} holds no certificate")
        if self._cas is None:
            self._cas = load_cas(self.settings.client_ca_file)
        issued = False
        for ca in self._cas:
            if ca.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            issued = True
            break
        if not issued:
            return Identity(None, f"the certificate in {name} is not from the CA of client_ca_file")
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return Identity(None, f"the certificate in {name} is expired or not yet valid")
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return Identity(tuple(str(n.value) for n in names))
