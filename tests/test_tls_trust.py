"""Self-signed server certificates made the way self-hosted servers make them (`openssl req
-x509`, which marks them CA:TRUE), on both faces, and refusals told in Python's `ssl` words.

Each refusal is compared with the standard library's: the same server, the same context, both
libraries.
"""

from __future__ import annotations

import imaplib as std_imaplib
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

import imaprs
import imaprs.imaplib as rs_imaplib
from imaprs._servers.dovecot import Dovecot, DovecotError, User
from imaprs.testing import make_test_certificate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def openssl_x509(directory: Path, subject: str = "/CN=localhost", *extra: str) -> Tuple[Path, Path]:
    """A certificate and key made exactly as the usual how-to says: `openssl req -x509`."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "server.pem", directory / "server.key"
    argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key)]
    argv += ["-out", str(cert), "-days", "30", "-subj", subject, *extra]
    subprocess.run(argv, check=True, capture_output=True)
    return cert, key


def openssl_ca_selfsign(directory: Path, start: str, end: str) -> Tuple[Path, Path]:
    """A self-signed CA:TRUE certificate for localhost valid from ``start`` to ``end``
    (``YYYYMMDDHHMMSSZ``): `openssl ca -selfsign`, the openssl tool's way to set dates."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.txt").write_text("")
    (directory / "serial").write_text("01\n")
    config = directory / "ca.cnf"
    config.write_text(
        "[ca]\ndefault_ca = self\n"
        f"[self]\ndatabase = {directory / 'index.txt'}\nnew_certs_dir = {directory}\n"
        f"serial = {directory / 'serial'}\ndefault_md = sha256\npolicy = any\n"
        "x509_extensions = ext\n[any]\ncommonName = supplied\n"
        "[ext]\nbasicConstraints = critical, CA:TRUE\nsubjectAltName = DNS:localhost\n"
    )
    cert, key, csr = directory / "server.pem", directory / "server.key", directory / "req.csr"
    request = ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"]
    request += ["-keyout", str(key), "-out", str(csr)]
    sign = ["openssl", "ca", "-batch", "-notext", "-selfsign", "-startdate"]
    sign += [start, "-enddate", end, "-config", str(config)]
    sign += ["-keyfile", str(key), "-in", str(csr), "-out", str(cert)]
    for argv in (request, sign):
        subprocess.run(argv, check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def selfsigned(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path]:
    cert, key = openssl_x509(
        tmp_path_factory.mktemp("selfsigned"), "/CN=localhost", "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
    )  # fmt: skip
    text = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-ext", "basicConstraints"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "CA:TRUE" in text, "openssl req -x509 makes CA certificates"
    return cert, key


@pytest.fixture(scope="module")
def own_dovecot(selfsigned: Tuple[Path, Path]) -> Iterator[Dovecot]:
    server = Dovecot(certificate=selfsigned, install=True)
    try:
        server.start()
    except DovecotError as exc:
        pytest.fail(f"Dovecot could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def own_user(own_dovecot: Dovecot) -> User:
    return own_dovecot.add_user()


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# -- accepted when trusted explicitly ---------------------------------------------------------


def test_native_implicit_tls_and_starttls(own_dovecot: Dovecot, own_user: User) -> None:
    cert = own_dovecot.ca_file
    for port, starttls in ((own_dovecot.ssl_port, False), (own_dovecot.port, True)):
        with imaprs.IMAP4(("localhost", port), ssl_ctx=trusting(cert), starttls=starttls) as M:
            M.login(own_user.name, own_user.password)
            M.select("INBOX").wait()
        options = imaprs.TLSOptions.from_files(cert)
        with imaprs.IMAP4(("127.0.0.1", port), ssl_ctx=options, starttls=starttls) as M:
            M.login(own_user.name, own_user.password)


@pytest.mark.parametrize("mod", [std_imaplib, rs_imaplib], ids=["imaplib", "imaprs"])
def test_dropin_implicit_tls_and_starttls(own_dovecot: Dovecot, own_user: User, mod) -> None:
    ctx = trusting(own_dovecot.ca_file)
    M = mod.IMAP4_SSL("localhost", own_dovecot.ssl_port, ssl_context=ctx)
    assert M.login(own_user.name, own_user.password)[0] == "OK"
    M.logout()
    M = mod.IMAP4("127.0.0.1", own_dovecot.port)
    assert M.starttls(ssl_context=ctx)[0] == "OK"
    assert M.login(own_user.name, own_user.password)[0] == "OK"
    M.logout()


def test_cadata_trust_and_common_name_only(tmp_path: Path) -> None:
    """A certificate with no subjectAltName (plain `-subj /CN=localhost`) names the host by
    its common name, as OpenSSL and Python accept; cadata trusts it as cafile does."""
    cert, key = openssl_x509(tmp_path)
    cadata = cert.read_text()
    with GreetingServer(cert, key, 5) as srv:
        for mod in (std_imaplib, rs_imaplib):
            M = mod.IMAP4_SSL(
                "localhost", srv.port, ssl_context=ssl.create_default_context(cadata=cadata)
            )
            assert M.welcome.startswith(b"* OK")
            M.shutdown()
        with pytest.raises(imaprs.TLSError, match="IP address mismatch"):
            imaprs.IMAP4(("127.0.0.1", srv.port), ssl_ctx=trusting(cert))
        std, rs = refusals(srv.port, trusting(cert), "127.0.0.1")
        assert same(std, rs) and rs.verify_code == 64


# -- refused, in the standard library's words -------------------------------------------------


def test_not_trusted_self_signed_is_refused_on_both_faces(selfsigned: Tuple[Path, Path]) -> None:
    with GreetingServer(*selfsigned, 3) as srv:
        std, rs = refusals(srv.port, ssl.create_default_context(), "localhost")
        assert same(std, rs)
        assert (rs.verify_code, rs.verify_message) == (18, "self-signed certificate")
        with pytest.raises(imaprs.TLSError, match="certificate verify failed: self-signed"):
            imaprs.IMAP4(("localhost", srv.port), ssl_ctx=ssl.create_default_context())


def test_hostname_and_issuer_refusals(tmp_path: Path, selfsigned: Tuple[Path, Path]) -> None:
    cert, key = openssl_x509(
        tmp_path / "other", "/CN=mail.example.com", "-addext", "subjectAltName=DNS:mail.example.com"
    )
    with GreetingServer(cert, key, 2) as srv:
        std, rs = refusals(srv.port, trusting(cert), "localhost")
        assert same(std, rs)
        assert rs.verify_message == "Hostname mismatch, certificate is not valid for 'localhost'."
    ca_signed = make_test_certificate(tmp_path / "ca")
    with GreetingServer(ca_signed.cert_file, ca_signed.key_file, 2) as srv:
        # Trusting another certificate: the chain leads nowhere.
        std, rs = refusals(srv.port, trusting(selfsigned[0]), "localhost")
        assert same(std, rs)
        assert (rs.verify_code, rs.verify_message) == (20, "unable to get local issuer certificate")
        assert "UnknownIssuer" in str(rs.__cause__), "rustls's reason stays attached"


@pytest.mark.parametrize(
    "start, end, code, message",
    [
        ("20200101000000Z", "20200102000000Z", 10, "certificate has expired"),
        ("20900101000000Z", "20910101000000Z", 9, "certificate is not yet valid"),
    ],
    ids=["expired", "not yet valid"],
)
def test_validity_of_a_trusted_self_signed_certificate_is_checked(
    tmp_path: Path, start: str, end: str, code: int, message: str
) -> None:
    cert, key = openssl_ca_selfsign(tmp_path, start, end)
    with GreetingServer(cert, key, 3) as srv:
        std, rs = refusals(srv.port, trusting(cert), "localhost")
        assert same(std, rs)
        assert (rs.verify_code, rs.verify_message) == (code, message)
        with pytest.raises(imaprs.TLSError, match=f"certificate verify failed: {message}"):
            imaprs.IMAP4(("localhost", srv.port), ssl_ctx=trusting(cert))


# -- helpers ----------------------------------------------------------------------------------


def refusals(port: int, ctx: ssl.SSLContext, host: str) -> List[ssl.SSLCertVerificationError]:
    """What imaplib and imaprs.imaplib raise connecting to ``host:port`` with ``ctx``."""
    out = []
    for mod in (std_imaplib, rs_imaplib):
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            mod.IMAP4_SSL(host, port, ssl_context=ctx)
        out.append(info.value)
    return out


def same(std: ssl.SSLCertVerificationError, rs: ssl.SSLCertVerificationError) -> bool:
    """Same code, message, reason and text (up to CPython's source location)."""
    assert (rs.verify_code, rs.verify_message) == (std.verify_code, std.verify_message)
    assert (rs.reason, rs.library, rs.errno) == (std.reason, std.library, std.errno)
    assert str(std).startswith(str(rs)), (str(std), str(rs))
    return True


class GreetingServer:
    """Accepts ``count`` TLS clients on loopback in turn, greets each and closes."""

    def __init__(self, cert: Path, key: Path, count: int) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.count = count
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> GreetingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.thread.join(10)

    def _serve(self) -> None:
        for _ in range(self.count):
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"* OK ready\r\n")
                    line = tls.recv(1024)  # CAPABILITY
                    tag = line.split(b" ", 1)[0]
                    tls.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                    tls.recv(1024)
            except OSError:
                conn.close()
