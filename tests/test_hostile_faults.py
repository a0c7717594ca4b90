"""Faults on the wire: responses cut into segments, FIN and RST from a scripted server, and a
real Dovecot behind a proxy that cuts, resets or stalls the connection at byte k. Also the
tools themselves: the record of what the client sent, cut literal-aware."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import imaprs
import imaprs.imaplib
from imaprs import IMAP4
from imaprs._servers import Dovecot, User
from imaprs.testing import FaultProxy, ScriptedServer, make_test_certificate, parse_commands

CAPS = ("IMAP4rev1", "LITERAL+", "AUTH=PLAIN", "STARTTLS")
TIMEOUT = 5


def test_parse_commands_reads_literals_as_data() -> None:
    data = b"A1 APPEND INBOX {27}\r\nX\r\nA2 DELETE INBOX\r\nabcdefg\r\nA3 NOOP\r\nA4 LOG"
    commands, rest = parse_commands(data)
    assert [(c.tag, c.name) for c in commands] == [("A1", "APPEND"), ("A3", "NOOP")]
    assert commands[0].literals == [b"X\r\nA2 DELETE INBOX\r\nabcdefg"]
    assert rest == b"A4 LOG"
    commands, rest = parse_commands(b"A1 LOGIN {5+}\r\nab")
    assert commands == [] and rest == b"A1 LOGIN {5+}\r\nab"


def test_responses_cut_into_one_byte_segments() -> None:
    def script(s: ScriptedServer) -> None:
        s.send_segments("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi", sizes=1, delay=0.001)
        s.expect("LOGIN")
        tag = s.client_commands()[-1].tag
        reply = f"* 1 RECENT\r\n{tag} OK [CAPABILITY IMAP4rev1 IDLE] done\r\n".encode()
        s.send_segments(reply, sizes=[1, 5, 2, 7])
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.login("alice", "wörd", allow_cleartext=True)
        assert imap.state == "auth" and "IDLE" in imap.caps
        imap.logout()
    login = server.client_commands()[0]
    assert login.name == "LOGIN" and login.literals == ["wörd".encode()]


@pytest.mark.parametrize("fault", ["fin", "rst"])
def test_fin_or_rst_in_the_middle_of_a_response(fault: str) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("LIST")
        s.send(b'* LIST () "/" {10}\r\nIN')
        getattr(s, fault)()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.ConnectionClosed):
            imap.list()
        assert imap.state == "logout"


def test_tls_on_demand(tmp_path: Path) -> None:
    cert = make_test_certificate(tmp_path)

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.ok(s.expect("STARTTLS").tag, "go")
        s.start_tls(cert.server_context())
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1", "AUTH=PLAIN")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, ssl_ctx=cert.client_context(), starttls=True, timeout=5)
        assert imap.encrypted
        imap.logout()


def test_drop_in_login_under_logindisabled_sends_nothing() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "LOGINDISABLED"))
        s.capabilities(s.expect("CAPABILITY").tag, *CAPS, "LOGINDISABLED")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        with pytest.raises(M.error, match="LOGINDISABLED"):
            M.login("alice", "secret")
        M.logout()
    assert [c.name for c in server.client_commands()] == ["CAPABILITY", "LOGOUT"]


def test_drop_in_starttls_forgets_what_came_before(tmp_path: Path) -> None:
    cert = make_test_certificate(tmp_path)

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        tag = s.expect("CAPABILITY").tag
        s.send("* 99 EXISTS", "* OK [ALERT] planted before TLS")
        s.capabilities(tag, *CAPS)
        s.starttls(cert.server_context())
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1", "AUTH=PLAIN")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        M.starttls(cert.client_context())
        assert "EXISTS" not in M.untagged_responses and "ALERT" not in M.untagged_responses
        M.logout()


# -- a real server behind a faulty link ------------------------------------------------------


def login_and_select(address: tuple[str, int], user: User) -> None:
    imap = IMAP4(address, timeout=TIMEOUT)
    imap.login(user.name, user.password, allow_cleartext=True)
    imap.select("INBOX")
    imap.fetch("1:*", "FLAGS", "BODY.PEEK[]")
    imap.logout()


@pytest.mark.parametrize("after", [0, 5, 40, 120, 260, 700])
@pytest.mark.parametrize("fault", ["close", "rst"])
def test_dovecot_cut_or_reset_at_byte_k(
    dovecot: Dovecot, dovecot_user: User, fault: str, after: int
) -> None:
    dovecot.deliver(dovecot_user.name, b"Subject: hi\r\n\r\n" + b"body line\r\n" * 50)
    upstream = (dovecot.host, dovecot.port)
    with FaultProxy(upstream, after=after, fault=fault) as proxy:
        with pytest.raises((imaprs.ConnectionClosed, imaprs.ProtocolError)) as info:
            login_and_select(proxy.address, dovecot_user)
        assert proxy.tripped.is_set(), info.value
    login_and_select(upstream, dovecot_user)  # the server itself is fine


@pytest.mark.parametrize("after", [3, 90])
def test_dovecot_stalled_at_byte_k_times_out(
    dovecot: Dovecot, dovecot_user: User, after: int
) -> None:
    proxy = FaultProxy((dovecot.host, dovecot.port), after=after, fault="stall")
    with proxy, pytest.raises(imaprs.IMAP4Timeout):
        imap = IMAP4(proxy.address, timeout=0.5, deadline=1.0)
        imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
        imap.noop()


@pytest.mark.parametrize("after", [10, 60])
def test_dovecot_client_bytes_cut_fail_the_drop_in(
    dovecot: Dovecot, dovecot_user: User, after: int
) -> None:
    done = threading.Event()
    with FaultProxy((dovecot.host, dovecot.port), after=after, direction="client") as proxy:
        with pytest.raises((imaprs.imaplib.IMAP4.abort, OSError)):
            M = imaprs.imaplib.IMAP4(*proxy.address, timeout=TIMEOUT)
            M.login(dovecot_user.name, dovecot_user.password)
            M.select("INBOX")
            M.noop()
        done.set()
    assert done.is_set()


def test_synchronising_literal_over_tls(tmp_path: Path) -> None:
    """The read before a synchronising literal's header works over TLS too."""
    cert = make_test_certificate(tmp_path)

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=PLAIN"))
        login = s.expect("LOGIN")
        assert login.literals == ["pässword".encode()]
        s.ok(login.tag, "[CAPABILITY IMAP4rev1] in")
        s.expect_logout()

    with ScriptedServer(script=script, ssl_ctx=cert.server_context()) as server:
        imap = IMAP4(server.address, ssl_ctx=cert.client_context(), timeout=TIMEOUT)
        imap.login("alice", "pässword")
        assert imap.state == "auth"
        imap.logout()
