"""imaprs.testing: the scripted server, driven by the standard library's imaplib and raw sockets."""

from __future__ import annotations

import imaplib
import socket
import ssl
import textwrap
import time
from pathlib import Path

import pytest

import imaprs.testing
from imaprs.pytest_plugin import ServerFactory
from imaprs.testing import (
    Certificate,
    ClientClosed,
    Command,
    ScriptedServer,
    make_test_certificate,
)

TIMEOUT = 10.0


def connect(srv: ScriptedServer) -> imaplib.IMAP4:
    return imaplib.IMAP4(*srv.address, timeout=TIMEOUT)


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_default_script_serves_imaplib() -> None:
    with ScriptedServer() as srv:
        client = connect(srv)
        assert client.welcome == b"* OK IMAP4rev1 scripted server ready"
        assert "LITERAL+" in client.capabilities
        assert client.noop()[0] == "OK"
        assert client.logout()[0] == "BYE"
    assert any(data.endswith(b"LOGOUT\r\n") for who, data in srv.transcript if who == "C")


def test_module_docstring_example() -> None:
    doc = imaprs.testing.__doc__ or ""
    block = doc.split("Example::\n\n", 1)[1].split("\n\nLeaving", 1)[0]
    exec(textwrap.dedent(block), {"imaplib": imaplib, "ScriptedServer": ScriptedServer})


def test_address_needs_start() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = ScriptedServer().address


def test_greeting_and_login_with_literals() -> None:
    seen: list[Command] = []

    def script(srv: ScriptedServer) -> None:
        srv.greeting(caps=["AUTH=PLAIN"])
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "AUTH=PLAIN")
        command = srv.expect("LOGIN")
        seen.append(command)
        srv.ok(command.tag, "LOGIN completed", code="CAPABILITY IMAP4rev1 IDLE")
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        assert client.welcome.startswith(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] IMAP4rev1")
        # imaplib sends .literal (bytes, whatever its stub says) as a synchronising literal.
        client.literal = "pässwörd".encode()  # type: ignore[assignment]
        assert client._simple_command("LOGIN", "zoe")[0] == "OK"
        client.logout()
    (command,) = seen
    assert command.name == "LOGIN"
    assert command.args == "zoe {10}"
    assert command.literals == ["pässwörd".encode()]
    assert ("S", b"+ go ahead\r\n") in srv.transcript


def test_non_synchronising_literals_get_no_continuation() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        tag, name, args, literals = srv.next_command()
        assert (tag, name, args, literals) == ("a1", "LOGIN", "{5+} {2+}", [b"alice", b"pw"])
        srv.ok(tag)
        tag, name, args, literals = srv.next_command()
        assert (name, args, literals) == ("UID FETCH", "1:* (BINARY[] ~{3})", [b"\x00\r\n"])
        srv.ok(tag)

    with ScriptedServer(script=script) as srv, socket.create_connection(srv.address) as sock:
        assert sock.recv(100).startswith(b"* OK")
        sock.sendall(b"a1 LOGIN {5+}\r\nalice {2+}\r\npw\r\n")
        assert sock.recv(100) == b"a1 OK done\r\n"
        sock.sendall(b"a2 uid fetch 1:* (BINARY[] ~{3}\r\n")
        assert sock.recv(100) == b"+ go ahead\r\n"
        sock.sendall(b"\x00\r\n)\r\n")
        assert sock.recv(100) == b"a2 OK done\r\n"
    sent = [data for who, data in srv.transcript if who == "S"]
    assert sent[1:] == [b"a1 OK done\r\n", b"+ go ahead\r\n", b"a2 OK done\r\n"]


def test_bye_in_the_middle_of_a_command_aborts_imaplib() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting(status="PREAUTH")
        srv.capabilities(srv.expect("CAPABILITY").tag)
        srv.expect("SELECT")
        srv.send("* 3 EXISTS", "* BYE shutting down for maintenance")
        srv.close()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        try:
            with pytest.raises(imaplib.IMAP4.abort, match="shutting down"):
                client.select("INBOX")
        finally:
            client.shutdown()


def test_literal_cut_short_aborts_imaplib() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag)
        srv.expect("NOOP")
        srv.send(b"* 1 FETCH (BODY[] {100}\r\nonly a few bytes")
        srv.close()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        try:
            with pytest.raises(imaplib.IMAP4.abort):
                client.noop()
        finally:
            client.shutdown()


def test_script_assertion_surfaces_when_the_client_fails_too() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag)
        srv.expect("LOGIN")  # the client sends NOOP: the script fails and hangs up

    expected = "expected a LOGIN command, the client sent"
    with pytest.raises(AssertionError, match=expected), ScriptedServer(script=script) as srv:
        client = connect(srv)
        try:
            client.noop()  # the script has failed: imaplib sees the connection drop
        finally:
            client.shutdown()


