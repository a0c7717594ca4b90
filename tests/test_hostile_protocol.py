"""A server that breaks the conversation: unknown or repeated tags, continuation requests
nobody asked for, a tagged OK where a literal was due, greetings that are not IMAP's, a
failed SELECT, a flood of unclaimed responses, SASL exchanges that do not end."""

from __future__ import annotations

import base64
import threading
from typing import Callable, List

import pytest

import imaprs
import imaprs.imaplib
from imaprs import IMAP4
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "IDLE", "AUTH=PLAIN")  # no LITERAL+: literals wait for "+"
TIMEOUT = 5


def lookalikes(tag: str) -> List[str]:
    return [tag.lower(), tag + "0", tag + "x", tag[0].lower() + tag[1:]]


@pytest.mark.parametrize("variant", range(4))
def test_a_completion_with_a_lookalike_tag_fails_every_command(variant: int) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        first = s.expect("NOOP").tag
        s.expect("NOOP")
        # In one segment: the first completion is read together with the bad one.
        s.send(f"{first} OK done", f"{lookalikes(first)[variant]} OK done")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        one, two = imap.noop(wait=False), imap.noop(wait=False)
        with pytest.raises(imaprs.ProtocolError, match="unknown tag"):
            one.wait()
        with pytest.raises(imaprs.ProtocolError, match="unknown tag"):
            two.wait()
        assert imap.state == "logout" and one.result is None
        with pytest.raises(imaprs.ProtocolError):
            imap.noop()


def test_a_second_completion_for_a_tag_fails_the_command_at_once() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send(f"{tag} OK done", f"{tag} OK done again")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match="tag"):
            imap.noop()
        assert imap.state == "logout"


@pytest.mark.parametrize(
    ("reply", "match"), [("X1 OK nothing", "unknown tag"), ("+ go ahead", "continuation")]
)
def test_a_completion_never_asked_for_or_a_stray_continuation_fails(reply: str, match: str) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("NOOP")
        s.send(reply)
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match=match):
            imap.noop()
        assert imap.state == "logout"


def test_a_continuation_cannot_release_a_later_literal() -> None:
    """The "+" answers the NOOP; the APPEND written afterwards must not take it as its own:
    no literal byte is sent."""
    answered = threading.Event()

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("NOOP")
        s.send("+ send it")
        answered.set()
        assert b"secret message" not in s.drain(timeout=2)

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.noop(wait=False)
        assert answered.wait(TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match="continuation"):
            imap.append("INBOX", b"secret message")
        imap.logout()
    assert b"secret message" not in server.received


def test_a_tagged_ok_where_the_password_literal_was_due_never_authenticates() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        line = s.readline().decode()
        assert line.endswith("}"), line  # the password goes as a synchronising literal
        s.ok(line.split()[0], "LOGIN completed")
        assert "pässword".encode() not in s.drain(timeout=2)

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match="literal"):
            imap.login("alice", "pässword", allow_cleartext=True)
        assert imap.state == "logout"
    assert "pässword".encode() not in server.received


def test_a_tagged_ok_where_the_append_literal_was_due_fails() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        line = s.readline().decode()
        s.ok(line.split()[0], "APPEND completed")
        assert b"the message" not in s.drain(timeout=2)

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match="literal"):
            imap.append("INBOX", b"the message")
        assert imap.state == "logout"


@pytest.mark.parametrize("status", ["NO", "BAD"])
def test_a_tagged_no_where_a_literal_was_due_fails_only_the_command(status: str) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        line = s.readline().decode()
        s.send(f"{line.split()[0]} {status} not like this")
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.StatusError, match="not like this"):
            imap.login("alice", "pässword", allow_cleartext=True)
        assert imap.state == "!auth"
        imap.noop()
        imap.logout()


@pytest.mark.parametrize("greeting", ["* NO go away", "* BAD what", "A1 OK hello", "* OKAY"])
def test_a_greeting_that_is_not_ok_preauth_or_bye_is_refused(greeting: str) -> None:
    def script(s: ScriptedServer) -> None:
        s.send(greeting)
        s.expect_close()

    with ScriptedServer(script=script) as server, pytest.raises(imaprs.ProtocolError):
        IMAP4(server.address, timeout=TIMEOUT)


@pytest.mark.parametrize("command", ["SELECT", "EXAMINE"])
def test_a_failed_select_leaves_no_mailbox_selected(command: str) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("SELECT").tag
        s.send("* 3 EXISTS", "* OK [UIDVALIDITY 7] ok")
        s.ok(tag, "selected")
        tag = s.expect(command).tag
        s.send("* 9 EXISTS", "* OK [UIDVALIDITY 8] ok")
        s.no(tag, "no such mailbox")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.select("INBOX")
        assert imap.state == "selected"
        with pytest.raises(imaprs.NO):
            imap.select("Nope", readonly=command == "EXAMINE")
        assert imap.state == "auth" and imap.readonly is None
        assert list(imap.queued) == []
        with pytest.raises(imaprs.IMAP4Error, match="not allowed in state auth"):
            imap.fetch("1", "FLAGS")
        imap.logout()
    assert [c.name for c in server.client_commands()] == ["SELECT", command, "LOGOUT"]


