"""The drop-in's ``sock`` as the socket it stands for, and the ends of a stream: a greeting
cut short, over-long lines. Each behaviour is run through the standard library's imaplib too.

imap_tools' ``MailBox.idle`` and IMAPClient's IDLE and ``IMAP4_stream`` are run unmodified,
in subprocesses (importing them adds commands to imaplib for the whole process).
"""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import importlib.util
import os
import select
import subprocess
import sys
from typing import Any, Iterator

import pytest

import imaprs.imaplib as rs_imaplib
from imaprs._servers.dovecot import Dovecot, User
from imaprs.testing import Certificate, ScriptedServer, make_test_certificate

MODULES = [std_imaplib, rs_imaplib]
IDS = ["imaplib", "imaprs"]


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_test_certificate(tmp_path_factory.mktemp("cert"))


# -- the socket of a TLS connection -----------------------------------------------------------


@pytest.fixture
def both_tls(dovecot: Dovecot, dovecot_user: User) -> Iterator[Any]:
    ctx = dovecot.client_context()
    pair = [mod.IMAP4_SSL("localhost", dovecot.ssl_port, ssl_context=ctx) for mod in MODULES]
    for M in pair:
        M.login(dovecot_user.name, dovecot_user.password)
    yield pair
    for M in pair:
        M.logout()


def test_tls_socket_reports_what_ssl_reports(both_tls: Any) -> None:
    std, rs = (M.sock for M in both_tls)
    assert rs.getpeercert() == std.getpeercert()
    assert rs.getpeercert(binary_form=True) == std.getpeercert(binary_form=True)
    assert rs.server_hostname == std.server_hostname == "localhost"
    assert rs.version() == std.version()
    name, version, bits = rs.cipher()
    assert version == rs.version() and bits in (128, 256) and name.startswith(("TLS_", "ECDHE"))
    assert isinstance(rs.fileno(), int) and rs.fileno() >= 0
    assert rs.gettimeout() is None and rs.timeout is None
    assert rs.pending() == 0


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_non_blocking_read_as_a_socket(dovecot: Dovecot, dovecot_user: User, tls: bool) -> None:
    """settimeout(0), then read until it would block: what IDLE loops do."""
    outcomes = []
    for mod in MODULES:
        if tls:
            M = mod.IMAP4_SSL("localhost", dovecot.ssl_port, ssl_context=dovecot.client_context())
        else:
            M = mod.IMAP4(dovecot.host, dovecot.port)
        M.login(dovecot_user.name, dovecot_user.password)
        sock = M.sock
        sock.settimeout(0)
        assert sock.gettimeout() == 0.0
        try:
            M._get_line()
            outcome = "line"
        except mod.IMAP4.abort as exc:
            outcome = f"abort {exc}"
        except OSError as exc:
            outcome = type(exc).__name__
        outcomes.append(outcome)
        sock.setblocking(True)
        assert sock.gettimeout() is None
        assert M.noop()[0] == "OK"
        sock.settimeout(5)
        assert sock.gettimeout() == 5.0
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        tag = M._command("NOOP")
        assert poller.poll(5000)
        assert M._command_complete("NOOP", tag)[0] == "OK"
        M.logout()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == ("SSLWantReadError" if tls else "abort socket error: EOF")


def test_pending_counts_what_select_cannot_see(cert: Certificate) -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag)
        tag = srv.expect("NOOP").tag
        srv.send("* 1 EXISTS", "* 2 EXISTS", f"{tag} OK done")
        srv.expect_logout()

    with ScriptedServer(script=script, ssl_ctx=cert.server_context()) as srv:
        M = rs_imaplib.IMAP4_SSL("localhost", srv.address[1], ssl_context=cert.client_context())
        M._command("NOOP")
        assert M._get_line() == b"* 1 EXISTS"
        # The rest came in the same TLS record: decrypted already, invisible to select().
        assert M.sock.pending() >= len(b"* 2 EXISTS\r\n")
        M._get_line()
        M._get_line()
        assert M.sock.pending() == 0
        M.logout()


# -- the ends of a stream ---------------------------------------------------------------------


@pytest.mark.parametrize("sent", [b"", b"* OK hal"], ids=["nothing", "half a line"])
@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
@pytest.mark.parametrize("mod", MODULES, ids=IDS)
def test_greeting_cut_short_is_abort(cert: Certificate, mod: Any, tls: bool, sent: bytes) -> None:
    def script(srv: ScriptedServer) -> None:
        srv.send(sent)
        srv.close()

    ctx = cert.server_context() if tls else None

    def connect(address: Any) -> None:
        with pytest.raises(mod.IMAP4.abort, match="socket error"):
            if tls:
                mod.IMAP4_SSL("localhost", address[1], ssl_context=cert.client_context())
            else:
                mod.IMAP4(*address)

    with ScriptedServer(script=script, ssl_ctx=ctx) as srv:
        connect(srv.address)