def test_script_assertion_surfaces_when_the_client_succeeds() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        command = srv.next_command()
        srv.capabilities(command.tag)
        assert command.name == "NOOP", "the client must start with NOOP"

    expected = "the client must start with NOOP"
    with pytest.raises(AssertionError, match=expected), ScriptedServer(script=script) as srv:
        connect(srv).shutdown()


def test_a_stuck_script_times_out() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.next_command()  # the client never sends one

    start = time.monotonic()
    server = ScriptedServer(script=script, timeout=0.5)
    with pytest.raises(TimeoutError), server as srv, socket.create_connection(srv.address) as sock:
        sock.recv(100)
        time.sleep(0.8)
    assert time.monotonic() - start < 5


def test_drip_feeds_one_byte_at_a_time() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.drip(b"* OK [CAPABILITY IMAP4rev1] slow server\r\n")
        command = srv.expect("CAPABILITY")
        srv.drip(b"* CAPABILITY IMAP4rev1 IDLE\r\n")
        srv.drip(f"{command.tag} OK done\r\n".encode(), delay=0.001)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        assert "IDLE" in client.capabilities
        client.logout()
    assert sum(1 for who, data in srv.transcript if who == "S" and len(data) == 1) > 60


def test_challenge_round_trip() -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "AUTH=PLAIN")
        command = srv.expect("AUTHENTICATE")
        assert command.args == "PLAIN"
        assert srv.challenge() == b"AGFsaWNlAHNlY3JldA=="
        srv.ok(command.tag, "authenticated")
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        assert client.authenticate("PLAIN", lambda _: b"\0alice\0secret")[0] == "OK"
        client.logout()


def test_starttls_then_login_over_tls(imap_certificate: Certificate) -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "STARTTLS", "LOGINDISABLED")
        srv.starttls(imap_certificate.server_context())
        srv.capabilities(srv.expect("CAPABILITY").tag, "AUTH=PLAIN")
        srv.ok(srv.expect("LOGIN").tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        client = connect(srv)
        client.starttls(ssl_context=imap_certificate.client_context())
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.login("alice", "pw")[0] == "OK"
        client.logout()


def test_starttls_injection_bytes_follow_the_ok_line(imap_certificate: Certificate) -> None:
    injected = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected before the handshake\r\n"

    def script(srv: ScriptedServer) -> None:
        srv.greeting(caps=["STARTTLS"])
        srv.starttls(imap_certificate.server_context(), inject=injected, handshake=False)
        srv.expect_close()

    with ScriptedServer(script=script) as srv, socket.create_connection(srv.address) as sock:
        sock.settimeout(TIMEOUT)
        assert sock.recv(1000).startswith(b"* OK [CAPABILITY IMAP4rev1 STARTTLS]")
        sock.sendall(b"t1 STARTTLS\r\n")
        time.sleep(0.1)
        assert sock.recv(1000) == b"t1 OK Begin TLS negotiation now\r\n" + injected
        sock.shutdown(socket.SHUT_WR)  # a careful client hangs up here
        assert read_until_closed(sock) == b""


def test_starttls_reports_a_client_that_hangs_up(imap_certificate: Certificate) -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        with pytest.raises(ClientClosed):
            srv.starttls(imap_certificate.server_context(), inject=b"* 1 EXISTS\r\n")

    with ScriptedServer(script=script) as srv, socket.create_connection(srv.address) as sock:
        sock.recv(1000)
        sock.sendall(b"t1 STARTTLS\r\n")
        sock.shutdown(socket.SHUT_WR)
        assert read_until_closed(sock).startswith(b"t1 OK")


def test_implicit_tls(imap_certificate: Certificate) -> None:
    with ScriptedServer(ssl_ctx=imap_certificate.server_context()) as srv:
        client = imaplib.IMAP4_SSL(
            *srv.address, ssl_context=imap_certificate.client_context(), timeout=TIMEOUT
        )
        assert client.noop()[0] == "OK"
        client.logout()


def test_implicit_tls_with_an_unknown_ca(imap_certificate: Certificate, tmp_path: Path) -> None:
    other = make_test_certificate(tmp_path)
    server = ScriptedServer(ssl_ctx=imap_certificate.server_context())
    with pytest.raises(ssl.SSLCertVerificationError), server as srv:
        imaplib.IMAP4_SSL(*srv.address, ssl_context=other.client_context(), timeout=TIMEOUT)


def test_plugin_fixture_as_decorator(imap_server: ServerFactory) -> None:
    @imap_server
    def srv(s: ScriptedServer) -> None:
        s.greeting(status="PREAUTH", text="welcome back")
        s.capabilities(s.expect("CAPABILITY").tag)
        s.expect_logout()

    client = connect(srv)
    assert client.state == "AUTH"
    client.logout()
    srv.wait()


def test_plugin_fixture_reports_script_failures_in_the_test(imap_server: ServerFactory) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting()
        raise ValueError("broken script")

    srv = imap_server(script)
    with socket.create_connection(srv.address) as sock:
        sock.recv(100)
    with pytest.raises(ValueError, match="broken script"):
        srv.wait()
