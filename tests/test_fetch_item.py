"""FetchItem, Envelope, Address and BodyStructure built from FETCH responses."""

from __future__ import annotations

import datetime
import gc
import pickle
from pathlib import Path
from typing import List

import pytest

from imaprs import (
    Address,
    BodyStructure,
    Envelope,
    FetchItem,
    IMAP4Response,
    ParseError,
    ResponseReader,
)
from imaprs._imaprs import fetch_item

DATA = Path(__file__).parent / "data" / "servers"

LISTING = (
    b'* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" '
    b'RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" '
    b'"=?utf-8?q?R=C3=BCckfrage?= alt" (("=?iso-8859-1?q?J=F6rg?=" NIL "joerg" "example.com")) '
    b'NIL NIL ((NIL NIL "friends" NIL)("Ann" NIL "ann" "x.org")(NIL NIL NIL NIL)'
    b'("Doe, John" NIL "john" "y.org")) NIL NIL NIL "<a@b>") '
    b'BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 10 1 NIL '
    b'NIL NIL NIL)("application" "pdf" ("name" "x.pdf") NIL NIL "base64" 100 NIL '
    b'("attachment" ("filename*" "utf-8\'\'R%C3%BCck.pdf")) NIL NIL) "mixed" '
    b'("boundary" "b") NIL NIL NIL))\r\n'
)


def item(raw: bytes) -> FetchItem:
    return fetch_item(IMAP4Response(raw))


def server_fetches() -> List[IMAP4Response]:
    out: List[IMAP4Response] = []
    for path in sorted(DATA.glob("*.imap")):
        reader = ResponseReader()
        reader.receive_data(path.read_bytes())
        out.extend(r for r in reader if isinstance(r, IMAP4Response) and r.dtype == "FETCH")
    return out


def test_listing_item() -> None:
    it = item(LISTING)
    assert (it.seq, it.uid, it.size, it.flags, it.modseq) == (1, 1, 4286, ("\\Seen",), None)
    tz = datetime.timezone(datetime.timedelta(hours=-7))
    assert it.internaldate == datetime.datetime(1996, 7, 17, 2, 44, 25, tzinfo=tz)
    assert it.internaldate is not None and it.internaldate.utcoffset() == tz.utcoffset(None)
    env = it.envelope
    assert env is not None
    assert env.subject == "Rückfrage alt"
    assert env.raw_subject == b"=?utf-8?q?R=C3=BCckfrage?= alt"
    assert env.date == datetime.datetime(1996, 7, 17, 2, 23, 25, tzinfo=tz)
    (joerg,) = env.from_
    assert (joerg.name, joerg.mailbox, joerg.host, joerg.email) == (
        "Jörg",
        "joerg",
        "example.com",
        "joerg@example.com",
    )
    assert str(joerg) == "Jörg <joerg@example.com>"
    assert env.sender == () and env.cc == () and env.message_id == "<a@b>"
    group, john = env.to
    assert group.is_group and group.mailbox == "friends" and group.email is None
    assert group.members == (Address("Ann", None, "ann", "x.org"),)
    assert str(group) == "friends: Ann <ann@x.org>;"
    assert str(john) == '"Doe, John" <john@y.org>'
    body = it.bodystructure
    assert body is not None and body.is_multipart and body.content_type == "multipart/mixed"
    assert [(p.part, p.content_type) for p in body.walk()] == [
        ("", "multipart/mixed"),
        ("1", "text/plain"),
        ("2", "application/pdf"),
    ]
    (pdf,) = body.attachments()
    assert (pdf.filename, pdf.encoding, pdf.size, pdf.disposition) == (
        "Rück.pdf",
        "base64",
        100,
        "attachment",
    )
    assert pdf.params == {"name": "x.pdf"} and body.params == {"boundary": "b"}
    assert it["UID"] == 1 and it["rfc822.size"] == 4286 and it["BODY"] == body
    assert it["ENVELOPE"] == env and "FLAGS" in it and "MODSEQ" not in it
    assert it.keys() == [
        "UID",
        "FLAGS",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODYSTRUCTURE",
    ]
    assert "subject='Rückfrage alt'" in repr(env) and "uid=1" in repr(it)
    assert "filename='Rück.pdf'" in repr(pdf)


def test_sections_partials_and_other_items() -> None:
    header = b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nFrom: a@b\r\n\r\n"
    rsp = IMAP4Response(
        "* 3 FETCH (UID 9 BODY[HEADER.FIELDS (SUBJECT FROM)] {0} BODY[]<0> {1} "
        'BODY[TEXT] "short" BINARY[1] NIL X-GM-LABELS (\\Inbox "Muy Importante") '
        "X-GM-MSGID 1278455344230334865 MODSEQ (77))",
        [header, b"Subj"],
    )
    it = fetch_item(rsp)
    assert it["BODY[HEADER.FIELDS (SUBJECT FROM)]"] is rsp.literals[0]
    assert it["BODY.PEEK[header.fields (subject from)]"] == header
    assert it["BODY.PEEK[]<0.100>"] == b"Subj"
    assert it["BODY[TEXT]"] == b"short" and it["BINARY[1]"] is None
    assert it["X-GM-LABELS"] == ("\\Inbox", "Muy Importante")
    assert it["x-gm-msgid"] == 1278455344230334865 and it.modseq == 77
    assert it.get("RFC822") is None and it.get("RFC822", b"") == b""
    with pytest.raises(KeyError):
        it["BODY[]"]
    message = it.message()
    assert message["subject"] == "Grüße" and message["from"] == "a@b"


