"""TLS settings for the connection engine, from a Python ``ssl.SSLContext`` or given directly.

The engine does TLS in Rust (rustls), so an ``SSLContext`` cannot be used as it is; what
it says is carried over instead:

- ``verify_mode``: ``CERT_NONE`` turns certificate verification off; anything else is
  verification on (rustls always requires a valid chain once verifying).
- ``check_hostname``: checked against the host connected to (or ``server_hostname``).
- the CA certificates loaded into it (``get_ca_certs(binary_form=True)``) are the trust
  roots, exactly as the context would trust them. A verifying context with no certificates
  listed (a platform that loads its store lazily) falls back to the system and webpki roots.

A client certificate cannot be read back out of an ``SSLContext``; give it with
``TLSOptions(client_cert=..., client_key=...)`` instead.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Tuple, Union

__all__ = ["TLSOptions", "decode_certificate", "tls_options"]

PathLike = Union[str, Path]


@dataclass(frozen=True)
class TLSOptions:
    """How a TLS connection is verified, and the client certificate it presents.

    Attributes:
        verify: verify the server's certificate chain (off: accept any certificate; for
            tests only).
        check_hostname: check that the certificate names the server.
        ca_certs_der: extra trusted CA certificates, DER encoded.
        use_default_roots: also trust the system store and the webpki roots.
        client_cert_pem: client certificate chain, PEM (may hold the key too).
        client_key_pem: the client certificate's private key, PEM, unencrypted.
        server_name: the name to send (SNI) and verify instead of the host connected to.
    """

    verify: bool = True
    check_hostname: bool = True
    ca_certs_der: Tuple[bytes, ...] = field(default=(), repr=False)
    use_default_roots: bool = True
    client_cert_pem: Optional[bytes] = field(default=None, repr=False)
    client_key_pem: Optional[bytes] = field(default=None, repr=False)
    server_name: Optional[str] = None

    @classmethod
    def from_files(
        cls,
        cafile: Optional[PathLike] = None,
        *,
        client_cert: Optional[PathLike] = None,
        client_key: Optional[PathLike] = None,
        use_default_roots: Optional[bool] = None,
        **kwargs: object,
    ) -> TLSOptions:
        """Options trusting the PEM bundle ``cafile`` (only it, unless ``use_default_roots``)
        and presenting the client certificate in ``client_cert`` / ``client_key``."""
        ca: Tuple[bytes, ...] = ()
        if cafile is not None:
            pem = Path(cafile).read_text(encoding="ascii")
            ca = tuple(_pem_to_der(pem))
            if not ca:
                raise ValueError(f"no certificate found in {cafile}")
        options = cls(
            ca_certs_der=ca,
            use_default_roots=(cafile is None) if use_default_roots is None else use_default_roots,
            client_cert_pem=Path(client_cert).read_bytes() if client_cert else None,
            client_key_pem=Path(client_key).read_bytes() if client_key else None,
        )
        return replace(options, **kwargs)  # type: ignore[arg-type]


def tls_options(ctx: Union[ssl.SSLContext, TLSOptions, None]) -> TLSOptions:
    """The engine's options for ``ctx``: a ``TLSOptions`` as given, the defaults (verified,
    system and webpki roots) for ``None``, or what an ``SSLContext`` says (see the module
    documentation)."""
    if ctx is None:
        return TLSOptions()
    if isinstance(ctx, TLSOptions):
        return ctx
    if not isinstance(ctx, ssl.SSLContext):
        raise TypeError(f"expected ssl.SSLContext or imaprs.TLSOptions, not {type(ctx).__name__}")
    verify = ctx.verify_mode != ssl.CERT_NONE
    cas = tuple(bytes(der) for der in ctx.get_ca_certs(binary_form=True))
    return TLSOptions(
        verify=verify,
        check_hostname=verify and ctx.check_hostname,
        ca_certs_der=cas,
        use_default_roots=verify and not cas,
    )


def decode_certificate(der: bytes) -> dict[str, object]:
    """The certificate ``der`` as ``ssl.SSLSocket.getpeercert()`` gives it (``subject``,
    ``issuer``, ``notAfter``, ``subjectAltName``...), decoded by the running Python's own
    OpenSSL binding so that every field reads exactly as there; ``{}`` when this Python
    offers no decoder."""
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return {}
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(ssl.DER_cert_to_PEM_cert(der))
        return dict(decode(path))
    finally:
        os.unlink(path)


def _pem_to_der(pem: str) -> list[bytes]:
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    out = []
    rest = pem
    while begin in rest:
        start = rest.index(begin)
        stop = rest.index(end, start)
        out.append(ssl.PEM_cert_to_DER_cert(rest[start : stop + len(end)] + "\n"))
        rest = rest[stop + len(end) :]
    return out
