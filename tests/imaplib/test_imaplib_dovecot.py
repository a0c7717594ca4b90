"""Failure paths against the real Dovecot, run with the standard library's imaplib and with
imaprs.imaplib (a fresh user each): a mailbox that is read-only, the server saying BYE, and
the authentication methods, with identical results once timings, UIDVALIDITY and the user's
name are taken out."""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import re
import time
from types import ModuleType
from typing import Any, Callable, List

import pytest

import imaprs.imaplib as rs_imaplib
from servers import Dovecot, User

Step = Callable[[Any, User, Dovecot], Any]


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
        value = re.sub(rb"(UIDVALIDITY|APPENDUID|COPYUID) \d+", rb"\1 N", value)
        return value.replace(user.name.encode(), b"USER")
    return value


def _untagged(key: str, values: Any, user: User) -> Any:
    """One entry of untagged_responses: UIDVALIDITY, and the first number of the APPENDUID
    and COPYUID data (the mailbox's UIDVALIDITY), are the clock and differ between runs."""
    if key == "UIDVALIDITY":
        return "N"
    if key in ("APPENDUID", "COPYUID") and isinstance(values, list):
        return [re.sub(rb"^\d+", b"N", v) if isinstance(v, bytes) else v for v in values]
    return normalised(values, user)


def run(mod: ModuleType, dovecot: Dovecot, steps: List[Step], connect: Any = None) -> List[Any]:
    user = dovecot.add_user()
    M = connect(mod, dovecot, user) if connect else mod.IMAP4(dovecot.host, dovecot.port, 10)
    out = []
    for step in steps:
        try:
            out.append(("returned", step(M, user, dovecot)))
        except M.error as exc:
            kind = "readonly" if isinstance(exc, M.readonly) else "abort"
            kind = kind if isinstance(exc, M.abort) else "error"
            out.append(("raised", kind, str(exc)))
        out.append(("state", M.state, dict(M.untagged_responses)))
    with contextlib.suppress(OSError):  # after LOGOUT the standard library's socket is gone
        M.shutdown()
    return normalised(out, user)


def same(dovecot: Dovecot, steps: List[Step], connect: Any = None) -> List[Any]:
    want, got = (run(mod, dovecot, steps, connect) for mod in (std_imaplib, rs_imaplib))
    for i, (a, b) in enumerate(zip(want, got)):
        assert b == a, f"step {i}: imaplib {a!r}\n  imaprs.imaplib {b!r}"
    assert len(got) == len(want)
    return got


def login(M: Any, user: User, dovecot: Dovecot) -> Any:
    return M.login(user.name, user.password)


def test_a_read_only_mailbox(dovecot: Dovecot) -> None:
    got = same(
        dovecot,
        [
            login,
            lambda M, user, d: (M.create("Ro"), M.setacl("Ro", user.name, "lr")),
            lambda M, user, d: M.myrights("Ro"),
            lambda M, user, d: M.select("Ro"),  # READ-ONLY where read-write was asked
            lambda M, user, d: M.noop(),  # still read-only: refused before sending
            lambda M, user, d: M.select("Ro", readonly=True),
            lambda M, user, d: M.store("1:*", "+FLAGS", "\\Seen"),
            lambda M, user, d: M.append("Ro", None, None, b"Subject: x\r\n\r\nx\r\n"),
            lambda M, user, d: M.close(),
        ],
    )
    assert got[6] == ("raised", "readonly", "Ro is not writable")
    assert got[8] == ("raised", "readonly", "mailbox status changed to READ-ONLY")


def kick(M: Any, user: User, dovecot: Dovecot) -> None:
    """Has the server end the user's sessions; the kick is asynchronous, so the BYE is given
    time to leave before the next command."""
    dovecot.doveadm("kick", user.name)
    time.sleep(0.5)


def test_bye_from_the_server(dovecot: Dovecot) -> None:
    got = same(
        dovecot,
        [
            login,
            lambda M, user, d: M.select("INBOX"),
            kick,
            lambda M, user, d: M.noop(),
        ],
    )
    assert got[-2] == ("raised", "abort", "command: NOOP => Server shutting down.")


def test_authenticate_and_cram_md5(dovecot: Dovecot) -> None:
    def plain(M: Any, user: User, d: Dovecot) -> Any:
        return M.authenticate("PLAIN", lambda _: f"\0{user.name}\0{user.password}".encode())

    def refused(M: Any, user: User, d: Dovecot) -> Any:
        return M.authenticate("PLAIN", lambda _: b"\0nobody\0wrong")

    def cancelled(M: Any, user: User, d: Dovecot) -> Any:
        return M.authenticate("PLAIN", lambda _: None)

    def login_step(M: Any, user: User, d: Dovecot) -> Any:
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
        got = same(dovecot, steps)
        assert got[-2][0] == "returned" and got[-1][1] == "AUTH"


@pytest.mark.parametrize("how", ["starttls", "IMAP4_SSL", "IMAP4_stream"])
def test_other_ways_to_connect(dovecot: Dovecot, how: str) -> None:
    def connect(mod: ModuleType, d: Dovecot, user: User) -> Any:
        if how == "IMAP4_SSL":
            return mod.IMAP4_SSL(d.host, d.ssl_port, ssl_context=d.client_context())
        if how == "IMAP4_stream":
            return mod.IMAP4_stream(" ".join(d.preauth_command(user.name)))
        M = mod.IMAP4("localhost", d.port, 10)
        M.starttls(d.client_context())
        return M

    got = same(
        dovecot,
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


def test_tls_options_serve_as_ssl_context(dovecot: Dovecot, dovecot_user: User) -> None:
    """What an SSLContext cannot carry (a client certificate...) goes in imaprs.TLSOptions,
    accepted wherever ssl_context is."""
    import imaprs

    options = imaprs.TLSOptions.from_files(dovecot.ca_file)
    M = rs_imaplib.IMAP4_SSL("localhost", dovecot.ssl_port, ssl_context=options)
    assert M.login(dovecot_user.name, dovecot_user.password)[0] == "OK"
    M.logout()
    M = rs_imaplib.IMAP4("localhost", dovecot.port)
    assert M.starttls(options)[0] == "OK" and "STARTTLS" not in M.capabilities
    M.logout()