def test_message_from_the_full_body() -> None:
    raw = b"Subject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nK\xc3\xb6ln\r\n"
    it = fetch_item(IMAP4Response("* 1 FETCH (BODY[] {0})", [raw]))
    msg = it.message()
    assert msg["subject"] == "hi" and msg.get_content().rstrip() == "Köln"
    with pytest.raises(KeyError):
        item(b"* 1 FETCH (UID 1)\r\n").message()


def test_every_real_server_fetch_gives_typed_values() -> None:
    fetches = server_fetches()
    assert len(fetches) >= 8
    for rsp in fetches:
        it = fetch_item(rsp)
        assert it.seq == rsp[0]
        assert pickle.loads(pickle.dumps(it)) == it
        if it.envelope is not None:
            assert isinstance(it.envelope.from_, tuple)
        if it.bodystructure is not None:
            assert all(isinstance(p, BodyStructure) for p in it.bodystructure.walk())
    by_uid = {fetch_item(r).uid: fetch_item(r) for r in fetches}
    exchange = by_uid[23]
    assert exchange.envelope is not None
    assert exchange.envelope.subject == 'RE: "quoted" subject'
    assert str(exchange.envelope.from_[0]) == '"Doe, John" <john.doe@contoso.com>'
    assert [str(a) for a in exchange.envelope.to] == ["undisclosed-recipients: ;"]
    gmail = by_uid[4]
    assert gmail["X-GM-LABELS"] == (
        "\\Inbox",
        "\\Sent",
        "Important",
        "Muy Importante",
        "\\Important",
    )
    assert gmail["X-GM-THRID"] == 1278455344230334865


def test_items_read_with_the_response_equal_those_built_from_it_later() -> None:
    """A FETCH response gets its typed items as it is read (sharing its line, or keeping
    only the items' bytes when it has literals); parsing the response object again later
    gives the same values."""
    fetches = server_fetches()
    assert any(r.literals for r in fetches) and any(not r.literals for r in fetches)
    for rsp in fetches:
        assert rsp._typed is not None
        read = fetch_item(rsp)
        values = (read.flags, read.envelope, read.bodystructure, read.internaldate)
        rsp._typed = None
        again = fetch_item(rsp)
        assert again == read
        assert (again.flags, again.envelope, again.bodystructure, again.internaldate) == values
        if read.bodystructure is not None:
            parts = [(p.part, p.filename, p.params) for p in read.bodystructure.walk()]
            assert parts == [(p.part, p.filename, p.params) for p in again.bodystructure.walk()]


def test_odd_structures_do_not_fail() -> None:
    cases = [
        b"* 1 FETCH (BODYSTRUCTURE (NIL NIL NIL NIL NIL NIL NIL))\r\n",
        b'* 1 FETCH (BODYSTRUCTURE ("text" "plain"))\r\n',
        b'* 1 FETCH (BODYSTRUCTURE ("application" "pdf" NIL NIL NIL "base64" 10 NIL '
        b'"attachment" NIL NIL))\r\n',
        b'* 1 FETCH (ENVELOPE ("not a date" NIL ((NIL NIL NIL)) NIL))\r\n',
        b'* 1 FETCH (INTERNALDATE "garbage" FLAGS NIL)\r\n',
        # numbers and strings where lists belong
        b'* 1 FETCH (ENVELOPE (NIL NIL 5 "x" (1) NIL NIL NIL NIL NIL) FLAGS 7 MODSEQ "3")\r\n',
        b'* 1 FETCH (BODYSTRUCTURE ((1) ("text" 2 3) "mixed" 4 5 6 7))\r\n',
    ]
    for raw in cases:
        it = item(raw)
        assert pickle.loads(pickle.dumps(it)) == it
    env = item(cases[3]).envelope
    assert env is not None and env.date is None and env.raw_date == "not a date"
    assert item(cases[4]).internaldate is None
    assert item(cases[2]).bodystructure.disposition == "attachment"  # type: ignore[union-attr]


def test_value_types_compare_and_pickle() -> None:
    it = item(LISTING)
    env, body = it.envelope, it.bodystructure
    assert env is not None and body is not None
    for value in (env, body, env.from_[0], env.to[0], body.parts[1]):
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value and type(copy) is type(value)
    assert pickle.loads(pickle.dumps(body.parts[1])).part == "2"
    assert item(LISTING) == it and item(LISTING.replace(b"4286", b"4287")) != it
    built = Envelope(
        "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
        "=?utf-8?q?R=C3=BCckfrage?= alt",
        from_=(Address("=?iso-8859-1?q?J=F6rg?=", None, "joerg", "example.com"),),
        to=env.to,
        message_id="<a@b>",
    )
    assert built == env and hash(built) == hash(env)


def test_one_build_per_response() -> None:
    rsp = IMAP4Response(LISTING)
    first, again = fetch_item(rsp), fetch_item(rsp)
    assert first.response is rsp and again == first
    # Built once and kept with the response: the same objects, not equal copies.
    assert first.envelope is again.envelope and first.bodystructure is again.bodystructure
    copy = pickle.loads(pickle.dumps(rsp))  # the typed items are not pickled but rebuilt
    assert copy == rsp and fetch_item(copy) == first
    assert pickle.loads(pickle.dumps(first)) == first


def test_typed_values_stay_out_of_the_cycle_collector() -> None:
    it = item(LISTING)
    env, body = it.envelope, it.bodystructure
    assert env is not None and body is not None
    # They hold only immutable values, so they can be in no cycle: the collector skips them.
    values = (it, env, body, it.flags, env.from_[0], body.parts[0], body.attachments()[0])
    assert not any(gc.is_tracked(v) for v in values)


def test_not_a_fetch_response() -> None:
    with pytest.raises(ParseError):
        item(b"* 3 EXISTS\r\n")
