"""Random responses to NOOP and FETCH, each run with the standard library's imaplib and with
imaprs.imaplib: whatever the mix of untagged data, response codes, literals (holding CRLF,
braces or lines that look like responses) and completions, both file the same data and
return or raise the same.

A line of text never ends in a literal's header (``{5}``): both modules would then wait for a
continuation the script never sends, and what each has filed by the time it gives up differs
by design (imaplib files the lines it has read one by one; imaprs.imaplib hands over whole
responses only). Literals themselves are drawn, with every oddity, by the FETCH case."""

from __future__ import annotations

import re
from typing import List, Union

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_twins import PREAUTH, Exchange, standard, twins

Item = Union[str, bytes]

number = st.integers(min_value=0, max_value=99999).map(str)
word = st.text(alphabet="abcXYZ019-_.\\$", min_size=1, max_size=8)
text = st.text(alphabet="abc XYZ09()[]{}<>\"'*+%", max_size=20).filter(
    lambda t: re.search(r"\{[0-9]+\+?\}$", t.rstrip()) is None
)
code = st.sampled_from(["UIDVALIDITY", "UIDNEXT", "PERMANENTFLAGS", "ALERT", "X-CODE", "READ-ONLY"])
literal = st.binary(max_size=40) | st.sampled_from(
    [b"", b"\r\n", b"* 3 EXISTS\r\n", b"{5}\r\n", b"T1 OK fake\r\n", b"line\r\nline\r\n"]
)


@st.composite
def untagged(draw: st.DrawFn) -> List[Item]:
    kind = draw(st.integers(min_value=0, max_value=7))
    n = draw(number)
    if kind == 0:
        return [f"* {n} {draw(st.sampled_from(['EXISTS', 'RECENT', 'EXPUNGE']))}"]
    if kind == 1:
        return [f"* {draw(st.sampled_from(['OK', 'NO', 'BAD']))} [{draw(code)} {n}] {draw(text)}"]
    if kind == 2:
        return [f"* FLAGS ({' '.join(draw(st.lists(word, max_size=3)))})"]
    if kind == 3:
        return [f"* SEARCH {' '.join(draw(st.lists(number, max_size=4)))}"]
    if kind == 4:
        parts = draw(st.lists(literal, min_size=1, max_size=3))
        data = b"".join(b"X%d {%d}\r\n" % (i, len(p)) + p + b" " for i, p in enumerate(parts))
        return [b"* " + n.encode() + b" FETCH (" + data + b"UID 7)\r\n"]
    if kind == 5:
        return [f"* OK {draw(text)}".rstrip()]
    if kind == 6:
        return [f"*  {n} EXISTS"]
    return [f"* {draw(word).upper().replace('.', '-') or 'X'} {draw(text)}".rstrip()]


@st.composite
def completion(draw: st.DrawFn) -> str:
    status = draw(st.sampled_from(["OK", "OK", "NO", "BAD"]))
    bracket = draw(st.sampled_from(["", f"[{draw(code)}] ", f"[{draw(code)} {draw(number)}] "]))
    return f"{{tag}} {status} {bracket}{draw(text)}".rstrip()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(untagged(), max_size=5), completion())
def test_random_responses_to_noop(responses: List[List[Item]], done: str) -> None:
    lines = [item for response in responses for item in response]
    exchanges: List[Exchange] = [*standard(), ("NOOP", [*lines, done])]
    twins(PREAUTH, exchanges, lambda M: (M.noop(), M.response("EXISTS"), M.recent()))
