"""IMAP4SeqSet: parse and print sequence sets as the design shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imaprs import IMAP4SeqSet


def test_design_examples() -> None:
    assert str(IMAP4SeqSet({1, 2, 3, 5})) == "1:3,5"
    seqset = IMAP4SeqSet("10")
    seqset.update(range(1, 6))
    assert 2 in seqset
    assert str(seqset) == "1:5,10"
    assert IMAP4SeqSet("1:5,10") == IMAP4SeqSet((1, 2, 3, 4, 5, 10))


@pytest.mark.parametrize(
    ("text", "numbers", "printed"),
    [
        ("1,3,5:10", {1, 3, 5, 6, 7, 8, 9, 10}, "1,3,5:10"),
        ("5:3", {3, 4, 5}, "3:5"),
        ("1,2", {1, 2}, "1,2"),
        ("7,7,7", {7}, "7"),
        ("1, 2, 3", {1, 2, 3}, "1:3"),
        ("", set(), ""),
    ],
)
def test_parse_and_print(text: str, numbers: set[int], printed: str) -> None:
    seqset = IMAP4SeqSet(text)
    assert set(seqset) == numbers
    assert str(seqset) == printed
    assert isinstance(seqset, set)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:*", "highest SN or UID not known"),
        ("*", "highest SN or UID not known"),
        ("$", "last search result not known"),
        ("0", "invalid"),
        ("1:x", "invalid"),
        ("4294967296", "invalid"),
        ("1,,2", "invalid"),
        ("1:4294967295", "too large"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IMAP4SeqSet(text)


def test_out_of_range_numbers_cannot_be_printed() -> None:
    with pytest.raises(ValueError, match="1 to 4294967295"):
        str(IMAP4SeqSet({0, 1}))


def test_repr() -> None:
    assert repr(IMAP4SeqSet({4, 5, 6})) == "IMAP4SeqSet('4:6')"


@given(st.sets(st.integers(min_value=1, max_value=2**32 - 1), max_size=200))
def test_round_trip(numbers: set[int]) -> None:
    printed = str(IMAP4SeqSet(numbers))
    assert IMAP4SeqSet(printed) == numbers
    assert str(IMAP4SeqSet(printed)) == printed
