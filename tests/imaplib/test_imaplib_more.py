"""imaprs.imaplib: TLS, STARTTLS, AUTHENTICATE, IDLE, IMAP4_stream, install(), and what
Dovecot never sends (BYE mid-command, READ-ONLY), each next to the standard library."""

from __future__ import annotations

import imaplib as std_imaplib
import importlib.util
import logging
import os
import ssl
import subprocess
import sys
import threading
from types import ModuleType
from typing import Any, List

import pytest

import imaprs.imaplib as rs_imaplib
import imaprs.imaplib._link as rs_link
from imaprs._servers import Dovecot, User, seed_mailbox
from imaprs.testing import ScriptedServer

MODULES = [std_imaplib, rs_imaplib]
IDS = ["imaplib", "imaprs"]


def outcome(fn: Any, mod: ModuleType) -> Any:
    try:
        return ("ok", fn())
    except mod.IMAP4.error as exc:
        kind = "readonly" if isinstance(exc, mod.IMAP4.readonly) else type(exc).__name__
        return ("raised", kind, str(exc))


def both(script: Any, action: Any) -> List[Any]:
    """Runs ``action(M, mod)`` with each module against its own scripted server."""
    results = []
    for mod in MODULES:
        with ScriptedServer(script=script) as server:
            M = mod.IMAP4(*server.address)
            results.append(outcome(lambda M=M, mod=mod: action(M, mod), mod))
            M.shutdown()
    return results


def test_bye_in_the_middle_of_a_command_is_abort() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting()
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1")
        s.expect("LOGIN")
        s.bye("Server shutting down")
        s.close()

    want, got = both(script, lambda M, mod: M.login("a", "b"))
    assert want == got == ("raised", "abort", "command: LOGIN => Server shutting down")


def test_a_mailbox_that_turns_read_only_raises_readonly() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(status="PREAUTH")
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1")
        tag = s.expect("SELECT").tag
        s.send("* 2 EXISTS", "* OK [READ-ONLY] opened read-only")
        s.ok(tag, "SELECT completed")
        s.close()

    want, got = both(script, lambda M, mod: M.select("INBOX"))
    assert want == got == ("raised", "readonly", "INBOX is not writable")


def test_ssl_with_and_without_a_context(
    dovecot: Dovecot,
    dovecot_user: User,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.WARNING, logger="imaprs")
    # The warning comes once per process: an earlier test may have had it already.
    monkeypatch.setattr(rs_link, "_WARNED", False)
    M = rs_imaplib.IMAP4_SSL("localhost", dovecot.ssl_port)  # unverified, as imaplib
    assert M.login(dovecot_user.name, dovecot_user.password)[0] == "OK"
    M.logout()
    assert "ssl.create_default_context()" in caplog.text
    with pytest.raises(ssl.SSLCertVerificationError):
        rs_imaplib.IMAP4_SSL(
            "localhost", dovecot.ssl_port, ssl_context=ssl.create_default_context()
        )
    with rs_imaplib.IMAP4_SSL(
        "localhost", dovecot.ssl_port, ssl_context=dovecot.client_context()
    ) as M:
        assert M.login(dovecot_user.name, dovecot_user.password)[0] == "OK"


@pytest.mark.parametrize("mod", MODULES, ids=IDS)
def test_starttls(dovecot: Dovecot, dovecot_user: User, mod: ModuleType) -> None:
    M = mod.IMAP4("localhost", dovecot.port)
    typ, _ = M.starttls(ssl_context=dovecot.client_context())
    assert typ == "OK" and "STARTTLS" not in M.capabilities
    assert M.login(dovecot_user.name, dovecot_user.password)[0] == "OK"
    with pytest.raises(mod.IMAP4.abort, match="already established"):
        M.starttls()
    M.logout()


def test_authenticate_with_an_authobject(dovecot: Dovecot) -> None:
    results = []
    for mod in MODULES:
        user = dovecot.add_user()
        M = mod.IMAP4(dovecot.host, dovecot.port)
        seen: List[bytes] = []

        def plain(challenge: bytes, user: User = user, seen: List[bytes] = seen) -> bytes:
            seen.append(challenge)
            return f"\0{user.name}\0{user.password}".encode()

        typ, _ = M.authenticate("PLAIN", plain)
        results.append((typ, M.state, seen))
        M.logout()
        other = dovecot.add_user()
        M = mod.IMAP4(dovecot.host, dovecot.port)
        results.append(M.login_cram_md5(other.name, other.password)[0])
        M.logout()
        M = mod.IMAP4(dovecot.host, dovecot.port)
        results.append(outcome(lambda M=M: M.authenticate("PLAIN", lambda c: None), mod)[:2])
        M.shutdown()
    assert results[:3] == results[3:]
    assert results[0] == ("OK", "AUTH", [b""])


