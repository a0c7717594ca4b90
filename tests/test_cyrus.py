"""Where Cyrus IMAP differs from Dovecot in ways users meet, and imaprs works with both
(the native API's tests through both faces, the ``face`` fixture):
LOGINDISABLED on the plain port, the classic namespace (``INBOX.`` for one's own folders,
``user.NAME`` for other people's), and a self-signed certificate made with
``openssl req -x509`` (``CA:TRUE``) that the user trusts explicitly."""

from __future__ import annotations

import imaplib as std_imaplib
import ssl
from typing import Any

import pytest

import imaprs
import imaprs.imaplib as rs_imaplib
from faces import Face
from imaprs import IMAP4
from imaprs._servers import Cyrus, User


def test_login_is_disabled_until_tls(cyrus: Cyrus, cyrus_user: User, face: Face) -> None:
    imap = face.IMAP4((cyrus.host, cyrus.port), timeout=20)
    assert {"LOGINDISABLED", "STARTTLS"} <= imap.caps
    with pytest.raises(imaprs.IMAP4Error, match="LOGINDISABLED"):
        imap.login(cyrus_user.name, cyrus_user.password, allow_cleartext=True)
    imap.starttls(cyrus.client_context())
    assert "LOGINDISABLED" not in imap.caps
    imap.login(cyrus_user.name, cyrus_user.password)
    assert imap.state == "auth"
    imap.logout()


@pytest.mark.parametrize("mod", [std_imaplib, rs_imaplib], ids=["imaplib", "imaprs.imaplib"])
def test_the_drop_in_meets_logindisabled(cyrus: Cyrus, cyrus_user: User, mod: Any) -> None:
    """imaplib sends LOGIN regardless and Cyrus refuses it; the drop-in refuses it without
    sending the password (the same exception class); both log in after STARTTLS."""
    M = mod.IMAP4(cyrus.host, cyrus.port, 10)
    assert "LOGINDISABLED" in M.capabilities
    said = "Login only available under a layer" if mod is std_imaplib else "LOGINDISABLED"
    with pytest.raises(mod.IMAP4.error, match=said):
        M.login(cyrus_user.name, cyrus_user.password)
    assert M.starttls(cyrus.client_context())[0] == "OK"
    assert M.login(cyrus_user.name, cyrus_user.password)[0] == "OK"
    M.logout()


def test_the_classic_namespace(cyrus: Cyrus) -> None:
    alice, bob = cyrus.add_user(), cyrus.add_user()
    with connect(cyrus, alice) as imap:
        ns = next(r for r in imap.namespace().queue if r.dtype == "NAMESPACE")
        assert list(ns)[1:3] == [[["INBOX.", "."]], [["user.", "."]]]
        imap.create("INBOX.Projekte.Ärger")
        listed = [r[-1] for r in imap.list("", "*").queue]
        assert listed == ["INBOX", "INBOX.Projekte", "INBOX.Projekte.&AMQ-rger"]
        with pytest.raises(imaprs.NO):
            imap.create("Projekte")  # only under INBOX, or another user's folders
        imap.setacl("INBOX.Projekte.Ärger", bob.name, "lr")
    with connect(cyrus, bob) as imap:
        shared = f"user.{alice.name}.Projekte.&AMQ-rger"
        assert shared in [r[-1] for r in imap.list("", "user.*").queue]
        assert imap.examine(f"user.{alice.name}.Projekte.Ärger").result is not None


# -- the self-signed certificate made the openssl-x509 way -------------------------------------


def x509_context(cyrus: Cyrus) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cyrus.x509_cert_file))


def test_cpython_trusts_the_x509_certificate_when_told_to(cyrus: Cyrus) -> None:
    """The reference: CPython's ssl accepts it once the user trusts it explicitly."""
    M = std_imaplib.IMAP4_SSL(cyrus.host, cyrus.x509_ssl_port, ssl_context=x509_context(cyrus))
    assert M.state == "NONAUTH"
    M.logout()
    M = std_imaplib.IMAP4(cyrus.host, cyrus.x509_port)
    assert M.starttls(x509_context(cyrus))[0] == "OK"
    M.logout()
    with pytest.raises(ssl.SSLCertVerificationError):  # and refuses it when not told to
        std_imaplib.IMAP4_SSL(cyrus.host, cyrus.x509_ssl_port, ssl_context=cyrus.client_context())


@pytest.mark.parametrize("how", ["implicit", "starttls"])
def test_native_api_with_the_x509_certificate(
    cyrus: Cyrus, cyrus_user: User, how: str, face: Face
) -> None:
    def connect() -> IMAP4:
        if how == "implicit":
            return face.IMAP4((cyrus.host, cyrus.x509_ssl_port), 20, x509_context(cyrus))
        return face.IMAP4((cyrus.host, cyrus.x509_port), 20, x509_context(cyrus), starttls=True)

    imap = connect()
    imap.login(cyrus_user.name, cyrus_user.password)
    assert imap.encrypted and imap.state == "auth"
    imap.logout()
    with pytest.raises(imaprs.TLSError):  # trusted explicitly means only that certificate
        face.IMAP4((cyrus.host, cyrus.x509_ssl_port), 20, cyrus.client_context())


@pytest.mark.parametrize("how", ["IMAP4_SSL", "starttls"])
def test_drop_in_with_the_x509_certificate(cyrus: Cyrus, cyrus_user: User, how: str) -> None:
    def connect() -> Any:
        if how == "IMAP4_SSL":
            return rs_imaplib.IMAP4_SSL(
                cyrus.host, cyrus.x509_ssl_port, ssl_context=x509_context(cyrus)
            )
        M = rs_imaplib.IMAP4(cyrus.host, cyrus.x509_port)
        M.starttls(x509_context(cyrus))
        return M

    M = connect()
    assert M.login(cyrus_user.name, cyrus_user.password)[0] == "OK"
    M.logout()


def connect(cyrus: Cyrus, user: User) -> IMAP4:
    imap = IMAP4((cyrus.host, cyrus.ssl_port), 20, cyrus.client_context())
    imap.login(user.name, user.password)
    return imap
