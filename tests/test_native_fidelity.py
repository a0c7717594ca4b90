"""The native API as the imaplib2 design describes it: capabilities that follow the server,
NOOP draining the unclaimed queue, ``+ =`` as the empty challenge, and string arguments that
are strings on the wire (LOGIN, ID, SETMETADATA). Wire bytes against scripted servers; the
behaviour against Dovecot and Cyrus."""

from __future__ import annotations

import base64
from typing import List, Optional

import pytest

from imaprs import IMAP4, IMAP4Response, ResponseReader
from imaprs._servers import LoopbackServer, User
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "AUTH=PLAIN", "SASL-IR", "ID", "METADATA")


def client_lines(server: ScriptedServer) -> List[bytes]:
    """Every line the client sent, in order."""
    data = b"".join(d for side, d in server.transcript if side == "C")
    return data.split(b"\r\n")


# -- capabilities follow the server ------------------------------------------------------------


def test_untagged_capability_during_login_replaces_caps() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        tag = s.expect("LOGIN").tag
        s.send("* CAPABILITY IMAP4rev1 X-AFTER-LOGIN")
        s.ok(tag, "logged in")
        s.ok(s.expect("NOOP").tag)  # no CAPABILITY in between: the server said it already
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.login("user", "passwd", allow_cleartext=True)
        assert imap.caps == {"IMAP4REV1", "X-AFTER-LOGIN"}
        imap.noop()
        imap.logout()


def test_capability_code_on_authenticate_completion_replaces_caps() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.ok(s.expect("AUTHENTICATE").tag, code="CAPABILITY IMAP4rev1 X-CODE")
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.authenticate("PLAIN", username="user", secret="pw", allow_cleartext=True)
        assert imap.caps == {"IMAP4REV1", "X-CODE"}
        imap.noop()
        imap.logout()