def test_unclaimed_flood_raises_limit_error_and_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imaprs._engine, "MAX_UNCLAIMED", 50)

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send(*(f"* {i} RECENT" for i in range(500)))
        s.send(*(f"* FLAGS (\\Seen x{i})" for i in range(500)))
        s.ok(tag)
        tag = s.expect("NOOP").tag
        s.send(*(f"* {i} EXPUNGE" for i in range(60, 0, -1)))
        s.ok(tag)
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.noop()
        assert len(list(imap.queued)) == 2  # coalesced
        with pytest.raises(imaprs.LimitError) as info:
            imap.noop()
        assert info.value.limit == "max_unclaimed" and info.value.max == 50
        assert imap.state == "logout"


def scram_server(server_first: str) -> Callable[[ScriptedServer], None]:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=SCRAM-SHA-256"))
        tag = s.expect("AUTHENTICATE").tag
        first = s.challenge(b"")
        client_first = base64.b64decode(first).decode()
        client_nonce = client_first.split("r=", 1)[1]
        answer = s.challenge(server_first.format(nonce=client_nonce).encode())
        assert answer == b"*", answer
        s.bad(tag, "cancelled")
        s.expect_logout()

    return script


@pytest.mark.parametrize(
    ("count", "match"), [("1", "below the minimum"), ("4095", "below"), ("99999999", "above")]
)
def test_scram_refuses_iteration_counts_out_of_range(count: str, match: str) -> None:
    script = scram_server("r={nonce}srv,s=c2FsdHNhbHQ=,i=" + count)
    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.AuthenticationError, match=match):
            imap.authenticate("SCRAM-SHA-256", username="u", secret="p", allow_cleartext=True)
        assert imap.state == "!auth"
        imap.logout()


def test_a_sasl_exchange_that_never_ends_is_cancelled() -> None:
    rounds = imaprs._imap4.MAX_SASL_ROUNDS

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "AUTH=X-ENDLESS"))
        tag = s.expect("AUTHENTICATE").tag
        for _ in range(rounds):
            assert s.challenge(b"more") != b"*"
        assert s.challenge(b"more") == b"*"
        s.bad(tag, "cancelled")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.AuthenticationError, match="rounds"):
            imap.authenticate("X-ENDLESS", cr=lambda challenge: b"again")
        imap.logout()


@pytest.mark.parametrize("command", ["LOGIN", "STARTTLS"])
def test_a_reply_guessing_the_next_tag_fails_the_native_api(command: str) -> None:
    ready = threading.Event()

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "STARTTLS"))
        tag = s.expect("NOOP").tag
        guess = tag[:-1] + str(int(tag[-1]) + 1)
        s.ok(tag)
        s.sleep(0.3)  # after the NOOP's completion was read
        s.send(f"{guess} OK [CAPABILITY IMAP4rev1] welcome in")
        ready.set()
        s.drain(timeout=2)

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.noop()
        assert ready.wait(TIMEOUT)
        with pytest.raises(imaprs.ProtocolError, match="unknown tag"):
            if command == "LOGIN":
                imap.login("alice", "secret", allow_cleartext=True)
            else:
                imap.starttls()
        assert imap.state == "logout"
    assert [c.name for c in server.client_commands()] == ["NOOP"]


@pytest.mark.parametrize("command", ["LOGIN", "STARTTLS"])
def test_a_reply_guessing_the_next_tag_fails_the_drop_in(command: str) -> None:
    ready = threading.Event()

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "STARTTLS"))
        tag = s.expect("CAPABILITY").tag
        s.capabilities(tag, *CAPS, "STARTTLS")
        guess = tag[:-1] + str(int(tag[-1]) + 1)
        s.send(f"{guess} OK welcome in")
        ready.set()
        s.drain(timeout=2)

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        assert ready.wait(TIMEOUT)
        with pytest.raises(M.abort, match="before its command"):
            if command == "LOGIN":
                M.login("alice", "secret")
            else:
                M.starttls()
    assert [c.name for c in server.client_commands()] == ["CAPABILITY"]


def test_a_completion_for_a_command_refused_before_sending_fails() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        refused = tag[:-1] + str(int(tag[-1]) + 1)  # the tag the refused command took
        s.send(f"{refused} OK it was never sent")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        cmd = imap.noop(wait=False)
        with pytest.raises(TypeError):
            imap("XNOOP", object())  # refused by the encoder: never sent
        with pytest.raises(imaprs.ProtocolError, match="unknown tag"):
            cmd.wait()