def test_idle_as_in_python_3_14(dovecot: Dovecot, dovecot_user: User) -> None:
    M = rs_imaplib.IMAP4(dovecot.host, dovecot.port)
    M.login(dovecot_user.name, dovecot_user.password)
    M.select("INBOX")
    other = rs_imaplib.IMAP4(dovecot.host, dovecot.port)
    other.login(dovecot_user.name, dovecot_user.password)
    timer = threading.Timer(0.3, other.append, ("INBOX", None, None, b"Subject: x\r\n\r\nx\r\n"))
    seen = []
    with M.idle(duration=5) as idler:
        timer.start()
        for typ, datum in idler:
            seen.append((typ, datum))
            if typ == "EXISTS":
                break
    assert ("EXISTS", [b"1"]) in seen
    assert M.noop()[0] == "OK"  # DONE was sent
    other.logout()
    M.logout()


@pytest.mark.parametrize("mod", MODULES, ids=IDS)
def test_imap4_stream(dovecot: Dovecot, dovecot_user: User, mod: ModuleType) -> None:
    command = " ".join(dovecot.preauth_command(dovecot_user.name))
    M = mod.IMAP4_stream(command)
    assert M.state == "AUTH"
    typ, data = M.list()
    assert typ == "OK" and any(b"INBOX" in line for line in data)
    M.logout()


def test_install_makes_import_imaplib_give_imaprs() -> None:
    code = (
        "import imaprs.imaplib as m; m.install(); import imaplib; "
        "assert imaplib is m; from imaplib import IMAP4_SSL; assert IMAP4_SSL is m.IMAP4_SSL"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_every_public_name_exists() -> None:
    import types

    for name in dir(std_imaplib):
        value = getattr(std_imaplib, name)
        if name.startswith("__") or isinstance(value, types.ModuleType):
            continue
        if getattr(value, "__module__", "imaplib") != "imaplib" or name == "DEFAULT_BUFFER_SIZE":
            continue  # imported from elsewhere (socket, io, datetime...)
        assert hasattr(rs_imaplib, name), name
    for method in dir(std_imaplib.IMAP4):
        if not method.startswith("__"):
            assert hasattr(rs_imaplib.IMAP4, method), method
    assert issubclass(rs_imaplib.IMAP4.readonly, rs_imaplib.IMAP4.abort)
    assert issubclass(rs_imaplib.IMAP4.abort, rs_imaplib.IMAP4.error)


IMAPCLIENT = """
import sys
if sys.argv[1] == "imaprs":
    import imaprs.imaplib
    imaprs.imaplib.install()
import imapclient
c = imapclient.IMAPClient(sys.argv[2], port=int(sys.argv[3]), ssl=False)
c.login(sys.argv[4], sys.argv[5])
print(sorted(c.list_folders()))
info = c.select_folder("INBOX")
print(info[b"EXISTS"], sorted(info[b"FLAGS"]))
ids = c.search(["ALL"])
print(ids)
data = c.fetch(ids, ["ENVELOPE", "FLAGS", "RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
for n, item in sorted(data.items()):
    print(n, item[b"RFC822.SIZE"], item[b"FLAGS"], item[b"ENVELOPE"].subject)
c.logout()
"""


def test_imapclient_runs_on_imaprs_imaplib(dovecot: Dovecot) -> None:
    """IMAPClient builds on imaplib (its own socket, imaplib's internals): after install()
    it gives the same results over imaprs.imaplib."""
    # Not imported here: importing IMAPClient adds commands to imaplib.Commands for the
    # whole process, which the name comparisons would then see.
    assert importlib.util.find_spec("imapclient") is not None, "requirements-dev has imapclient"
    outputs = []
    for mode in ("stdlib", "imaprs"):
        user = dovecot.add_user()
        seed_mailbox(dovecot, user.name, 15)
        args = [mode, dovecot.host, str(dovecot.port), user.name, user.password]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run(
            [sys.executable, "-c", IMAPCLIENT, *args], capture_output=True, text=True, env=env
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 18
