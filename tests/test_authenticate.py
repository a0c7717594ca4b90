"""AUTHENTICATE through IMAP4 against a real Dovecot (every mechanism it enables) and a
scripted server (the OAuth mechanisms, a custom mechanism, cancelling)."""

from __future__ import annotations

import base64
import logging
from typing import List, Optional

import pytest

import imaprs
from faces import Face
from imaprs import IMAP4
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer

MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]


def tls_connect(dovecot: Dovecot, face: Face) -> IMAP4:
    return face.IMAP4(("localhost", dovecot.ssl_port), ssl_ctx=dovecot.client_context(), timeout=10)


@pytest.mark.parametrize("mech", MECHANISMS)
def test_every_mechanism_dovecot_offers(
    dovecot: Dovecot, dovecot_user: User, mech: str, face: Face
) -> None:
    if mech not in dovecot.mechanisms:
        pytest.skip(f"this Dovecot does not enable {mech}")
    with tls_connect(dovecot, face) as imap:
        cmd = imap.authenticate(mech, username=dovecot_user.name, secret=dovecot_user.password)
        assert cmd.result is not None and cmd.result.status == "OK"
        assert imap.state == "auth" and "IDLE" in imap.caps  # capabilities re-read


def test_non_ascii_credentials_with_scram(dovecot: Dovecot, face: Face) -> None:
    with tls_connect(dovecot, face) as imap:
        imap.authenticate("SCRAM-SHA-256", username="zoë", secret=dovecot.users["zoë"])
        assert imap.state == "auth"


def test_the_strongest_mechanism_is_chosen(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    with tls_connect(dovecot, face) as imap:
        cmd = imap.authenticate(username=dovecot_user.name, secret=dovecot_user.password)
        assert cmd.args[0].text == "SCRAM-SHA-256"


def test_wrong_password_and_secrets_kept_out_of_logs(
    dovecot: Dovecot, dovecot_user: User, caplog: pytest.LogCaptureFixture, face: Face
) -> None:
    caplog.set_level(logging.DEBUG, logger="imaprs")
    with tls_connect(dovecot, face) as imap:
        with pytest.raises(imaprs.NO) as info:
            imap.authenticate("PLAIN", username=dovecot_user.name, secret="wrong-pässword")
        assert "wrong-pässword" not in str(info.value)
        imap.authenticate("PLAIN", username=dovecot_user.name, secret=dovecot_user.password)
    plain = base64.b64encode(f"\0{dovecot_user.name}\0{dovecot_user.password}".encode()).decode()
    assert dovecot_user.password not in caplog.text and plain not in caplog.text
    assert "AUTHENTICATE PLAIN <secret>" in caplog.text


def test_plain_refused_in_clear_text_without_opt_in(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    imap = face.IMAP4((dovecot.host, dovecot.port), timeout=10)
    with pytest.raises(imaprs.IMAP4Error, match="unencrypted"):
        imap.authenticate("PLAIN", username=dovecot_user.name, secret=dovecot_user.password)
    imap.authenticate(
        "PLAIN", username=dovecot_user.name, secret=dovecot_user.password, allow_cleartext=True
    )
    imap.logout()


def test_a_custom_mechanism_from_callables(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    """PLAIN written by the caller, without SASL-IR: the answer goes after the first '+'."""
    seen: List[bytes] = []

    def respond(challenge: bytes) -> Optional[bytes]:
        seen.append(challenge)
        return f"\0{dovecot_user.name}\0{dovecot_user.password}".encode()

    with tls_connect(dovecot, face) as imap:
        imap.caps.discard("SASL-IR")
        imap.authenticate("PLAIN", cr=respond)
        assert imap.state == "auth" and seen == [b""]


def test_oauth_mechanisms_and_cancelling(face: Face) -> None:
    token = "ya29.secret-token"

    def script(s: ScriptedServer) -> None:
        caps = ("IMAP4rev1", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "SASL-IR", "AUTH=X-CUSTOM")
        s.greeting(caps=caps)
        command = s.expect("AUTHENTICATE")
        mech, ir = command.args.split()
        assert mech == "XOAUTH2"
        assert base64.b64decode(ir) == f"user=alice\x01auth=Bearer {token}\x01\x01".encode()
        s.ok(command.tag, "OAuth ok", code="CAPABILITY IMAP4rev1 IDLE")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5, ssl_ctx=None)
        imap.authenticate("XOAUTH2", username="alice", secret=token, allow_cleartext=True)
        assert imap.state == "auth" and imap.caps == {"IMAP4REV1", "IDLE"}
        imap.logout()

    def bearer(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=OAUTHBEARER"))
        command = s.expect("AUTHENTICATE")
        assert command.args == "OAUTHBEARER"
        answer = s.challenge(b"")
        assert base64.b64decode(answer).startswith(b"n,a=alice,")
        error = b'{"status":"invalid_token"}'
        assert s.challenge(error) == b"AQ=="  # the client answers an error with ^A
        s.no(command.tag, "AUTHENTICATE failed")
        s.expect_logout()

    with ScriptedServer(script=bearer) as server:
        imap = face.IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.NO):
            imap.authenticate("OAUTHBEARER", username="alice", secret=token, allow_cleartext=True)
        imap.logout()

    def cancel(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=X-CUSTOM"))
        command = s.expect("AUTHENTICATE")
        assert s.challenge(b"what?") == b"*"
        s.bad(command.tag, "cancelled")
        s.expect_logout()

    with ScriptedServer(script=cancel) as server:
        imap = face.IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.IMAP4Error, match="cancelled"):
            imap.authenticate("X-CUSTOM", cr=lambda challenge: None)
        imap.logout()