@pytest.mark.parametrize("extra", [-3, -2, -1, 0, 1, 2, 3, 50])
@pytest.mark.parametrize("where", ["greeting", "response"])
@pytest.mark.parametrize("mod", MODULES, ids=IDS)
def test_long_lines_are_error(mod: Any, where: str, extra: int, monkeypatch) -> None:
    """A line of _MAXLINE + extra bytes (CRLF included): imaplib's error whoever notices."""
    monkeypatch.setattr(mod, "_MAXLINE", 100)
    line = "* OK " + "x" * (100 + extra - 7)

    def script(srv: ScriptedServer) -> None:
        with contextlib.suppress(OSError):  # the client hung up, perhaps while we wrote
            if where == "greeting":
                srv.send(line)
                tag = srv.expect("CAPABILITY").tag
            else:
                srv.greeting()
                tag = srv.expect("CAPABILITY").tag
                srv.send(line)
            srv.capabilities(tag)
            srv.expect_close()

    with ScriptedServer(script=script) as srv:
        if extra > 0:
            with pytest.raises(mod.IMAP4.error, match=r"got more than 100 bytes$"):
                mod.IMAP4(*srv.address)
        else:
            mod.IMAP4(*srv.address).shutdown()


@pytest.mark.parametrize("mod", MODULES, ids=IDS)
def test_maxline_changes_reach_open_connections(mod: Any, monkeypatch) -> None:
    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag)
        for size in (500, 500):
            tag = srv.expect("NOOP").tag
            srv.send("* OK " + "y" * size, f"{tag} OK done")
        srv.expect_close()

    monkeypatch.setattr(mod, "_MAXLINE", 100)
    with ScriptedServer(script=script) as srv:
        M = mod.IMAP4(*srv.address)
        monkeypatch.setattr(mod, "_MAXLINE", 1000)
        assert M.noop()[0] == "OK"
        monkeypatch.setattr(mod, "_MAXLINE", 200)
        with pytest.raises(mod.IMAP4.error, match="got more than 200 bytes"):
            M.noop()
        M.shutdown()


# -- libraries that drive the socket themselves -----------------------------------------------

IMAP_TOOLS_IDLE = """
import sys, ssl
if sys.argv[1] == "imaprs":
    import imaprs.imaplib
    imaprs.imaplib.install()
from imap_tools import MailBox, MailBoxUnencrypted
host, port, ssl_port, user, password, ca = sys.argv[2:]
def open_box(tls):
    if tls:
        ctx = ssl.create_default_context(cafile=ca)
        return MailBox("localhost", int(ssl_port), ssl_context=ctx).login(user, password)
    return MailBoxUnencrypted(host, int(port)).login(user, password)
other = open_box(False)
for tls in (False, True):
    box = open_box(tls)
    print(box.idle.wait(timeout=0.5))
    box.idle.start()
    other.append(b"Subject: idle\\r\\n\\r\\nbody\\r\\n", "INBOX")
    seen = []
    while not any(b"EXISTS" in line for line in seen):
        seen += box.idle.poll(timeout=10)
    box.idle.stop()
    print(any(b"EXISTS" in line for line in seen))
    print(len(list(box.fetch(mark_seen=False))))
    box.logout()
other.logout()
"""

IMAPCLIENT_IDLE_STREAM = """
import sys
if sys.argv[1] == "imaprs":
    import imaprs.imaplib
    imaprs.imaplib.install()
import imapclient
host, port, user, password, command = sys.argv[2:]
other = imapclient.IMAPClient(host, port=int(port), ssl=False)
other.login(user, password)
c = imapclient.IMAPClient(host, port=int(port), ssl=False)
c.login(user, password)
c.select_folder("INBOX")
c.idle()
other.append("INBOX", b"Subject: idle\\r\\n\\r\\nbody\\r\\n")
seen = []
while not any(r[1] == b"EXISTS" for r in seen if len(r) > 1):
    seen += c.idle_check(timeout=10)
print(c.idle_done()[1])
c.logout()
other.logout()
if sys.argv[1] == "imaprs":
    # The standard library's IMAP4_stream has no sock, and IMAPClient sets its timeout.
    s = imapclient.IMAPClient(command, stream=True, ssl=False)
    print(s.select_folder("INBOX")[b"EXISTS"], s.search(["ALL"]))
    s.logout()
"""


def run_twice(script: str, args: list) -> list:
    outputs = []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for mode in ("stdlib", "imaprs"):
        proc = subprocess.run(
            [sys.executable, "-c", script, mode, *args(mode)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    return outputs


def test_imap_tools_idle_runs_unmodified(dovecot: Dovecot) -> None:
    assert importlib.util.find_spec("imap_tools") is not None, "requirements-dev has imap-tools"

    def args(mode: str) -> list:
        user = dovecot.add_user()
        port, ssl_port = str(dovecot.port), str(dovecot.ssl_port)
        return [dovecot.host, port, ssl_port, user.name, user.password, str(dovecot.ca_file)]

    std, rs = run_twice(IMAP_TOOLS_IDLE, args)
    assert std == rs
    assert std.splitlines() == ["[]", "True", "1", "[]", "True", "2"]


def test_imapclient_idle_and_stream_run_unmodified(dovecot: Dovecot) -> None:
    assert importlib.util.find_spec("imapclient") is not None, "requirements-dev has imapclient"

    def args(mode: str) -> list:
        user = dovecot.add_user()
        command = " ".join(dovecot.preauth_command(user.name))
        return [dovecot.host, str(dovecot.port), user.name, user.password, command]

    std, rs = run_twice(IMAPCLIENT_IDLE_STREAM, args)
    assert rs.splitlines()[0] == std.strip()
    assert rs.splitlines()[1] == "1 [1]"
