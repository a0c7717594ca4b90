"""The test Dovecot itself, driven by the standard library's imaplib."""

from __future__ import annotations

import base64
import hashlib
import hmac
import imaplib
import re
import secrets
import shlex
import socket
import ssl
import time
from pathlib import Path
from typing import Callable, List

import pytest

from imaprs._servers import Dovecot, User, iter_big_message, make_messages, seed_mailbox
from imaprs.testing import make_test_certificate

pytestmark = pytest.mark.server
TIMEOUT = 10.0

# What Dovecot 2.3 offers before login (plus AUTH=... and STARTTLS on the cleartext port) and
# after it, with the plugins the test configuration loads.
PRE_LOGIN = {"IMAP4REV1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+"}
POST_LOGIN = {
    "IMAP4rev1", "SASL-IR", "ID", "ENABLE", "IDLE", "SORT", "SORT=DISPLAY", "THREAD=REFERENCES",
    "THREAD=REFS", "THREAD=ORDEREDSUBJECT", "MULTIAPPEND", "URL-PARTIAL", "CATENATE", "UNSELECT",
    "CHILDREN", "NAMESPACE", "UIDPLUS", "LIST-EXTENDED", "I18NLEVEL=1", "CONDSTORE", "QRESYNC",
    "ESEARCH", "ESORT", "SEARCHRES", "WITHIN", "CONTEXT=SEARCH", "LIST-STATUS", "BINARY", "MOVE",
    "SNIPPET=FUZZY", "PREVIEW=FUZZY", "STATUS=SIZE", "SAVEDATE", "LITERAL+", "NOTIFY",
    "SPECIAL-USE", "METADATA", "COMPRESS=DEFLATE", "QUOTA", "ACL", "RIGHTS=texk",
}  # fmt: skip


def login(dovecot: Dovecot, user: User) -> imaplib.IMAP4:
    client = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT)
    client.login(user.name, user.password)
    return client


def capabilities(client: imaplib.IMAP4) -> List[str]:
    typ, data = client.capability()
    assert typ == "OK" and isinstance(data[-1], bytes)
    return data[-1].decode().split()


def test_starttls_verified_against_the_ca(dovecot: Dovecot) -> None:
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT) as client:
        assert "STARTTLS" in client.capabilities
        client.starttls(ssl_context=dovecot.client_context())
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.sock.getpeercert() is not None
        assert client.login("alice", dovecot.users["alice"])[0] == "OK"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_implicit_tls_login(dovecot: Dovecot, host: str) -> None:
    with imaplib.IMAP4_SSL(
        host, dovecot.ssl_port, ssl_context=dovecot.client_context(), timeout=TIMEOUT
    ) as client:
        assert client.login("bob", dovecot.users["bob"])[0] == "OK"


def test_verification_fails_for_an_unknown_ca(dovecot: Dovecot, tmp_path: Path) -> None:
    other = make_test_certificate(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        imaplib.IMAP4_SSL(
            dovecot.host, dovecot.ssl_port, ssl_context=other.client_context(), timeout=TIMEOUT
        )


def test_verification_fails_for_a_wrong_host_name(dovecot: Dovecot) -> None:
    ctx = dovecot.client_context()
    raw = socket.create_connection((dovecot.host, dovecot.ssl_port), timeout=TIMEOUT)
    with raw, pytest.raises(ssl.SSLCertVerificationError, match=r"[Hh]ostname mismatch"):
        ctx.wrap_socket(raw, server_hostname="imap.example.com")


def test_capabilities(dovecot: Dovecot) -> None:
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT) as client:
        before = set(client.capabilities)
        assert before >= PRE_LOGIN | {"STARTTLS"}
        offered = {cap[5:] for cap in before if cap.startswith("AUTH=")}
        assert offered == set(dovecot.mechanisms)
        assert {"PLAIN", "LOGIN", "CRAM-MD5"} <= offered
        client.login("alice", dovecot.users["alice"])
        after = set(capabilities(client))
        assert after >= POST_LOGIN, sorted(POST_LOGIN - after)


def test_special_use_folders(dovecot: Dovecot, dovecot_user: User) -> None:
    with login(dovecot, dovecot_user) as client:
        typ, data = client.list()
        assert typ == "OK"
        listed = {line.decode() for line in data if isinstance(line, bytes)}
        for name, flag in [("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"),
                           ("Archive", "\\Archive"), ("Junk", "\\Junk")]:  # fmt: skip
            assert any(flag in line and line.endswith(f'"/" {name}') for line in listed), listed


