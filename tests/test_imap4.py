"""IMAP4 and IMAP4Command against a real Dovecot, and against scripted servers, through the
blocking face and imaprs.aio (the ``face`` fixture)."""

from __future__ import annotations

import ssl

import pytest

import imaprs
from faces import Face
from imaprs import IMAP4, NO, IMAP4Response, ProtocolError, Raw, response_map
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer


def connect(dovecot: Dovecot, user: User, face: Face) -> IMAP4:
    imap = face.IMAP4((dovecot.host, dovecot.port), timeout=10)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def test_greeting_capabilities_login_logout(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    imap = face.IMAP4(f"{dovecot.host}:{dovecot.port}", timeout=10)
    assert imap.state == "!auth" and "IMAP4REV1" in imap.caps and "STARTTLS" in imap.caps
    with pytest.raises(imaprs.IMAP4Error, match="unencrypted"):
        imap.login(dovecot_user.name, dovecot_user.password)
    imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
    assert imap.state == "auth" and "MOVE" in imap.caps  # capabilities re-read after login
    imap.noop()
    cmd = imap.logout()
    assert cmd is not None and cmd.result is not None and cmd.result.status == "OK"
    assert imap.state == "logout"


def test_wrong_password_raises_no(dovecot: Dovecot, dovecot_user: User, face: Face) -> None:
    imap = face.IMAP4((dovecot.host, dovecot.port), timeout=10)
    with pytest.raises(NO) as info:
        imap.login(dovecot_user.name, "wrong", allow_cleartext=True)
    assert info.value.response.dtype == "AUTHENTICATIONFAILED"
    assert "wrong" not in str(info.value)
    imap.logout()


def test_implicit_tls_verified_against_the_ca(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    ctx = ssl.create_default_context(cafile=str(dovecot.ca_file))
    with face.IMAP4(("localhost", dovecot.ssl_port), ssl_ctx=ctx, timeout=10) as imap:
        imap.login(dovecot_user.name, dovecot_user.password)  # encrypted: no opt-in needed
        assert imap.state == "auth"
    with pytest.raises(imaprs.TLSError, match="certificate"):
        face.IMAP4(
            ("localhost", dovecot.ssl_port), ssl_ctx=ssl.create_default_context(), timeout=10
        )


def test_append_select_search_fetch_store(dovecot: Dovecot, dovecot_user: User, face: Face) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        for i in range(5):
            body = f"Subject: message {i}\r\nFrom: a@example.com\r\n\r\nbody {i}\r\n"
            cmd = imap.append("INBOX", body, flags=["\\Seen"] if i % 2 else [])
            assert cmd.result is not None and cmd.result.dtype == "APPENDUID"
        imap.select("INBOX")
        assert imap.state == "selected" and imap.readonly is False
        found = imap.search(Raw("SEEN"))
        assert [list(r) for r in found.queue] == [["SEARCH", 2, 4]]
        fetch = imap.fetch([2, 3], "UID", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        got = {r[0]: response_map(r) for r in fetch.queue}
        assert sorted(got) == [2, 3]
        assert got[3]["BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: message 2\r\n\r\n"
        imap.store("1:2", "+FLAGS", "\\Flagged")
        flags = imap.fetch("1:*", "FLAGS")
        assert len(flags.queue) == 5
        assert "\\Flagged" in response_map(flags.queue[0])["FLAGS"]
        status = imap.status("INBOX", "MESSAGES")
        assert status.queue[0].data == ("STATUS", "INBOX", ["MESSAGES", 5])


def test_mailbox_names_in_modified_utf7(dovecot: Dovecot, dovecot_user: User, face: Face) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        imap.create("Entwürfe/2024")
        names = [imaprs.iutf7_decode(r[-1]) for r in imap.list().queue]
        assert "Entwürfe/2024" in names
        imap.delete("Entwürfe/2024")


def test_pipelined_fetches_and_unclaimed_exists(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    with (
        connect(dovecot, dovecot_user, face) as imap,
        connect(dovecot, dovecot_user, face) as other,
    ):
        for i in range(20):
            imap.append("INBOX", f"Subject: {i}\r\n\r\nx\r\n")
        imap.select("INBOX")
        cmds = [imap.fetch([n], "UID", "RFC822.SIZE", wait=False) for n in range(1, 21)]
        for n, cmd in enumerate(cmds, 1):
            responses = list(cmd)
            cmd.check()
            assert [r[0] for r in responses] == [n]
        other.append("INBOX", "Subject: new\r\n\r\nnew\r\n")
        imap.noop()
        unclaimed = list(imap.queue.values())
        assert any(r.dtype == "EXISTS" and r[0] == 21 for r in unclaimed)


def test_command_in_wrong_state(dovecot: Dovecot, dovecot_user: User, face: Face) -> None:
    """Known commands are checked before sending; the server still judges the rest."""
    with connect(dovecot, dovecot_user, face) as imap:
        with pytest.raises(imaprs.IMAP4Error, match="not allowed in state auth"):
            imap.fetch("1", "FLAGS")
        with pytest.raises(imaprs.BAD):
            imap("FETCH", Raw("1"), Raw("FLAGS"), check=False).wait()
        imap.noop()  # the connection is still usable


def test_a_greeting_that_is_not_imap_fails_fast(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.send(b"SSH-2.0-OpenSSH_9.2p1\r\n")
        s.expect_close()

    with ScriptedServer(script=script) as server, pytest.raises(ProtocolError, match="not IMAP"):
        face.IMAP4(server.address, timeout=5)


def test_bye_greeting_is_connection_closed(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.bye("Too many connections")
        s.expect_close()

    closed = pytest.raises(imaprs.ConnectionClosed, match="Too many connections")
    with ScriptedServer(script=script) as server, closed:
        face.IMAP4(server.address, timeout=5)


def test_responses_are_imap4response_objects(
    dovecot: Dovecot, dovecot_user: User, face: Face
) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        cmd = imap.capability()
        assert isinstance(cmd.queue[0], IMAP4Response) and cmd.queue[0].dtype == "CAPABILITY"
        assert cmd.result is not None and cmd.result.type == "done"
