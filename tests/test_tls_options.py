"""Carrying an ssl.SSLContext's settings over to the engine's TLS options."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from imaprs._tls import TLSOptions, tls_options
from imaprs.testing import make_test_certificate


def test_default_is_verified_with_default_roots() -> None:
    options = tls_options(None)
    assert (options.verify, options.check_hostname, options.use_default_roots) == (True, True, True)


def test_default_context_carries_its_roots(tmp_path: Path) -> None:
    cert = make_test_certificate(tmp_path)
    ctx = ssl.create_default_context(cafile=str(cert.ca_file))
    options = tls_options(ctx)
    assert options.verify and options.check_hostname
    ca_der = ssl.PEM_cert_to_DER_cert(Path(cert.ca_file).read_text())
    assert ca_der in options.ca_certs_der
    assert not options.use_default_roots


def test_bare_context_with_only_a_cafile_trusts_only_it(tmp_path: Path) -> None:
    cert = make_test_certificate(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(cert.ca_file))
    options = tls_options(ctx)
    assert len(options.ca_certs_der) == 1 and not options.use_default_roots


def test_unverified_and_no_hostname_check() -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    assert tls_options(ctx).check_hostname is False and tls_options(ctx).verify
    ctx.verify_mode = ssl.CERT_NONE
    options = tls_options(ctx)
    assert (options.verify, options.check_hostname) == (False, False)


def test_verifying_context_without_listed_roots_falls_back_to_defaults() -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert tls_options(ctx).use_default_roots


def test_from_files(tmp_path: Path) -> None:
    cert = make_test_certificate(tmp_path)
    options = TLSOptions.from_files(
        cert.ca_file, client_cert=cert.cert_file, client_key=cert.key_file, server_name="localhost"
    )
    assert len(options.ca_certs_der) == 1 and not options.use_default_roots
    assert options.client_cert_pem and b"BEGIN CERTIFICATE" in options.client_cert_pem
    assert options.server_name == "localhost"
    assert "PRIVATE" not in repr(options)
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(ValueError, match="no certificate"):
        TLSOptions.from_files(empty)


def test_wrong_type() -> None:
    with pytest.raises(TypeError):
        tls_options("yes")  # type: ignore[arg-type]
