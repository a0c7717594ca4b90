"""Module functions: quoting, modified UTF-7, INTERNALDATE, group/ungroup, response_map."""

from __future__ import annotations

import calendar
import imaplib
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import imaprs
from imaprs import (
    IMAP4Response,
    ParseError,
    group,
    idate2unix,
    iutf7_decode,
    iutf7_encode,
    qstr,
    qstr_iutf7,
    qstr_or_lit,
    response_map,
    ungroup,
    unix2idate,
)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("INBOX", '"INBOX"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("", '""')],
)
def test_qstr(text: str, quoted: str) -> None:
    assert qstr(text) == quoted


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x00b", "x\r\nA2 LOGOUT"])
def test_qstr_refuses_control_characters(bad: str) -> None:
    with pytest.raises(ValueError, match="Control characters not allowed in commands"):
        qstr(bad)


def test_qstr_refuses_non_ascii_unless_unvalidated() -> None:
    with pytest.raises(ValueError):
        qstr("zoë")
    assert qstr("zoë", validate=False) == '"zoë"'


def test_qstr_or_lit() -> None:
    assert qstr_or_lit("user") == '"user"'
    assert qstr_or_lit("zoë") == "zoë".encode()
    assert qstr_or_lit("pass\r\nword") == b"pass\r\nword"
    assert qstr_or_lit(b"raw") == b"raw"
    assert qstr_or_lit("zoë", "latin-1") == b"zo\xeb"


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("&", "&-"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
        ("😀", "&2D3eAA-"),
    ],
)
def test_iutf7_known_answers(name: str, encoded: str) -> None:
    assert iutf7_encode(name) == encoded
    assert iutf7_decode(encoded) == name
    assert iutf7_decode(encoded.encode()) == name
    assert qstr_iutf7(name) == f'"{encoded}"'


@pytest.mark.parametrize(
    "bad",
    [
        "&AGE",  # unterminated
        "&AG$-",  # not base64
        "&AOQ-&APY-",  # adjacent encoded runs
        "&AEE-",  # needless encoding of printable ASCII ("A")
        "&AG-",  # wrong padding / leftover bits
        "&2D0-",  # lone surrogate
        "caf\xe9",  # raw 8-bit
    ],
)
def test_iutf7_rejects_malformed(bad: str) -> None:
    with pytest.raises(ParseError, match="modified UTF-7"):
        iutf7_decode(bad)


@given(st.text())
def test_iutf7_round_trip(name: str) -> None:
    encoded = iutf7_encode(name)
    assert encoded.isascii()
    assert iutf7_decode(encoded) == name


def test_internaldate() -> None:
    assert idate2unix("17-Jul-1996 02:44:25 -0700") == 837596665
    assert idate2unix('" 7-Jul-1996 02:44:25 +0000"') == 837571465 - 10 * 86400 + 0
    assert idate2unix(b"01-Jan-1970 00:00:00 +0000") == 0
    assert unix2idate(837596665) == "17-Jul-1996 09:44:25 +0000"
    assert unix2idate(837596665, -420) == "17-Jul-1996 02:44:25 -0700"
    assert unix2idate(0) == "01-Jan-1970 00:00:00 +0000"


def test_internaldate_agrees_with_the_standard_library() -> None:
    for ts in (0, 837596665, 951782400, 1700000000, 4102444800):
        text = unix2idate(ts)
        parsed = imaplib.Internaldate2tuple(f'INTERNALDATE "{text}"'.encode())
        assert parsed is not None
        assert calendar.timegm(time.gmtime(time.mktime(parsed))) == ts
        assert idate2unix(text) == ts


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "17-Jul-1996",
        "32-Jul-1996 02:44:25 -0700",
        "29-Feb-2023 00:00:00 +0000",
        "17-Foo-1996 02:44:25 -0700",
        "17-Jul-1996 24:00:00 +0000",
        "17-Jul-1996 02:44:25 0700",
    ],
)
def test_internaldate_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        idate2unix(bad)


def test_group_and_ungroup() -> None:
    items = ["UID", 5, "FLAGS", ["\\Seen"], "RFC822.SIZE", 100]
    assert list(group(items)) == [("UID", 5), ("FLAGS", ["\\Seen"]), ("RFC822.SIZE", 100)]
    assert list(group([1, 2, 3], 2)) == [(1, 2)]
    assert list(ungroup(group(items))) == items


def test_response_map_of_request_names() -> None:
    assert response_map(["UID", "BODY.PEEK[HEADER]", "BODY[]<0.1000>", "binary.peek[1]"]) == {
        "UID": "UID",
        "BODY[HEADER]": "BODY.PEEK[HEADER]",
        "BODY[]<0>": "BODY[]<0.1000>",
        "BINARY[1]": "binary.peek[1]",
    }
    assert response_map({"BODY.PEEK[]": 1}) == {"BODY[]": 1}


def test_response_map_of_fetch_data() -> None:
    rsp = IMAP4Response(b"* 4 FETCH (uid 9 FLAGS (\\Seen) BODY[] {2}\r\nhi)\r\n")
    assert response_map(rsp) == {"UID": 9, "FLAGS": ["\\Seen"], "BODY[]": b"hi"}
    assert response_map(rsp[2]) == response_map(rsp)
    with pytest.raises(ValueError):
        response_map(["UID", 5, "FLAGS"])


def test_public_names() -> None:
    for name in imaprs.__all__:
        assert hasattr(imaprs, name), name
    assert issubclass(imaprs.ParseError, ValueError)
    assert issubclass(imaprs.BAD, imaprs.ProtocolError)
    assert issubclass(imaprs.LimitError, imaprs.ProtocolError)
    assert str(imaprs.IMAP4Error("failed", "reason")) == "failed [reason]"
