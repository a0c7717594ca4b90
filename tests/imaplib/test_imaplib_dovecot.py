"""Failure paths against the real servers (Dovecot and Cyrus), run with the standard library's
imaplib and with imaprs.imaplib (a fresh user each): a mailbox that is read-only, the server
saying BYE, and the authentication methods, with identical results once timings,
UIDVALIDITY and the user's name are taken out. Cyrus refuses LOGIN without TLS
(LOGINDISABLED), so its sessions start on the implicit-TLS port."""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import re
import time
from types import ModuleType
from typing import Any, Callable, List

import pytest

import imaprs.imaplib as rs_imaplib
from imaprs._servers import Dovecot, LoopbackServer, User

Step = Callable[[Any, User, LoopbackServer], Any]


def normalised(value: Any, user: User) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(normalised(v, user) for v in value)
    if isinstance(value, dict):
        # A new mailbox's UIDVALIDITY is the clock: it differs from run to run.
        return {k: _untagged(k, v, user) for k, v in value.items()}
    if isinstance(value, str):
        return normalised(value.encode(), user).decode()
    if isinstance(value, bytes):
        value = re.sub(rb"\(\d+\.\d+( \+ \d+\.\d+)+ secs\)", b"(T)", value)
        value = re.sub(rb"\(\d+\.\d+ secs?\)", b"(T)", value)  # Cyrus
        value = re.sub(rb"(SESSIONID=<|MAILBOXID \()[^>)]*", rb"\1S", value)  # Cyrus
        value = re.sub(rb"(UIDVALIDITY|APPENDUID|COPYUID) \d+", rb"\1 N", value)
        return value.replace(user.name.encode(), b"USER")
    return value


def _untagged(key: str, values: Any, user: User) -> Any:
    """One entry of untagged_responses: UIDVALIDITY, and the first number of the APPENDUID
    and COPYUID data (the mailbox's UIDVALIDITY), are the clock and differ between runs."""
    if key in ("UIDVALIDITY", "MAILBOXID"):
        return "N"
    if key in ("APPENDUID", "COPYUID") and isinstance(values, list):
        return [re.sub(rb"^\d+", b"N", v) if isinstance(v, bytes) else v for v in values]
    return normalised(values, user)


def open_default(mod: ModuleType, server: LoopbackServer, user: User) -> Any:
    if server.plain_login:
        return mod.IMAP4(server.host, server.port, 10)
    return mod.IMAP4_SSL(server.host, server.ssl_port, ssl_context=server.client_context())


def run(
    mod: ModuleType, server: LoopbackServer, steps: List[Step], connect: Any = None
) -> List[Any]:
    user = server.add_user()
    M = (connect or open_default)(mod, server, user)
    out = []
    for step in steps:
        try:
            out.append(("returned", step(M, user, server)))
        except M.error as exc:
            kind = "readonly" if isinstance(exc, M.readonly) else "abort"
            kind = kind if isinstance(exc, M.abort) else "error"
            out.append(("raised", kind, str(exc)))
        out.append(("state", M.state, dict(M.untagged_responses)))
    with contextlib.suppress(OSError):  # after LOGOUT the standard library's socket is gone
        M.shutdown()
    return normalised(out, user)


def same(server: LoopbackServer, steps: List[Step], connect: Any = None) -> List[Any]:
    want, got = (run(mod, server, steps, connect) for mod in (std_imaplib, rs_imaplib))
    for i, (a, b) in enumerate(zip(want, got)):
        assert b == a, f"step {i}: imaplib {a!r}\n  imaprs.imaplib {b!r}"
    assert len(got) == len(want)
    return got


def login(M: Any, user: User, server: LoopbackServer) -> Any:
    return M.login(user.name, user.password)


def test_a_read_only_mailbox(server: LoopbackServer) -> None:
    ro = server.folder("Ro")
    got = same(
        server,
        [
            login,
            lambda M, user, d: (M.create(ro), M.setacl(ro, user.name, "lr")),
            lambda M, user, d: M.myrights(ro),
            lambda M, user, d: M.select(ro),  # READ-ONLY where read-write was asked
            lambda M, user, d: M.noop(),  # still read-only: refused before sending
            lambda M, user, d: M.select(ro, readonly=True),
            lambda M, user, d: M.store("1:*", "+FLAGS", "\\Seen"),
            lambda M, user, d: M.append(ro, None, None, b"Subject: x\r\n\r\nx\r\n"),
            lambda M, user, d: M.close(),
        ],
    )
    if server.name == "dovecot":
        assert got[6] == ("raised", "readonly", f"{ro} is not writable")
        assert got[8] == ("raised", "readonly", "mailbox status changed to READ-ONLY")
    else:  # Cyrus refuses to let owners take their own rights: the mailbox stays writable
        assert got[2][1][1] == ("NO", [b"Permission denied"])
        assert got[6][0] == "returned" and got[12] == ("returned", ("NO", [b"Permission denied"]))


