"""Property test: any value tree, written as IMAP data, parses back to itself."""

from __future__ import annotations

from typing import Any, List, Union

from hypothesis import given, settings
from hypothesis import strategies as st

from imaprs import IMAP4Response, ResponseReader

Value = Union[str, int, bytes, None, List[Any]]

ATOM_CHARS = st.sampled_from(
    list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_$\\/:+&!#")
)
atoms = st.text(ATOM_CHARS, min_size=1, max_size=12).filter(
    lambda s: not s.isdigit() and s.upper() != "NIL"
)
quoted = st.text(
    st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=20
)
numbers = st.integers(min_value=0, max_value=2**64 - 1)
literals = st.binary(max_size=40)
scalars = st.one_of(
    atoms.map(lambda a: ("atom", a)),
    quoted.map(lambda q: ("quoted", q)),
    numbers,
    literals,
    st.none(),
)
trees = st.recursive(scalars, lambda children: st.lists(children, max_size=5), max_leaves=30)


def wire(value: Any) -> bytes:
    if isinstance(value, tuple):
        kind, text = value
        if kind == "atom":
            return text.encode()
        return b'"' + text.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    if value is None:
        return b"NIL"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, bytes):
        return b"{%d}\r\n" % len(value) + value
    return b"(" + b" ".join(wire(v) for v in value) + b")"


def expected(value: Any) -> Value:
    if isinstance(value, tuple):
        return value[1]  # type: ignore[no-any-return]
    if isinstance(value, list):
        return [expected(v) for v in value]
    return value  # type: ignore[no-any-return]


@settings(max_examples=300, deadline=None)
@given(st.lists(trees, min_size=1, max_size=6))
def test_written_values_parse_back(items: List[Any]) -> None:
    raw = b"* X " + b" ".join(wire(v) for v in items) + b"\r\n"
    rsp = IMAP4Response(raw)
    assert rsp.data == ("X", *[expected(v) for v in items])
    # the same bytes through the streaming reader, one byte at a time
    reader = ResponseReader()
    got = []
    for i in range(len(raw)):
        reader.receive_data(raw[i : i + 1])
        got.extend(reader)
    assert [r.data for r in got] == [rsp.data]
