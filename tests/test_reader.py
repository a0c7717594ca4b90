"""ResponseReader: the sans-I/O parser fed in any chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imaprs import (
    NEED_DATA,
    IMAP4Response,
    LimitError,
    LiteralChunk,
    ParseError,
    ProtocolError,
    ResponseReader,
)

STREAM = (
    b"* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready.\r\n"
    b"* 1 FETCH (UID 10 BODY[] {15}\r\nHello\r\nworld!\r\n FLAGS (\\Seen))\r\n"
    b"* 2 FETCH (UID 11 BODY[HEADER] {0}\r\n BODY[TEXT] ~{3}\r\n\x00\xff\n)\r\n"
    b"+ idling\r\n"
    b"A1 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
)


def drain(reader: ResponseReader) -> list[IMAP4Response]:
    return list(reader)


def feed_in_chunks(data: bytes, sizes: list[int]) -> list[tuple[object, ...]]:
    reader = ResponseReader()
    out: list[tuple[object, ...]] = []
    pos, i = 0, 0
    while pos < len(data):
        n = max(1, sizes[i % len(sizes)])
        reader.receive_data(data[pos : pos + n])
        pos += n
        i += 1
        out.extend((r.type, r.tag, r.status, r.info, r.dtype, r.data) for r in drain(reader))
    reader.receive_data(b"")
    assert reader.next_event() is NEED_DATA
    return out


def test_whole_stream() -> None:
    got = feed_in_chunks(STREAM, [len(STREAM)])
    assert got == [
        (
            "status",
            "*",
            "OK",
            "Dovecot ready.",
            "CAPABILITY",
            ("CAPABILITY", "IMAP4rev1", "LITERAL+"),
        ),
        (
            "data",
            "*",
            None,
            None,
            "FETCH",
            (1, "FETCH", ["UID", 10, "BODY[]", b"Hello\r\nworld!\r\n", "FLAGS", ["\\Seen"]]),
        ),
        (
            "data",
            "*",
            None,
            None,
            "FETCH",
            (2, "FETCH", ["UID", 11, "BODY[HEADER]", b"", "BODY[TEXT]", b"\x00\xff\n"]),
        ),
        ("continue", "+", None, "idling", None, ()),
        (
            "done",
            "A1",
            "OK",
            "Select completed (0.001 + 0.000 secs).",
            "READ-WRITE",
            ("READ-WRITE",),
        ),
    ]


def test_one_byte_at_a_time() -> None:
    assert feed_in_chunks(STREAM, [1]) == feed_in_chunks(STREAM, [len(STREAM)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=30))
def test_any_chunking(sizes: list[int]) -> None:
    assert feed_in_chunks(STREAM, sizes) == feed_in_chunks(STREAM, [len(STREAM)])


def test_next_event_and_pending_literal() -> None:
    reader = ResponseReader()
    reader.receive_data(b"* 1 FETCH (BODY[] {10}\r\n0123")
    assert reader.next_event() is NEED_DATA
    assert reader.pending_literal == 6
    assert reader.buffered == 28
    reader.receive_data(b"456789)\r\n")
    rsp = reader.next_event()
    assert isinstance(rsp, IMAP4Response)
    assert rsp.data == (1, "FETCH", ["BODY[]", b"0123456789"])
    assert reader.pending_literal == 0
    assert repr(NEED_DATA) == "NEED_DATA"


def test_bad_response_is_skipped_and_reader_stays_usable() -> None:
    reader = ResponseReader()
    reader.receive_data(b"* 1 FETCH (UID\r\n* 2 EXISTS\r\n")
    with pytest.raises(ParseError) as info:
        reader.next_event()
    assert info.value.raw == b"* 1 FETCH (UID\r\n"
    rsp = reader.next_event()
    assert isinstance(rsp, IMAP4Response) and rsp.data == (2, "EXISTS")


def test_limits_close_the_reader() -> None:
    reader = ResponseReader(max_line=64)
    reader.receive_data(b"* OK " + b"x" * 100)
    with pytest.raises(LimitError, match="max_line exceeded") as info:
        reader.next_event()
    assert (info.value.limit, info.value.max) == ("max_line", 64)
    reader.receive_data(b"\r\n* OK fine\r\n")
    with pytest.raises(LimitError):
        reader.next_event()


@pytest.mark.parametrize(
    ("kwargs", "data", "limit"),
    [
        ({"max_literal": 100}, b"* 1 FETCH (BODY[] {101}\r\n", "max_literal"),
        ({"max_literals": 2}, b"* X {1}\r\na {1}\r\nb {1}\r\nc\r\n", "max_literals"),
        ({"max_depth": 4}, b"* X (((((a)))))\r\n", "max_depth"),
        ({"max_response": 50}, b"* X {60}\r\n", "max_response"),
    ],
)
def test_each_limit_is_named(kwargs: dict[str, int], data: bytes, limit: str) -> None:
    reader = ResponseReader(**kwargs)
    reader.receive_data(data)
    with pytest.raises(LimitError) as info:
        reader.next_event()
    assert info.value.limit == limit


def test_announced_size_is_never_allocated() -> None:
    reader = ResponseReader()
    reader.receive_data(b"* 1 FETCH (BODY[] {400000000}\r\n")
    assert reader.next_event() is NEED_DATA
    assert reader.pending_literal == 400000000
    assert reader.buffered < 100


def test_truncated_stream_at_eof() -> None:
    reader = ResponseReader()
    reader.receive_data(b"* 1 FETCH (BODY[] {10}\r\nabc")
    reader.receive_data(b"")
    with pytest.raises(ParseError, match="stream ended inside a response"):
        reader.next_event()
    with pytest.raises(RuntimeError):
        reader.receive_data(b"more")


def test_deep_nesting_within_limit_does_not_recurse() -> None:
    depth = 50_000
    reader = ResponseReader(max_depth=depth)
    reader.receive_data(b"* X " + b"(" * depth + b")" * depth + b"\r\n")
    rsp = reader.next_event()
    assert isinstance(rsp, IMAP4Response)
    node = rsp[1]
    for _ in range(depth - 1):
        node = node[0]
    assert node == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    reader = ResponseReader(max_line=128, max_literal=128, max_response=512)
    reader.receive_data(data)
    for _ in range(50):
        try:
            event = reader.next_event()
        except ProtocolError:  # a limit or a bare LF: framing is lost
            break
        except ParseError:
            continue
        if event is NEED_DATA:
            break


def test_streaming_big_literals_in_chunks() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    data = (
        b"* 3 FETCH (UID 8 BODY[] {%d}\r\n" % len(body)
        + body
        + b" BODY[HEADER] {4}\r\nab\r\n)\r\nA1 OK done\r\n"
    )
    reader = ResponseReader(stream_threshold=1000, max_literal=2000, max_response=4000)
    received = bytearray()
    responses = []
    first: list[LiteralChunk] = []
    for i in range(0, len(data), 8192):
        reader.receive_data(data[i : i + 8192])
        for event in reader:
            if isinstance(event, LiteralChunk):
                assert event.offset == len(received) and event.total == len(body)
                assert event.index == 0 and event.head.endswith(b"BODY[] {0}\r\n")
                received += event.data
                first[:] = first or [event]
            else:
                responses.append(event)
        assert reader.buffered <= 8192 + 64
    assert bytes(received) == body
    assert responses[0].data == (3, "FETCH", ["UID", 8, "BODY[]", b"", "BODY[HEADER]", b"ab\r\n"])
    assert responses[1].tag == "A1"
    assert repr(first[0]) == f"LiteralChunk(index=0, offset=0, total={len(body)}, ...)"