def kick(M: Any, user: User, server: LoopbackServer) -> None:
    """Has the server end the user's sessions; the kick is asynchronous, so the BYE is given
    time to leave before the next command."""
    server.kick(user.name)
    time.sleep(0.5)


#: What NOOP raises once the session was ended: Dovecot says BYE, Cyrus (barred with
#: cyr_deny) closes the connection at the next command.
KICKED = {
    "dovecot": "command: NOOP => Server shutting down.",
    "cyrus": "command: NOOP => socket error: EOF",
}


def test_bye_from_the_server(server: LoopbackServer) -> None:
    got = same(
        server,
        [
            login,
            lambda M, user, d: M.select("INBOX"),
            kick,
            lambda M, user, d: M.noop(),
        ],
    )
    assert got[-2] == ("raised", "abort", KICKED[server.name])


def test_authenticate_and_cram_md5(server: LoopbackServer) -> None:
    def plain(M: Any, user: User, d: LoopbackServer) -> Any:
        return M.authenticate("PLAIN", lambda _: f"\0{user.name}\0{user.password}".encode())

    def refused(M: Any, user: User, d: LoopbackServer) -> Any:
        return M.authenticate("PLAIN", lambda _: b"\0nobody\0wrong")

    def cancelled(M: Any, user: User, d: LoopbackServer) -> Any:
        return M.authenticate("PLAIN", lambda _: None)

    def login_step(M: Any, user: User, d: LoopbackServer) -> Any:
        challenges: List[bytes] = []

        def answer(challenge: bytes) -> bytes:
            challenges.append(challenge)
            return user.name.encode() if len(challenges) == 1 else user.password.encode()

        return M.authenticate("LOGIN", answer), challenges

    for steps in (
        [refused, cancelled, plain],
        [login_step],
        [
            lambda M, user, d: M.login_cram_md5(user.name, "wrong"),
            lambda M, user, d: M.login_cram_md5(user.name, user.password),
            lambda M, user, d: M.capabilities,
        ],
    ):
        got = same(server, steps)
        assert got[-2][0] == "returned" and got[-1][1] == "AUTH"


@pytest.mark.parametrize("how", ["starttls", "IMAP4_SSL", "IMAP4_stream"])
def test_other_ways_to_connect(server: LoopbackServer, how: str) -> None:
    if how == "IMAP4_stream" and not isinstance(server, Dovecot):
        pytest.skip(f"{server.name} has no IMAP-on-stdin mode for IMAP4_stream")

    def connect(mod: ModuleType, d: LoopbackServer, user: User) -> Any:
        if how == "IMAP4_SSL":
            return mod.IMAP4_SSL(d.host, d.ssl_port, ssl_context=d.client_context())
        if how == "IMAP4_stream":
            assert isinstance(d, Dovecot)
            return mod.IMAP4_stream(" ".join(d.preauth_command(user.name)))
        M = mod.IMAP4("localhost", d.port, 10)
        M.starttls(d.client_context())
        return M

    got = same(
        server,
        [
            lambda M, user, d: (M.state, M.PROTOCOL_VERSION, M.capabilities),
            lambda M, user, d: M.login(user.name, user.password) if M.state != "AUTH" else 0,
            lambda M, user, d: M.append(None, "\\Seen", None, b"Subject: hi\r\n\r\nthere\r\n"),
            lambda M, user, d: M.select(),
            lambda M, user, d: M.fetch("1", "(FLAGS BODY.PEEK[])"),
            lambda M, user, d: M.starttls(d.client_context()),
            lambda M, user, d: M.logout(),
        ],
        connect,
    )
    assert got[8][1][1][0][1] == b"Subject: hi\r\n\r\nthere\r\n"


def test_tls_options_serve_as_ssl_context(server: LoopbackServer, server_user: User) -> None:
    """What an SSLContext cannot carry (a client certificate...) goes in imaprs.TLSOptions,
    accepted wherever ssl_context is."""
    import imaprs

    options = imaprs.TLSOptions.from_files(server.ca_file)
    M = rs_imaplib.IMAP4_SSL("localhost", server.ssl_port, ssl_context=options)
    assert M.login(server_user.name, server_user.password)[0] == "OK"
    M.logout()
    M = rs_imaplib.IMAP4("localhost", server.port)
    assert M.starttls(options)[0] == "OK" and "STARTTLS" not in M.capabilities
    M.logout()
