"""IMAP4Response: the design's examples, real server responses, and malformed input."""

from __future__ import annotations

import pickle

import pytest

from imaprs import IMAP4Response, LimitError, ParseError


def attrs(rsp: IMAP4Response) -> tuple[object, ...]:
    return (rsp.type, rsp.tag, rsp.status, rsp.info, rsp.dtype, rsp.data)


def test_design_examples_hold_exactly() -> None:
    r1 = IMAP4Response("* OK Hello, this is a server greeting...")
    assert attrs(r1) == ("status", "*", "OK", "Hello, this is a server greeting...", None, ())
    r2 = IMAP4Response('* THIS IS A ((DATA RESPONSE) 123 "QUOTED STRING")')
    assert attrs(r2) == (
        "data",
        "*",
        None,
        None,
        "THIS",
        ("THIS", "IS", "A", [["DATA", "RESPONSE"], 123, "QUOTED STRING"]),
    )
    r3 = IMAP4Response("* DATA {0} CONTAINING {1}", [b"RESPONSE", b"LITERALS"])
    assert attrs(r3) == (
        "data",
        "*",
        None,
        None,
        "DATA",
        ("DATA", b"RESPONSE", "CONTAINING", b"LITERALS"),
    )
    r4 = IMAP4Response("TAG1 BAD [TRYCREATE] APPEND command failed")
    assert attrs(r4) == (
        "done",
        "TAG1",
        "BAD",
        "APPEND command failed",
        "TRYCREATE",
        ("TRYCREATE",),
    )
    r5 = IMAP4Response("+ Please continue...")
    assert attrs(r5) == ("continue", "+", None, "Please continue...", None, ())
    # seq numbers are unique and increase in creation order
    assert r1.seq < r2.seq < r3.seq < r4.seq < r5.seq
    assert r5.seq - r1.seq == 4


def test_repr_shows_every_attribute() -> None:
    rsp = IMAP4Response("TAG1 BAD [TRYCREATE] APPEND command failed")
    assert repr(rsp) == (
        f"IMAP4Response(seq={rsp.seq}, type='done', tag='TAG1', status='BAD', "
        "info='APPEND command failed', dtype='TRYCREATE', data=('TRYCREATE',))"
    )


def test_dtype_rules() -> None:
    assert IMAP4Response('* list (\\hasnochildren) "/" "INBOX"').dtype == "LIST"
    assert IMAP4Response("* 1 fetch (uid 123)").dtype == "FETCH"
    assert IMAP4Response("* 1 fetch (uid 123)").data == (1, "fetch", ["uid", 123])
    assert IMAP4Response("* 3 EXISTS").dtype == "EXISTS"
    assert IMAP4Response("* OK [UIDVALIDITY 3857529045] UIDs valid").dtype == "UIDVALIDITY"
    assert IMAP4Response("* OK no code").dtype is None


def test_continuation_base64_rule() -> None:
    assert IMAP4Response("+ aGVsbG8sIHdvcmxk").info == b"hello, world"
    assert IMAP4Response("+ ").info == b""
    assert IMAP4Response("+ idling").info == "idling"
    assert IMAP4Response("+ abcd").info == b"i\xb7\x1d"
    assert IMAP4Response("+ Ready for literal data").info == "Ready for literal data"


def test_raw_bytes_with_literals_inline() -> None:
    rsp = IMAP4Response(
        b"* 12 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {17}\r\nSubject: hi\r\n\r\n\r\n)\r\n"
    )
    assert rsp.data == (
        12,
        "FETCH",
        ["UID", 7, "BODY[HEADER.FIELDS (SUBJECT)]", b"Subject: hi\r\n\r\n\r\n"],
    )
    assert rsp.literals == [b"Subject: hi\r\n\r\n\r\n"]
    assert rsp.literals[0] is rsp[2][3]
    assert rsp.text == "* 12 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {0})"
    # the final CRLF may be left off
    assert IMAP4Response(b"* 3 EXISTS").data == (3, "EXISTS")


def test_types_of_tokens() -> None:
    rsp = IMAP4Response(
        b'* X atom 42 18446744073709551615 "q \\"x\\" \\\\" NIL nil'
        b" {3}\r\nlit ~{2}\r\n\x00\x01 ()\r\n"
    )
    assert rsp.data == ("X", "atom", 42, 2**64 - 1, 'q "x" \\', None, None, b"lit", b"\x00\x01", [])


def test_eight_bit_text_round_trips_through_surrogateescape() -> None:
    rsp = IMAP4Response(b'* X "caf\xc3\xa9" "\xff\xfe"\r\n')
    assert rsp[1] == "café"
    assert rsp[2].encode("utf-8", "surrogateescape") == b"\xff\xfe"


def test_bool_is_always_true_and_list_behaviour() -> None:
    rsp = IMAP4Response("* OK")
    assert len(rsp) == 0 and bool(rsp)
    assert isinstance(rsp, list)
    assert rsp.info is None


def test_pickle_round_trip() -> None:
    rsp = IMAP4Response(b"* 1 FETCH (BODY[] {2}\r\nhi)\r\n")
    copy = pickle.loads(pickle.dumps(rsp))
    assert attrs(copy) == attrs(rsp) and copy.seq == rsp.seq and copy.literals == [b"hi"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "malformed response start"),
        (b"A1 FETCH (1)\r\n", "malformed response start"),
        (b"* X (a b\r\n", "unbalanced"),
        (b'* X "abc\r\n', "unterminated quoted string"),
        (b"* X {5}\r\nab\r\n", "unexpected end"),
        (b"* X 99999999999999999999999\r\n", "number too large"),
        (b"* X a\x00b\r\n", "unexpected byte 0x00"),
        (b"* OK one\r\n* OK two\r\n", "more than one response"),
    ],
)
def test_malformed_raw_input_gives_parse_error(raw: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        IMAP4Response(raw)
    assert isinstance(info.value, ValueError)
    assert info.value.raw is not None
    assert isinstance(info.value.offset, int)


def test_template_errors() -> None:
    with pytest.raises(ParseError, match="literal placeholder 1 has no literal"):
        IMAP4Response("* X {0} {1}", [b"a"])
    with pytest.raises(TypeError):
        IMAP4Response(b"* X", [b"a"])


def test_huge_announced_literal_is_a_limit_error_not_an_allocation() -> None:
    with pytest.raises(LimitError) as info:
        IMAP4Response(b"* 1 FETCH (BODY[] {99999999999}\r\n)\r\n")
    assert info.value.limit == "max_literal"
    assert info.value.actual == 99999999999
    assert "max_literal exceeded" in str(info.value)
