"""The connection core (`_Connection`) against a real Dovecot: raw reads and writes, STARTTLS,
COMPRESS, a child process, the line limit, and writing while another thread waits."""

from __future__ import annotations

import threading
import time
from typing import Any, List

import pytest

import imaprs
from imaprs import _imaprs
from imaprs._servers import Dovecot, User
from imaprs._tls import tls_options

#: Hands out the tags of the raw commands below (the connection does not track them).
TAGS = _imaprs._Session()


def send(conn: _imaprs._Connection, tag: str, name: str, args: List[Any]) -> None:
    """Writes one command. Dovecot offers LITERAL+, so no literal waits for a '+'."""
    conn.set_literal_plus(True, False)
    for part in conn.encode(tag, name, args):
        assert isinstance(part, bytes) or not part[1]
        conn.write(part if isinstance(part, bytes) else part[0])


def login(conn: _imaprs._Connection, user: User) -> None:
    tag = TAGS.tag()
    send(conn, tag, "LOGIN", [user.name, user.password])
    while True:
        rsp = conn.read()
        if rsp.tag == tag:
            assert rsp.status == "OK"
            return


def command(conn: _imaprs._Connection, name: str, *args: object) -> bytes:
    """Sends one command; returns every raw response up to its completion."""
    tag = TAGS.tag()
    send(conn, tag, name, list(args))
    out = b""
    while not out.endswith(b"\r\n") or not out.rsplit(b"\r\n", 2)[-2].startswith(tag.encode()):
        out += conn.read_raw()
    return out


def test_raw_reads_keep_the_bytes_as_sent(dovecot: Dovecot, dovecot_user: User) -> None:
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 10.0)
    assert conn.greeting_raw.startswith(b"* OK") and conn.link == (False, False)
    login(conn, dovecot_user)
    send(conn, TAGS.tag(), "APPEND", ["INBOX", b"Subject: x\r\n\r\nhello\r\n"])
    command(conn, "SELECT", "INBOX")
    raw = command(conn, "FETCH", imaprs.Raw("1"), imaprs.Raw("(BODY.PEEK[])"))
    assert b"{21}\r\nSubject: x\r\n\r\nhello\r\n)\r\n" in raw
    conn.close()


def test_starttls_then_compress(dovecot: Dovecot, dovecot_user: User) -> None:
    conn = _imaprs._Connection("localhost", dovecot.port, 10.0)
    assert command(conn, "STARTTLS").split(b"\r\n")[-2].split()[1] == b"OK"
    conn.starttls(tls_options(dovecot.client_context()))
    assert conn.link == (True, False)
    login(conn, dovecot_user)
    tag = TAGS.tag()
    send(conn, tag, "COMPRESS", [imaprs.Raw("DEFLATE")])
    rsp = conn.read()
    assert rsp.tag == tag and rsp.status == "OK"
    conn.compress()
    assert conn.link == (True, True)
    assert b"* LIST" in command(conn, "LIST", "", "*")
    conn.close()


def test_starttls_with_an_unknown_ca_fails(dovecot: Dovecot) -> None:
    conn = _imaprs._Connection("localhost", dovecot.port, 10.0)
    command(conn, "STARTTLS")
    with pytest.raises(imaprs.TLSError):
        conn.starttls(imaprs.TLSOptions())
    with pytest.raises(imaprs.ConnectionClosed):
        conn.write(b"x NOOP\r\n")


def test_a_child_process_transport(dovecot: Dovecot, dovecot_user: User) -> None:
    conn = _imaprs._Connection("", 0, 10.0, argv=dovecot.preauth_command(dovecot_user.name))
    assert conn.greeting.status == "PREAUTH"
    assert b"* LIST" in command(conn, "LIST", "", "*")
    conn.close()


def test_the_line_limit(dovecot: Dovecot, dovecot_user: User) -> None:
    """Dovecot's capability line after login is over 300 bytes: the limit closes the link."""
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 10.0, max_line=300)
    with pytest.raises(imaprs.LimitError, match="max_line"):
        login(conn, dovecot_user)
    with pytest.raises(imaprs.LimitError):
        conn.read_raw()


def test_writing_while_another_thread_waits(dovecot: Dovecot, dovecot_user: User) -> None:
    """A reader blocked on an idle connection does not stop another thread's write."""
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 10.0)
    login(conn, dovecot_user)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(conn.read_raw()))
    reader.start()
    time.sleep(0.3)  # the reader now waits on a silent server
    started = time.monotonic()
    conn.write(b"n1 NOOP\r\n")  # would block until the read returned on a single lock
    reader.join(5)
    assert got and got[0].startswith(b"n1 OK")
    assert time.monotonic() - started < 5
    conn.close()


def test_close_wakes_a_waiting_reader(dovecot: Dovecot, dovecot_user: User) -> None:
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 30.0)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            conn.read_raw()
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=wait)
    reader.start()
    time.sleep(0.2)
    conn.close()
    reader.join(5)
    assert not reader.is_alive() and isinstance(errors[0], imaprs.ConnectionClosed)