def test_deliver_then_select(dovecot: Dovecot, dovecot_user: User) -> None:
    when = 1_600_000_000
    dovecot.deliver(dovecot_user.name, b"Subject: one\r\n\r\nfirst\r\n")
    dovecot.deliver(dovecot_user.name, b"Subject: two\r\n\r\nsecond\r\n", flags="\\Seen \\Flagged")
    dovecot.deliver(dovecot_user.name, [b"Subject: three\r\n", b"\r\nthird\r\n"], flags="RS",
                    when=when)  # fmt: skip
    with login(dovecot, dovecot_user) as client:
        assert client.select() == ("OK", [b"3"])
        typ, data = client.fetch("1:3", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        assert typ == "OK"
        items = [item for item in data if isinstance(item, tuple)]
        assert [body for _, body in items] == [
            b"Subject: one\r\n\r\nfirst\r\n",
            b"Subject: two\r\n\r\nsecond\r\n",
            b"Subject: three\r\n\r\nthird\r\n",
        ]
        first, second, third = (header.decode() for header, _ in items)
        assert "\\Seen" not in first
        assert "\\Seen" in second and "\\Flagged" in second
        assert "\\Answered" in third and "\\Seen" in third
        assert "RFC822.SIZE 25" in third
        stamp = imaplib.Internaldate2tuple(third.encode())
        assert stamp is not None and time.mktime(stamp) == when

        # A selected mailbox sees a new delivery at its next NOOP.
        dovecot.deliver(dovecot_user.name, b"Subject: four\r\n\r\nfourth\r\n")
        client.noop()
        assert client.response("EXISTS")[1][-1] == b"4"


def test_deliver_to_folders(dovecot: Dovecot, dovecot_user: User) -> None:
    for folder in ("Archive", "Projects/2020", "Données"):
        dovecot.deliver(dovecot_user.name, b"Subject: filed\r\n\r\nbody\r\n", folder=folder)
    with login(dovecot, dovecot_user) as client:
        _, data = client.list()
        names = {line.decode().rsplit(" ", 1)[-1] for line in data if isinstance(line, bytes)}
        assert {"Archive", "Projects/2020", "Donn&AOk-es"} <= names
        assert client.select('"Projects/2020"') == ("OK", [b"1"])
        assert client.select('"Donn&AOk-es"') == ("OK", [b"1"])


def test_seeded_corpus_fetches_back(dovecot: Dovecot, dovecot_user: User) -> None:
    count = 200
    paths = seed_mailbox(dovecot, dovecot_user.name, count, seed=7)
    assert len(paths) == count
    expected = list(make_messages(count, seed=7))
    with login(dovecot, dovecot_user) as client:
        assert client.select(readonly=True) == ("OK", [str(count).encode()])
        typ, data = client.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
        assert typ == "OK"
        items = [item for item in data if isinstance(item, tuple)]
        assert [body for _, body in items] == expected
        seen = sum(b"\\Seen" in header for header, _ in items)
        assert 0 < seen < count
        typ, data = client.search(None, "UNSEEN")
        assert isinstance(data[0], bytes)
        assert len(data[0].split()) == count - seen


def test_big_message_from_chunks(dovecot: Dovecot, dovecot_user: User) -> None:
    size = 3_000_000
    dovecot.deliver(dovecot_user.name, iter_big_message(size, chunk_size=100_000), flags="S")
    with login(dovecot, dovecot_user) as client:
        client.select()
        _, data = client.fetch("1", "(RFC822.SIZE)")
        assert data == [f"1 (RFC822.SIZE {size})".encode()]


def test_users_are_isolated(dovecot: Dovecot, dovecot_user: User) -> None:
    other = dovecot.add_user()
    dovecot.deliver(other.name, b"Subject: not yours\r\n\r\n")
    with login(dovecot, dovecot_user) as client:
        assert client.select() == ("OK", [b"0"])
    with login(dovecot, other) as client:
        assert client.select() == ("OK", [b"1"])


def test_non_ascii_password_with_authenticate_plain(dovecot: Dovecot) -> None:
    password = dovecot.users["zoë"]
    assert not password.isascii()
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT) as client:
        client.starttls(ssl_context=dovecot.client_context())
        typ, _ = client.authenticate("PLAIN", lambda _: f"\0zoë\0{password}".encode())
        assert typ == "OK"
    client = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT)
    with client, pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.authenticate("PLAIN", lambda _: "\0zoë\0passwörd".encode())


def test_cram_md5(dovecot: Dovecot) -> None:
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT) as client:
        assert client.login_cram_md5("bob", dovecot.users["bob"])[0] == "OK"


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-1", "SCRAM-SHA-256"])
def test_scram(dovecot: Dovecot, mechanism: str) -> None:
    if mechanism not in dovecot.mechanisms:
        pytest.skip(f"Dovecot {dovecot.version} has no {mechanism}")
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT) as client:
        scram = scram_client(mechanism, "alice", dovecot.users["alice"])
        assert client.authenticate(mechanism, scram)[0] == "OK"


