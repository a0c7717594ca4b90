"""What the parser refuses from a server: NUL and stray escapes in quoted strings, numbers
wider than their grammar, bare LF line ends; and how each refusal reaches the caller."""

from __future__ import annotations

import pytest

import imaprs
import imaprs.imaplib
from imaprs import IMAP4, NEED_DATA, IMAP4Response, ParseError, ProtocolError, ResponseReader
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "LITERAL+")


def events(data: bytes, **options: object) -> list:
    reader = ResponseReader(**options)  # type: ignore[arg-type]
    reader.receive_data(data)
    out: list = []
    while True:
        try:
            event = reader.next_event()
        except ParseError as exc:
            out.append(exc)
            continue
        if event is NEED_DATA:
            return out
        out.append(event)


@pytest.mark.parametrize(
    "bad",
    [
        b'* 1 FETCH (BODY[] "a\x00b")\r\n',
        b'* LIST () "/" "a\\qb"\r\n',
        b'* LIST () "/" "a\\\x00"\r\n',
        b"* 4294967296 EXISTS\r\n",
        b"* 4294967296 FETCH (FLAGS ())\r\n",
        b"* 1 FETCH (UID 4294967296)\r\n",
        b"* 1 FETCH (MODSEQ (9223372036854775808))\r\n",
        b"* SEARCH 1 4294967296\r\n",
        b"* STATUS INBOX (MESSAGES 4294967296)\r\n",
        b"* OK [UIDVALIDITY 4294967296] x\r\n",
        b"* OK [HIGHESTMODSEQ 9223372036854775808] x\r\n",
    ],
)
def test_a_bad_response_is_delivered_unparsed_and_the_next_parses(bad: bytes) -> None:
    got = events(bad + b"* 3 EXISTS\r\n")
    assert len(got) == 2
    err, good = got
    assert isinstance(err, ParseError) and err.raw == bad
    assert isinstance(good, IMAP4Response) and good.dtype == "EXISTS"


@pytest.mark.parametrize(
    "good",
    [
        b'* LIST () "/" "a\\"b\\\\c"\r\n',
        b"* 4294967295 EXISTS\r\n",
        b"* 1 FETCH (UID 4294967295 MODSEQ (9223372036854775807))\r\n",
        b"* 1 FETCH (X-GM-MSGID 18446744073709551615)\r\n",
        b"* OK [HIGHESTMODSEQ 9223372036854775807] x\r\n",
    ],
)
def test_what_fits_the_grammar_parses(good: bytes) -> None:
    (rsp,) = events(good)
    assert isinstance(rsp, IMAP4Response)


def test_a_bare_lf_is_a_framing_error_unless_relaxed() -> None:
    data = b"* 1 EXISTS\r\n* 2 EXISTS\n* 3 EXISTS\r\n"
    reader = ResponseReader()
    reader.receive_data(data)
    assert reader.next_event()[0] == 1  # type: ignore[index]
    with pytest.raises(ProtocolError, match="bare LF"):
        reader.next_event()
    with pytest.raises(ProtocolError):  # framing is lost for good
        reader.next_event()
    got = events(data, crlf_relaxed=True)
    assert [r[0] for r in got] == [1, 2, 3]


def test_the_engine_raises_the_parse_error_and_goes_on() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send('* 1 FETCH (X "a\\qb")')
        s.ok(tag, "NOOP completed")
        tag = s.expect("NOOP").tag
        s.ok(tag, "NOOP completed")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        with pytest.raises(ParseError) as info:
            imap.noop()
        assert info.value.raw == b'* 1 FETCH (X "a\\qb")\r\n'
        imap.noop()
        imap.logout()


def test_the_native_face_fails_on_a_bare_lf() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send(b"* 1 EXISTS\n", f"{tag} OK done")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        with pytest.raises(ProtocolError, match="bare LF"):
            imap.noop()
        with pytest.raises(imaprs.IMAP4Error):
            imap.noop()
        assert imap.state == "logout"


def test_crlf_relaxed_accepts_a_bare_lf() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send(b"* 7 EXISTS\n", f"{tag} OK done")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5, crlf_relaxed=True)
        imap.noop()
        assert any(r.dtype == "EXISTS" and r[0] == 7 for r in imap.queued)
        imap.logout()


def test_the_drop_in_aborts_on_a_bare_lf_as_imaplib() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.capabilities(s.expect("CAPABILITY").tag, *CAPS)
        tag = s.expect("NOOP").tag
        s.send(b"* 1 EXISTS\n", f"{tag} OK done")
        s.expect_close()

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        with pytest.raises(M.abort, match="unterminated line"):
            M.noop()
        M.shutdown()
