"""Responses as real servers send them: Dovecot, Cyrus, Gmail, Exchange.

``tests/data/servers/*.imap`` hold server output (the S: side of sessions). Every file is
read whole and one byte at a time, with the same result, and selected responses are
checked value by value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from imaprs import IMAP4Response, ResponseReader, iutf7_decode, response_map

DATA = Path(__file__).parent / "data" / "servers"
FILES = sorted(p.name for p in DATA.glob("*.imap"))


def read_all(data: bytes, chunk: int) -> List[IMAP4Response]:
    reader = ResponseReader()
    out: List[IMAP4Response] = []
    for i in range(0, len(data), chunk):
        reader.receive_data(data[i : i + chunk])
        out.extend(reader)
    reader.receive_data(b"")
    assert reader.buffered == 0
    return out


@pytest.fixture(scope="module")
def parsed() -> Dict[str, List[IMAP4Response]]:
    return {name: read_all((DATA / name).read_bytes(), 1 << 20) for name in FILES}


def shape(rsp: IMAP4Response) -> tuple[object, ...]:
    return (rsp.type, rsp.tag, rsp.status, rsp.info, rsp.dtype, rsp.data, rsp.text)


@pytest.mark.parametrize("name", FILES)
def test_any_chunking_gives_the_same_responses(name: str) -> None:
    data = (DATA / name).read_bytes()
    whole = [shape(r) for r in read_all(data, len(data))]
    assert whole
    for chunk in (1, 2, 7, 64):
        assert [shape(r) for r in read_all(data, chunk)] == whole


def test_dovecot(parsed: Dict[str, List[IMAP4Response]]) -> None:
    rsps = parsed["dovecot.imap"]
    greeting = rsps[0]
    assert (greeting.type, greeting.status, greeting.dtype) == ("status", "OK", "CAPABILITY")
    assert "STARTTLS" in greeting and greeting.info == "Dovecot (Debian) ready."
    lists = [r for r in rsps if r.dtype == "LIST"]
    assert [iutf7_decode(r[-1]) for r in lists] == [
        "Drafts",
        "Sent",
        "Archive",
        "Archive/2024 Q1",
        "Entwürfe",
        "INBOX",
    ]
    assert lists[0][1] == ["\\HasNoChildren", "\\Drafts"]
    perm = next(r for r in rsps if r.dtype == "PERMANENTFLAGS")
    assert perm.data[1][-1] == "\\*" and perm.info == "Flags permitted."
    select_done = next(r for r in rsps if r.tag == "a3")
    assert (select_done.dtype, select_done.info) == (
        "READ-WRITE",
        "Select completed (0.002 + 0.000 + 0.001 secs).",
    )

    fetches = [response_map(r) for r in rsps if r.dtype == "FETCH"]
    env = fetches[0]["ENVELOPE"]
    assert env[1] == "IMAP4rev1 WG mtg summary and minutes"
    assert env[5] == [[None, None, "imap", "cac.washington.edu"]]
    assert env[6][1] == ["John Klensin", None, "KLENSIN", "MIT.EDU"]
    assert env[7] is None and env[8] is None
    assert fetches[0]["BODYSTRUCTURE"][:3] == ["TEXT", "PLAIN", ["CHARSET", "US-ASCII"]]
    # ENVELOPE with every field NIL; nested multipart/mixed > multipart/related
    assert fetches[1]["ENVELOPE"] == [None] * 10
    body = fetches[1]["BODYSTRUCTURE"]
    assert body[3] == "mixed" and body[4] == ["boundary", "m1"] and body[6] == ["en"]
    related = body[1]
    assert related[2] == "related" and related[1][8] == ["inline", ["filename", "logo.png"]]
    assert body[2][8] == ["attachment", ["filename", "Q1 report.pdf", "size", "87654"]]
    third = fetches[2]
    assert third["BODY[HEADER.FIELDS (SUBJECT FROM)]"] == (
        b"Subject: =?utf-8?q?caf=C3=A9?=\r\nFrom: a@b.c\r\n\r\n"
    )
    assert third["MODSEQ"] == [7] and third["FLAGS"] == ["\\Seen", "\\Recent"]

    esearch = next(r for r in rsps if r.dtype == "ESEARCH")
    assert esearch.data == (
        "ESEARCH",
        ["TAG", "a5"],
        "UID",
        "MIN",
        1,
        "MAX",
        3,
        "COUNT",
        2,
        "ALL",
        "1,3",
    )
    assert next(r for r in rsps if r.dtype == "NAMESPACE").data == (
        "NAMESPACE",
        [["", "/"]],
        None,
        None,
    )
    assert next(r for r in rsps if r.dtype == "QUOTA").data == (
        "QUOTA",
        "User quota",
        ["STORAGE", 10, 10485760],
    )
    metadata = next(r for r in rsps if r.dtype == "METADATA")
    assert metadata.data == ("METADATA", "INBOX", ["/private/comment", b"hello"])
    assert metadata.text == '* METADATA "INBOX" (/private/comment {0})'
    assert next(r for r in rsps if r.dtype == "VANISHED").data == (
        "VANISHED",
        ["EARLIER"],
        "41,43:116",
    )
    copyuid = next(r for r in rsps if r.dtype == "COPYUID")
    assert copyuid.data == ("COPYUID", 1700000000, "1:2", "5:6")
    cont = next(r for r in rsps if r.type == "continue")
    assert cont.info == "idling"
    assert rsps[-2].status == "BYE" and rsps[-1].tag == "a11"


def test_cyrus(parsed: Dict[str, List[IMAP4Response]]) -> None:
    rsps = parsed["cyrus.imap"]
    assert rsps[1].data == ("LIST", ["\\Noselect", "\\HasChildren"], ".", "")
    status = next(r for r in rsps if r.dtype == "STATUS")
    assert dict(zip(status[2][::2], status[2][1::2]))["UIDNEXT"] == 44292
    assert next(r for r in rsps if r.dtype == "ACL").data == (
        "ACL",
        "INBOX",
        "fred",
        "lrswipkxtecdan",
        "anyone",
        "lr",
    )
    assert next(r for r in rsps if r.dtype == "SORT").data == ("SORT", 2, 84, 882)
    thread = next(r for r in rsps if r.dtype == "THREAD")
    assert thread.data == ("THREAD", [2], [3, 6, [4, 23], [44, 7, 96]])
    modified = next(r for r in rsps if r.tag == "A008")
    assert (modified.status, modified.data) == ("OK", ("MODIFIED", "7,9"))
    assert next(r for r in rsps if r.tag == "A009").dtype == "TRYCREATE"
    bye = rsps[-1]
    assert (bye.status, bye.dtype, bye.info) == (
        "BYE",
        "UNAVAILABLE",
        "Fatal error: Mailbox locked",
    )


def test_gmail(parsed: Dict[str, List[IMAP4Response]]) -> None:
    rsps = parsed["gmail.imap"]
    assert rsps[0].info == "Gimap ready for requests from 192.0.2.1 a1b2c3d4"
    assert [r[-1] for r in rsps if r.dtype == "LIST"] == [
        "INBOX",
        "[Gmail]",
        "[Gmail]/All Mail",
        "[Gmail]/Sent Mail",
    ]
    first = response_map(next(r for r in rsps if r.dtype == "FETCH"))
    assert first["X-GM-MSGID"] == 1278455344230334865
    assert first["X-GM-LABELS"] == [
        "\\Inbox",
        "\\Sent",
        "Important",
        "Muy Importante",
        "\\Important",
    ]
    assert next(r for r in rsps if r.dtype == "SEARCH").data == ("SEARCH", 1, 2, 5)
    challenge = next(r for r in rsps if r.type == "continue")
    assert challenge.info == (
        b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
    )
    webalert = next(r for r in rsps if r.dtype == "WEBALERT")
    assert webalert.data[1].startswith("https://accounts.google.com/")
    assert webalert.info == "Web login required."


def test_exchange(parsed: Dict[str, List[IMAP4Response]]) -> None:
    rsps = parsed["exchange.imap"]
    assert rsps[0].dtype is None and rsps[0].info.endswith("[TQBXADIAUABSADAA]")  # type: ignore[union-attr]
    fetch = response_map(next(r for r in rsps if r.dtype == "FETCH"))
    env = fetch["ENVELOPE"]
    assert env[1] == 'RE: "quoted" subject'
    assert env[2] == [["Doe, John", None, "john.doe", "contoso.com"]]
    assert env[3] is None
    assert env[5] == [[None, None, "undisclosed-recipients", None], [None, None, None, None]]
    empty = response_map([r for r in rsps if r.dtype == "FETCH"][1])
    assert empty == {"BODY[]": b"", "UID": 24}
    bad = next(r for r in rsps if r.tag == "c")
    assert (bad.type, bad.status, bad.info) == ("done", "BAD", "Command Argument Error. 11")