def test_caps_are_reread_when_next_needed_after_a_silent_login() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.ok(s.expect("LOGIN").tag)  # no capabilities with it
        s.ok(s.expect("NOOP").tag)  # not a CAPABILITY right away
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1", "X-AUTHED", "ENABLE")
        s.ok(s.expect("ENABLE").tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.login("user", "passwd", allow_cleartext=True)
        imap.noop()
        assert imap.caps == {"IMAP4REV1", "X-AUTHED", "ENABLE"}  # read here, once
        assert "X-AUTHED" in imap.caps
        imap.enable("X-AUTHED")
        imap.logout()


def test_a_command_needing_a_capability_rereads_them_first() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.ok(s.expect("LOGIN").tag)
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1", "NAMESPACE")
        tag = s.expect("NAMESPACE").tag
        s.send('* NAMESPACE (("" "/")) NIL NIL')
        s.ok(tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.login("user", "passwd", allow_cleartext=True)
        ns = imap.namespace()  # NAMESPACE was not in the caps before login
        assert [list(r) for r in ns.queue] == [["NAMESPACE", [["", "/"]], None, None]]
        imap.logout()


# -- NOOP drains the unclaimed queue -----------------------------------------------------------


@pytest.mark.parametrize("wait", [True, False])
def test_noop_yields_the_unclaimed_queue_and_its_own_news(wait: bool) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("SELECT").tag
        s.send("* FLAGS (\\Seen)", "* 2 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 7] ok")
        s.ok(tag, "selected", code="READ-WRITE")
        tag = s.expect("FETCH").tag
        s.send("* 1 FETCH (FLAGS ())", "* OK [ALERT] maintenance tonight", "* 2 FETCH (FLAGS ())")
        s.ok(tag)
        tag = s.expect("NOOP").tag
        s.send("* 3 EXISTS")
        s.ok(tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.select("INBOX").defer()
        cmd = imap.fetch("1:2", "FLAGS", wait=False)
        assert [r[0] for r in cmd] == [1, 2]
        cmd.check()
        assert len(cmd.queue) == 0 and len(imap.queue) != 0
        seen = [r.text for r in imap.noop(wait=wait)]
        assert len(imap.queue) == 0
        # Waited for, 2 EXISTS gave way to 3 EXISTS on the unclaimed queue (the newest count
        # wins); iterated while NOOP runs, it was taken before 3 EXISTS came.
        assert seen == [
            "* FLAGS (\\Seen)",
            *([] if wait else ["* 2 EXISTS"]),
            "* 0 RECENT",
            "* OK [UIDVALIDITY 7] ok",
            "* OK [ALERT] maintenance tonight",
            "* 3 EXISTS",
        ]
        imap.logout()


def test_noop_against_real_servers(server: LoopbackServer, server_user: User) -> None:
    imap = connect(server, server_user)
    other = connect(server, server_user)
    imap.select("INBOX").defer()
    other.append("INBOX", "Subject: new\r\n\r\nnews\r\n")
    assert len(imap.queue) != 0
    dtypes = {r.dtype for r in imap.noop()}
    assert "EXISTS" in dtypes and len(imap.queue) == 0
    other.logout()
    imap.logout()


# -- "+ =" is the empty challenge --------------------------------------------------------------


def test_plus_equals_is_the_empty_challenge() -> None:
    assert IMAP4Response("+ =").info == b""
    assert IMAP4Response("+ ").info == b""
    assert IMAP4Response("+ ==").info == "=="  # not base64: text
    reader = ResponseReader()
    reader.receive_data(b"+ =\r\n")
    event = reader.next_event()
    assert isinstance(event, IMAP4Response) and event.info == b""


def test_plus_equals_reaches_the_mechanism_as_empty_bytes() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=X-TEST"))
        tag = s.expect("AUTHENTICATE").tag
        s.send("+ =")
        assert base64.b64decode(s.readline()) == b"answer"
        s.ok(tag)
        s.capabilities(s.expect("CAPABILITY").tag)
        s.expect_logout()

    challenges: List[bytes] = []

    def respond(challenge: bytes) -> Optional[bytes]:
        challenges.append(challenge)
        return b"answer"

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.authenticate("X-TEST", cr=respond)
        assert challenges == [b""]
        imap.capability()
        imap.logout()


# -- strings on the wire -----------------------------------------------------------------------


def test_login_sends_quoted_strings_and_literals() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.ok(s.expect("LOGIN").tag, code="CAPABILITY IMAP4rev1")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.login("user", 'pass\\wo"rd', allow_cleartext=True)
        imap.logout()
    login = next(line for line in client_lines(server) if b" LOGIN " in line)
    assert login.split(b" ", 1)[1] == b'LOGIN "user" "pass\\\\wo\\"rd"'

    def literal(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        cmd = s.expect("LOGIN")
        assert cmd.args == '"zo" {7}' and cmd.literals == ["pässwd".encode()]
        s.ok(cmd.tag, code="CAPABILITY IMAP4rev1")
        s.expect_logout()

    with ScriptedServer(script=literal) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.login("zo", "pässwd", allow_cleartext=True)  # 8-bit: a literal
        imap.logout()


def test_id_sends_quoted_strings_or_nil() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        cmd = s.expect("ID")
        assert cmd.args == '("name" "imaprs" "os" NIL)'
        s.send('* ID ("name" "scripted")')
        s.ok(cmd.tag)
        cmd = s.expect("ID")
        assert cmd.args == "NIL"
        s.ok(cmd.tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.id({"name": "imaprs", "os": None})
        imap.id()
        imap.logout()


def test_setmetadata_sends_values_as_strings() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        cmd = s.expect("SETMETADATA")
        assert cmd.args == '"INBOX" (/private/comment "hello" /private/x NIL)'
        s.ok(cmd.tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.setmetadata("INBOX", "/private/comment", "hello", "/private/x", None)
        imap.logout()


# -- the same against Dovecot and Cyrus --------------------------------------------------------


def connect(server: LoopbackServer, user: User) -> IMAP4:
    if server.plain_login:
        imap = IMAP4((server.host, server.port), timeout=20)
    else:  # LOGINDISABLED until TLS
        imap = IMAP4((server.host, server.ssl_port), 20, server.client_context())
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def test_caps_after_login_are_the_servers(server: LoopbackServer, server_user: User) -> None:
    imap = IMAP4((server.host, server.ssl_port), 20, server.client_context())
    before = set(imap.caps)
    imap.login(server_user.name, server_user.password)
    after = set(imap.caps)
    assert after != before  # both servers announce more once a user is logged in
    imap.capability()
    assert imap.caps == after
    imap.logout()


def test_id_and_odd_passwords_on_real_servers(server: LoopbackServer) -> None:
    user = server.add_user(password='a "quoted" pass\\word')
    with connect(server, user) as imap:
        # NIL as a value; not for "os": Cyrus 3.6 drops the connection on ("os" NIL).
        ident = imap.id({"name": "imaprs", "version": None})
        fields = next(r[1] for r in ident.queue if r.dtype == "ID")
        assert fields[:2] == ["name", server.id_name]
