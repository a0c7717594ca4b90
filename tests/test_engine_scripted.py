"""The engine against scripted servers: what a real server does not send."""

from __future__ import annotations

import time

import pytest

import imaprs
from faces import Face
from imaprs import Raw
from imaprs.testing import Certificate, ScriptedServer

CAPS = ("IMAP4rev1", "STARTTLS", "LITERAL+", "IDLE", "AUTH=PLAIN", "SASL-IR")


def test_bye_in_the_middle_of_a_command_fails_every_call(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.expect("LOGIN")
        s.bye("server shutting down")
        s.close()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.BYE, match="shutting down"):
            imap.login("a", "b", allow_cleartext=True)
        with pytest.raises(imaprs.BYE):
            imap.noop()
        assert imap.state == "logout"


def test_a_literal_cut_short_is_never_complete(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("SELECT")
        s.send("* 1 EXISTS")
        s.send("* 1 FETCH (BODY[] {100}", b"only a part")
        s.close()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        cmd = imap("SELECT", Raw("INBOX"))
        with pytest.raises(imaprs.ConnectionClosed):
            cmd.wait()
        assert cmd.result is None and all(r.dtype != "FETCH" for r in imap.queued)
        with pytest.raises(imaprs.ConnectionClosed):
            imap.noop()


def test_a_timeout_leaves_the_connection_usable(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.sleep(1.0)
        s.ok(tag, "NOOP completed")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=0.3)
        cmd = imap.noop(wait=False)
        with pytest.raises(imaprs.IMAP4Timeout):
            cmd.wait()
        time.sleep(1.0)
        cmd.wait()  # the answer came late, the connection is fine
        imap.logout()


def test_starttls_injection_is_refused(tmp_path: object, face: Face) -> None:
    cert = imaprs.testing.make_test_certificate(tmp_path)  # type: ignore[arg-type]

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.starttls(
            cert.server_context(),
            inject=b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n",
            handshake=False,
        )
        s.expect_close()

    with ScriptedServer(script=script) as server, pytest.raises(imaprs.TLSError):
        face.IMAP4(server.address, ssl_ctx=cert.client_context(), starttls=True, timeout=5)


def test_starttls_missing_refused_or_preauth_fails(tmp_path: object, face: Face) -> None:
    cert: Certificate = imaprs.testing.make_test_certificate(tmp_path)  # type: ignore[arg-type]

    def no_starttls(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1",))
        s.expect_close()

    def refused(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.no(s.expect("STARTTLS").tag, "not now")
        s.expect_close()

    def preauth(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect_close()

    for script, match in ((no_starttls, "STARTTLS"), (refused, "not now"), (preauth, "PREAUTH")):
        with ScriptedServer(script=script) as server, pytest.raises(imaprs.IMAP4Error, match=match):
            face.IMAP4(server.address, ssl_ctx=cert.client_context(), starttls=True, timeout=5)


def test_starttls_forgets_what_came_before(tmp_path: object, face: Face) -> None:
    cert: Certificate = imaprs.testing.make_test_certificate(tmp_path)  # type: ignore[arg-type]

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "LOGINDISABLED"))
        s.starttls(cert.server_context())
        s.capabilities(s.expect("CAPABILITY").tag, "IMAP4rev1", "AUTH=PLAIN")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, ssl_ctx=cert.client_context(), starttls=True, timeout=5)
        assert imap.encrypted and imap.caps == {"IMAP4REV1", "AUTH=PLAIN"}
        imap.logout()


def test_logindisabled_and_cleartext_refusals(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "LOGINDISABLED"))
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.IMAP4Error, match="LOGINDISABLED"):
            imap.login("a", "b", allow_cleartext=True)
        imap.logout()


def test_unsolicited_flood_is_bounded(monkeypatch: pytest.MonkeyPatch, face: Face) -> None:
    """EXISTS coalesces; other responses past the bound fail the waiting call and close."""
    monkeypatch.setattr(imaprs._engine, "MAX_UNCLAIMED", 100)

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send(*(f"* {i} EXISTS" for i in range(1, 1001)))
        s.ok(tag, "NOOP completed")
        tag = s.expect("NOOP").tag
        s.send(*(f"* OK note {i}" for i in range(1000)))
        s.ok(tag, "NOOP completed")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.noop()
        assert [r[0] for r in imap.queued if r.dtype == "EXISTS"] == [1000]
        with pytest.raises(imaprs.LimitError, match="unclaimed"):
            imap.noop()
        assert imap.state == "logout"