def test_preauth_command(dovecot: Dovecot, dovecot_user: User) -> None:
    dovecot.deliver(dovecot_user.name, b"Subject: hi\r\n\r\n")
    client = imaplib.IMAP4_stream(shlex.join(dovecot.preauth_command(dovecot_user.name)))
    try:
        assert client.state == "AUTH"
        assert "COMPRESS=DEFLATE" in client.capabilities
        assert client.select() == ("OK", [b"1"])
    finally:
        client.logout()


def test_quota_acl_and_metadata(dovecot: Dovecot, dovecot_user: User) -> None:
    reader = dovecot.add_user()
    with login(dovecot, dovecot_user) as client:
        typ, data = client.getquotaroot("INBOX")
        assert typ == "OK"
        assert data[1] == [b'"User quota" (STORAGE 0 1048576)']
        assert client.setacl("INBOX", reader.name, "lr")[0] == "OK"
    with login(dovecot, reader) as client:
        typ, data = client.list(f"shared/{dovecot_user.name}")
        assert data == [f'(\\HasNoChildren) "/" shared/{dovecot_user.name}'.encode()]
        assert client.myrights(f"shared/{dovecot_user.name}") == (
            "OK", [f"shared/{dovecot_user.name} lr".encode()]
        )  # fmt: skip


def test_metadata(dovecot: Dovecot, dovecot_user: User) -> None:
    # imaplib has no METADATA commands: a few raw lines.
    with socket.create_connection((dovecot.host, dovecot.port), timeout=TIMEOUT) as sock:
        stream = sock.makefile("rwb")
        stream.readline()

        def command(line: str) -> List[bytes]:
            tag = line.split()[0].encode()
            stream.write(line.encode() + b"\r\n")
            stream.flush()
            replies = [stream.readline()]
            while not replies[-1].startswith(tag + b" "):
                replies.append(stream.readline())
            assert replies[-1].startswith(tag + b" OK"), replies
            return replies

        command(f"a LOGIN {dovecot_user.name} {dovecot_user.password}")
        command('b SETMETADATA INBOX (/private/comment "a note")')
        command('c SETMETADATA "" (/private/vendor/imaprs/x "server-wide")')
        # Dovecot sends the values as literals.
        assert command("d GETMETADATA INBOX /private/comment")[:2] == [
            b"* METADATA INBOX (/private/comment {6}\r\n",
            b"a note)\r\n",
        ]
        assert command('e GETMETADATA "" /private/vendor/imaprs/x')[:2] == [
            b'* METADATA "" (/private/vendor/imaprs/x {11}\r\n',
            b"server-wide)\r\n",
        ]
        command("f LOGOUT")
        stream.close()


def scram_client(mechanism: str, user: str, password: str) -> Callable[[bytes], bytes]:
    """A SCRAM client (RFC 5802) as an imaplib authobject."""
    digest = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[mechanism]
    nonce = secrets.token_urlsafe(18)
    first_bare = f"n={user},r={nonce}"
    state: dict[str, bytes] = {}

    def step(challenge: bytes) -> bytes:
        if not state:
            state["sent"] = b"1"
            return f"n,,{first_bare}".encode()
        text = challenge.decode()
        fields = dict(item.split("=", 1) for item in text.split(","))
        if "v" in fields:
            assert hmac.compare_digest(base64.b64decode(fields["v"]), state["server_signature"])
            return b""
        assert fields["r"].startswith(nonce)
        salted = hashlib.pbkdf2_hmac(
            digest, password.encode(), base64.b64decode(fields["s"]), int(fields["i"])
        )
        client_key = hmac.new(salted, b"Client Key", digest).digest()
        final_bare = f"c=biws,r={fields['r']}"
        auth_message = f"{first_bare},{text},{final_bare}".encode()
        signature = hmac.new(hashlib.new(digest, client_key).digest(), auth_message, digest)
        proof = bytes(a ^ b for a, b in zip(client_key, signature.digest()))
        server_key = hmac.new(salted, b"Server Key", digest).digest()
        state["server_signature"] = hmac.new(server_key, auth_message, digest).digest()
        return f"{final_bare},p={base64.b64encode(proof).decode()}".encode()

    return step


def test_message_ids_keep_delivery_order(dovecot: Dovecot, dovecot_user: User) -> None:
    seed_mailbox(dovecot, dovecot_user.name, 30, seed=3)
    expected = [
        re.search(rb"Message-ID: (<[^>]+>)", message).group(1)  # type: ignore[union-attr]
        for message in make_messages(30, seed=3)
    ]
    with login(dovecot, dovecot_user) as client:
        client.select()
        _, data = client.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        got = [
            re.search(rb"<[^>]+>", item[1]).group(0)  # type: ignore[union-attr]
            for item in data
            if isinstance(item, tuple)
        ]
        assert got == expected
