"""Header and body decoding: RFC 2047 words, RFC 2231 parameters, transfer encodings.

Known answers, agreement with the standard library's ``email`` package, and property tests:
whatever the standard library encodes, imaprs decodes back.
"""

from __future__ import annotations

import base64
import email.header
import email.utils
import quopri
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from imaprs import TransferDecoder, decode_header, decode_params

# Text a header may carry: any printable character, no line breaks.
header_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60
)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("=?utf-8?q?R=C3=BCckfrage?= alt", "Rückfrage alt"),
        ("Re: =?ISO-8859-1?Q?Gr=FC=DFe?= aus =?utf-8?B?S8O2bG4=?=", "Re: Grüße aus Köln"),
        ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
        ("=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),
        ("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
        ("=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは"),
        ("=?euc-jp?B?pLOk86TLpMGkzw==?=", "こんにちは"),
        ("=?gb2312?B?xOO6ww==?=", "你好"),
        ("=?gb18030?B?xOO6ww==?=", "你好"),
        ("=?big5?B?p0Gmbg==?=", "你好"),
        ("=?euc-kr?B?vsiz58fPvLy/5A==?=", "안녕하세요"),
        ("=?ks_c_5601-1987?B?vsiz58fPvLy/5A==?=", "안녕하세요"),
        ("=?iso-8859-7?Q?=C3=E5=E9=DC?=", "Γειά"),
        ("=?a?q?b?= =?a?q?c?=", "bc"),
        ("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"),
        ("=?utf-8?B?bad!?=", "=?utf-8?B?bad!?="),
        (b"8-bit UTF-8: \xc3\xa4", "8-bit UTF-8: ä"),
        (b"not UTF-8: \xe4", "not UTF-8: \ufffd"),
    ],
)
def test_known_answers(raw: str | bytes, text: str) -> None:
    assert decode_header(raw) == text


@pytest.mark.parametrize(
    ("pairs", "params"),
    [
        ([("NAME", "a.pdf")], {"name": "a.pdf"}),
        ([("filename*", "utf-8''Gr%C3%BC%C3%9Fe.pdf")], {"filename": "Grüße.pdf"}),
        (
            [("filename*1*", "%C3%9Fe.pdf"), ("filename*0*", "utf-8''Gr%C3%BC")],
            {"filename": "Grüße.pdf"},
        ),
        ([("title*", "iso-8859-1'de'%E4rger")], {"title": "ärger"}),
        ([("name", "=?utf-8?q?R=C3=BCckfrage.txt?=")], {"name": "Rückfrage.txt"}),
    ],
)
def test_params(pairs: list[tuple[str, str]], params: dict[str, str]) -> None:
    assert decode_params(pairs) == params


@given(header_text, st.sampled_from(["utf-8", "iso-8859-1", "koi8-r", "windows-1251"]))
@settings(max_examples=300)
def test_whatever_the_stdlib_encodes_decodes_back(text: str, charset: str) -> None:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    encoded = email.header.Header(text, charset).encode()
    assert decode_header(encoded) == text


# The letters on which Python's codecs and the WHATWG tables that mail readers (and
# encoding_rs) follow agree: kana and ideographs for Japanese, ideographs for Chinese,
# Hangul for Korean. Elsewhere they differ (U+00A2 in shift_jis, kana in big5, and
# Python's euc-kr spells syllables outside KS X 1001 as 8-byte jamo sequences that no mail
# reader decodes).
def letters(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=low, max_codepoint=high), min_size=1, max_size=20)


CJK = [
    ("shift_jis", letters(0x3041, 0x3093)),
    ("euc-jp", letters(0x4E00, 0x9FA0)),
    ("gb2312", letters(0x4E00, 0x9FA0)),
    ("gb18030", letters(0x4E00, 0x9FA0)),
    ("big5", letters(0x4E00, 0x9FA0)),
    ("euc-kr", letters(0xAC00, 0xD7A3)),
]


@given(st.sampled_from(CJK).flatmap(lambda c: st.tuples(st.just(c[0]), c[1])))
@settings(max_examples=300)
def test_cjk_charsets_decode_back(case: tuple[str, str]) -> None:
    charset, text = case
    try:
        assume(all(len(c.encode(charset)) == 2 for c in text))
    except UnicodeEncodeError:
        assume(False)
    encoded = email.header.Header(text, charset).encode()
    assert decode_header(encoded) == text


@given(st.lists(header_text, min_size=1, max_size=4))
def test_words_in_a_phrase(words: list[str]) -> None:
    """Encoded words between plain words keep the spaces around them."""
    plain = "plain"
    parts = []
    for word in words:
        parts.append(email.header.Header(word, "utf-8").encode().replace("\n", ""))
        parts.append(plain)
    expected = "".join(w + " " + plain + " " for w in words).rstrip()
    assert decode_header(" ".join(parts)) == expected


@given(header_text, st.integers(min_value=1, max_value=12))
def test_rfc2231_continuations(text: str, size: int) -> None:
    encoded = email.utils.encode_rfc2231(text, "utf-8")
    head, rest = encoded[: len("utf-8''")], encoded[len("utf-8''") :]
    # Each section is percent-encoded on its own: an escape is never split.
    units = re.findall(r"%[0-9A-F]{2}|.", rest)
    pieces = ["".join(units[i : i + size]) for i in range(0, len(units), size)] or [""]
    pairs = [(f"filename*{i}*", (head if i == 0 else "") + p) for i, p in enumerate(pieces)]
    assert decode_params(pairs[::-1]) == {"filename": text}


def decode_in_pieces(encoding: str, data: bytes, size: int) -> bytes:
    decoder = TransferDecoder(encoding)
    out = b"".join(decoder.decode(data[i : i + size]) for i in range(0, len(data), size))
    return out + decoder.finish()


@given(st.binary(max_size=600), st.integers(min_value=1, max_value=100))
def test_base64_bodies(data: bytes, size: int) -> None:
    assert decode_in_pieces("base64", base64.encodebytes(data), size) == data
    assert decode_in_pieces("BASE64", base64.b64encode(data), size) == data


@given(st.binary(max_size=600), st.integers(min_value=1, max_value=100))
def test_quoted_printable_bodies(data: bytes, size: int) -> None:
    encoded = quopri.encodestring(data)
    assert decode_in_pieces("quoted-printable", encoded, size) == quopri.decodestring(encoded)


def test_other_encodings_pass_through() -> None:
    assert decode_in_pieces("7bit", b"a=20b", 2) == b"a=20b"