def test_idle_responses_and_done(face: Face) -> None:
    if face.name == "aio":
        pytest.skip("an async with block: see test_aio_idle.py")

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("IDLE").tag
        s.send("+ idling", "* 3 EXISTS")
        assert s.readline().rstrip(b"\r\n") == b"DONE"
        s.ok(tag, "IDLE terminated")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        with imap.idle(timeout=5) as idle:
            rsp = next(iter(idle))
            assert rsp.dtype == "EXISTS" and rsp[0] == 3
        imap.logout()


def test_a_sink_that_fails_raises_from_wait(face: Face) -> None:
    body = b"x" * 200_000

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("FETCH").tag
        s.send(f"* 1 FETCH (BODY[] {{{len(body)}}}", body + b")\r\n")
        s.ok(tag, "FETCH completed")
        s.expect_logout()

    def sink(head: bytes, data: bytes) -> None:
        raise OSError("disk full")

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.state = "selected"
        with pytest.raises(imaprs.CallbackError) as info:
            imap.fetch(1, "BODY[]", sink=sink)
        assert isinstance(info.value.__cause__, OSError) and "disk full" in str(
            info.value.__cause__
        )
        imap.logout()  # the rest of the literal was read: the connection is fine


def test_utf8_accept_sends_mailbox_names_as_utf8(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "ENABLE", "UTF8=ACCEPT"), status="PREAUTH")
        tag = s.expect("ENABLE").tag
        s.send("* ENABLED UTF8=ACCEPT")
        s.ok(tag)
        command = s.expect("CREATE")
        assert command.args == '"Ärger \\"1\\""', command
        s.ok(command.tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.enable("UTF8=ACCEPT")
        assert imap.utf8_enabled
        imap.create('Ärger "1"')
        imap.logout()


def test_a_server_dripping_bytes_cannot_hold_a_call(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        try:
            s.drip(b"* OK " + b"x" * 200 + b"\r\n", delay=0.02)
            s.ok(tag)
        except OSError:
            pass  # the client may have hung up

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=1.0, deadline=1.5)
        started = time.monotonic()
        with pytest.raises(imaprs.IMAP4Timeout, match="deadline"):
            imap.noop()
        assert time.monotonic() - started < 3
        imap.logout(graceful=False)


def test_the_unclaimed_queue_reads_as_an_ordered_mapping_by_arrival(face: Face) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send("* 1 EXISTS", "* OK [ALERT] note", "* 2 EXISTS", "* 1 RECENT")
        s.ok(tag, "NOOP completed")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.noop()
        rsps = list(imap.queued)
        assert [r.dtype for r in rsps] == ["ALERT", "EXISTS", "RECENT"]  # EXISTS coalesced
        seqs = [r.seq for r in rsps]
        assert list(imap.queue) == imap.queue.keys() == sorted(seqs) == seqs
        assert imap.queue[seqs[1]] is rsps[1] and seqs[0] in imap.queue and "x" not in imap.queue
        assert imap.queue.popitem(last=False) == (seqs[0], rsps[0])
        assert imap.queue.popitem() == (seqs[2], rsps[2])
        imap.defer(rsps[0])
        assert [seq for seq, _ in imap.queue.items()] == [seqs[0], seqs[1]]
        imap.logout()


def test_bye_during_idle_ends_it_with_the_connection_error() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("IDLE")
        s.send("+ idling", "* 2 EXISTS", "* BYE server shutting down")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = imaprs.IMAP4(server.address, timeout=5)
        got = []
        with pytest.raises(imaprs.BYE, match="shutting down"), imap.idle(timeout=5) as idle:
            for rsp in idle:
                got.append(rsp.dtype)
        assert got == ["EXISTS"] and imap.state == "logout"
        imap.logout()
