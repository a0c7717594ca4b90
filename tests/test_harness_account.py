"""The packaged harness as ``imaprs.testing`` offers it: accounts, message conversion, and how a
missing Dovecot is reported (never installed behind the caller's back unless asked)."""

from __future__ import annotations

import email.message
import email.policy
import imaplib
import subprocess
import sys
from pathlib import Path

import pytest

import imaprs.testing
from imaprs._servers import Dovecot, DovecotAccount, DovecotNotInstalled, message_bytes


def test_bytes_are_kept_as_they_are() -> None:
    raw = b"Subject: x\n\r\nbody \xff\r\n"
    assert message_bytes(raw) == raw
    assert message_bytes(bytearray(raw)) == raw


def test_text_gets_crlf_and_utf8() -> None:
    text = "Subject: Grüße\n\nline one\rline two\r\nend\n"
    expected = "Subject: Grüße\r\n\r\nline one\r\nline two\r\nend\r\n".encode()
    assert message_bytes(text) == expected


def test_email_messages_get_crlf() -> None:
    message = email.message.EmailMessage()
    message["Subject"] = "Zoë's report"
    message.set_content("one\ntwo\n")
    raw = message_bytes(message)
    assert b"\r\n\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == "Zoë's report"


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match=r"bytes, str or email\.message\.Message"):
        message_bytes(42)  # type: ignore[arg-type]


def test_public_names_come_from_imaprs_testing() -> None:
    assert imaprs.testing.Dovecot is Dovecot
    assert imaprs.testing.DovecotAccount is DovecotAccount
    assert {"Cyrus", "User", "seed_mailbox", "make_messages"} <= set(dir(imaprs.testing))


def test_the_harness_imports_nothing_but_the_standard_library() -> None:
    code = (
        "import sys, imaprs.testing; "
        "print(sorted({'pytest', 'hypothesis', '_pytest'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_dovecot_is_reported_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IMAPRS_DOVECOT_PATH", str(tmp_path))
    server = Dovecot()
    with pytest.raises(DovecotNotInstalled, match=r"apt-get install dovecot-imapd"):
        server.start()
    assert server.root == Path()  # nothing was prepared


def test_an_account_reaches_its_own_mailbox(dovecot: Dovecot) -> None:
    account = DovecotAccount(dovecot, dovecot.add_user())
    other = DovecotAccount(dovecot, dovecot.add_user())
    assert account.user != other.user
    assert (account.host, account.port, account.ssl_port) == (
        dovecot.host,
        dovecot.port,
        dovecot.ssl_port,
    )
    account.deliver("Subject: one\n\nfirst\n")
    account.deliver(b"Subject: two\r\n\r\nsecond\r\n", "Lists/Python", flags="\\Seen")
    with imaplib.IMAP4_SSL(
        account.host, account.ssl_port, ssl_context=account.client_context(), timeout=10
    ) as client:
        client.login(account.user, account.password)
        assert client.select("INBOX") == ("OK", [b"1"])
        typ, data = client.fetch("1", "(BODY.PEEK[])")
        assert typ == "OK" and data[0][1] == b"Subject: one\r\n\r\nfirst\r\n"  # type: ignore[index]
        assert client.select("Lists/Python") == ("OK", [b"1"])
        typ, data = client.fetch("1", "(FLAGS)")
        assert typ == "OK" and b"\\Seen" in data[0]  # type: ignore[operator]
    with imaplib.IMAP4(other.host, other.port, timeout=10) as client:
        client.login(other.user, other.password)
        assert client.select("INBOX") == ("OK", [b"0"])
