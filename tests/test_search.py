"""Search criteria: Q, dates, numbers and sequence sets in search() and sort().

Against Dovecot, each criterion's answer is compared with what the messages delivered say
(flags from their Maildir names, headers and sizes from their bytes). The wire form is checked
on a scripted server, and a property test encodes random criteria with the real encoder and
parses the command back: nothing a value holds becomes syntax.
"""

from __future__ import annotations

import datetime
import doctest
import email
import email.policy
import pickle
import re
from typing import Any, Dict, List, Set, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import imaprs._mailbox
import imaprs._search
from imaprs import IMAP4, ESearchResult, IMAP4SeqSet, Q, Raw
from imaprs._search import DATE_KEYS, FLAG_KEYS, NUMBER_KEYS, STRING_KEYS
from imaprs._servers import Dovecot, User, seed_mailbox
from imaprs.testing import ScriptedServer

# Three messages of our own, far apart in time, after the corpus.
OWN = [
    (
        b"From: Ann <ann@example.com>\r\nSubject: =?utf-8?q?R=C3=BCckfrage?= Angebot\r\n"
        b"X-Ticket: 4711\r\n\r\nshort\r\n",
        ("$Urgent",),
        datetime.datetime(2019, 6, 15, 12, 0, tzinfo=datetime.timezone.utc),
    ),
    (
        b"From: bob@example.org\r\nSubject: plain\r\n\r\n" + b"long line of text\r\n" * 200,
        ("\\Seen",),
        datetime.datetime(2021, 3, 10, 12, 0, tzinfo=datetime.timezone.utc),
    ),
    (
        b"From: Ann <ann@example.com>\r\nSubject: again\r\nX-Ticket: 9\r\n\r\nbody\r\n",
        ("\\Flagged", "\\Seen"),
        datetime.datetime(2026, 1, 5, 12, 0, tzinfo=datetime.timezone.utc),
    ),
]


def connect(dovecot: Dovecot, user: User) -> IMAP4:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=30)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def load(dovecot: Dovecot, user: User, imap: IMAP4) -> List[Tuple[bytes, Set[str]]]:
    """Delivers the corpus and appends our own messages; returns (bytes, flags) of each
    message by number, as the server stores them."""
    seed_mailbox(dovecot, user.name, 40)
    for data, flags, when in OWN:
        imap.append("INBOX", data, flags, when.timestamp())
    imap.examine("INBOX")
    stored: Dict[int, Tuple[bytes, Set[str]]] = {}
    for rsp in imap.fetch("1:*", "FLAGS", "BODY.PEEK[]").queue:
        items = dict(zip(rsp[2][::2], rsp[2][1::2]))
        stored[rsp[0]] = (items["BODY[]"], set(items["FLAGS"]) - {"\\Recent"})
    imap.close(expunge=False)
    return [stored[n] for n in sorted(stored)]


def matching(messages: List[Tuple[bytes, Set[str]]], test: Any) -> List[int]:
    return [n for n, (data, flags) in enumerate(messages, 1) if test(data, flags)]


def header(data: bytes, name: str) -> str:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return str(msg.get(name, ""))


def test_q_against_real_mail(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        messages = load(dovecot, dovecot_user, imap)
        imap.select("INBOX")
        # Where our own messages landed.
        a, b, c = (1 + [d for d, _ in messages].index(data) for data, _, _ in OWN)

        def search(*criteria: Any) -> List[int]:
            return imap.search(*criteria).data  # type: ignore[no-any-return]

        unseen = matching(messages, lambda d, f: "\\Seen" not in f)
        assert search(Q(unseen=True)) == unseen
        assert search(~Q(seen=True)) == unseen
        assert search(Q(seen=False)) == unseen
        flagged = matching(messages, lambda d, f: "\\Flagged" in f)
        assert search(Q(flagged=True)) == flagged
        assert search(Q(flagged=True) | Q(unseen=True)) == sorted(set(flagged) | set(unseen))
        assert search(Q(flagged=True) & Q(seen=True)) == sorted(set(flagged) - set(unseen))

        rueck = matching(messages, lambda d, f: "rückfrage" in header(d, "Subject").lower())
        assert a in rueck
        assert search(Q(subject="Rückfrage")) == rueck
        assert search(Q(subject="RÜCKFRAGE")) == rueck  # the server folds case
        ann = matching(messages, lambda d, f: "ann@example.com" in header(d, "From"))
        assert ann == sorted([a, c])
        assert search(Q(from_="ann@example.com")) == ann
        assert search(Q(from_="ann@example.com", flagged=True)) == [c]
        mutt = matching(messages, lambda d, f: "Mutt" in header(d, "X-Mailer"))
        assert mutt and search(Q.header("X-Mailer", "Mutt")) == mutt
        assert search(Q.header("X-Ticket")) == sorted([a, c])
        assert search(Q(keyword="$Urgent")) == [a]
        assert search(Q(unkeyword="$Urgent"), Q.seq([a, b, c])) == sorted([b, c])

        sizes = [len(data) for data, _ in messages]
        limit = sorted(sizes)[len(sizes) // 2]
        assert search(Q(larger=limit)) == [i for i, s in enumerate(sizes, 1) if s > limit]
        assert search(Q(smaller=limit)) == [i for i, s in enumerate(sizes, 1) if s < limit]

        # Dates: INTERNALDATE of our own messages (the corpus is all from September 2020).
        assert search(Q(before=datetime.date(2020, 1, 1))) == [a]
        assert search(Q(since=datetime.date(2021, 1, 1))) == sorted([b, c])
        assert search(Q(on=datetime.date(2021, 3, 10))) == [b]
        when = datetime.datetime(2025, 12, 31, 23, 0, tzinfo=datetime.timezone.utc)
        assert search("SINCE", when) == [c]  # a datetime is sent as its date
        assert search("SINCE", datetime.date(2021, 1, 1), "FROM", "ann") == [c]

        # Numbers and sets.
        assert search(3) == [3]
        assert search(IMAP4SeqSet([2, 5, 9])) == [2, 5, 9]
        uids = imap.search(Q.seq([b, c]), uid=True).data
        assert len(uids) == 2
        assert imap.search(Q.uid(uids), uid=True).data == uids
        assert search(Q.uid(uids) & Q(flagged=True)) == [c]

        # The server's order: SORT and ESEARCH.
        everything = list(range(1, len(messages) + 1))
        assert imap.sort("REVERSE ARRIVAL", Q(unseen=True)).data == unseen[::-1]
        since = datetime.date(2021, 1, 1)
        assert imap.sort(["ARRIVAL"], "SINCE", since).data == sorted([b, c])
        assert imap.search(Raw("RETURN (ALL)"), Q(all=True)).data.all == everything
        assert list(imap.search(Q(unseen=True), wait=False).items()) == unseen


def test_values_never_become_syntax() -> None:
    for bad in ("a\r\nb", "x\n", "nul\0"):
        with pytest.raises(ValueError):
            Q(subject=bad)
        with pytest.raises(ValueError):
            Q.header(bad, "v")
    for bad_keyword in ("two words", "(x", "a]", "", 'q"', "ü"):
        with pytest.raises(ValueError):
            Q(keyword=bad_keyword)
    for bad_set in ("1 OR 2", "1:*)", ""):
        with pytest.raises(ValueError):
            Q.uid(bad_set)
    with pytest.raises(TypeError):
        Q(since="2026-01-01")  # a date, not text
    with pytest.raises(TypeError):
        Q(larger="1000")
    with pytest.raises(TypeError):
        Q(nosuchkey=True)
    with pytest.raises(TypeError):
        Q(unseen=1)
    assert str(Q(subject='a "b" \\ c')) == 'SUBJECT "a \\"b\\" \\\\ c"'
    assert repr(Q(since=datetime.date(2026, 2, 1))) == "Q<SINCE 1-Feb-2026>"
    assert str(Q(before=datetime.date(99, 12, 31))) == "BEFORE 31-Dec-0099"  # date-year is 4DIGIT


def test_wire_form_and_charset() -> None:
    """Non-ASCII values make the command CHARSET UTF-8 and go as literals; after ENABLE
    UTF8=ACCEPT they go as UTF-8 quoted strings without CHARSET."""
    seen: List[Tuple[str, List[bytes]]] = []

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "LITERAL+", "ENABLE")
        for _ in range(3):
            cmd = srv.next_command()
            seen.append((cmd.args, cmd.literals))
            if cmd.name == "ENABLE":
                srv.send("* ENABLED UTF8=ACCEPT")
            else:
                srv.send("* SEARCH 2 1")
            srv.ok(cmd.tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        imap.state = "selected"
        assert imap.search(Q(subject="Rückfrage", unseen=True)).data == [2, 1]
        imap.state = "auth"
        imap.enable("UTF8=ACCEPT")
        imap.state = "selected"
        imap.search(Q(subject="Rückfrage") | Q(from_="a@b"))
        imap.logout()
    assert seen[0] == ("CHARSET UTF-8 SUBJECT {10+} UNSEEN", ["Rückfrage".encode()])
    assert seen[2] == ('OR SUBJECT "Rückfrage" FROM a@b', [])


# -- the property: encode, parse back, compare ----------------------------------------------

_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\+?\}\r\n$|([^\s()"]+))')


def tokens(parts: List[Any]) -> List[Any]:
    """The tokens of an encoded command: str for atoms, ('q', text) for strings, nested
    lists for parenthesised lists."""
    flat: List[Any] = []
    pending_literal = False
    for part in parts:
        if isinstance(part, tuple):
            assert pending_literal
            flat.append(("q", part[0].decode()))
            pending_literal = False
            continue
        pos = 0
        data = part.rstrip(b"\r\n") if not part.endswith(b"}\r\n") else part
        while pos < len(data):
            m = _TOKEN.match(data, pos)
            assert m is not None, data[pos:]
            pos = m.end()
            if m.group(1):
                flat.append("(")
            elif m.group(2):
                flat.append(")")
            elif m.group(3) is not None:
                flat.append(("q", re.sub(rb"\\(.)", rb"\1", m.group(3)).decode()))
            elif m.group(4):
                pending_literal = True
            elif m.group(5):
                flat.append(m.group(5).decode())
            if data[pos:].strip() == b"":
                break
    out: List[Any] = [[]]
    for tok in flat:
        if tok == "(":
            out.append([])
        elif tok == ")":
            inner = out.pop()
            out[-1].append(inner)
        else:
            out[-1].append(tok)
    return out[0]


def text(tok: Any) -> str:
    return tok[1] if isinstance(tok, tuple) else str(tok)


def parse_keys(toks: List[Any]) -> Any:
    keys = []
    while toks:
        keys.append(parse_key(toks))
    return keys[0] if len(keys) == 1 else ("AND", keys)


def parse_key(toks: List[Any]) -> Any:
    tok = toks.pop(0)
    if isinstance(tok, list):
        return parse_keys(tok)
    word = text(tok).upper()
    if word in FLAG_KEYS:
        return ("KEY", word)
    if word == "NOT":
        return ("NOT", parse_key(toks))
    if word == "OR":
        return ("OR", parse_key(toks), parse_key(toks))
    if word == "HEADER":
        return ("HEADER", text(toks.pop(0)), text(toks.pop(0)))
    if word in STRING_KEYS:
        return (word, text(toks.pop(0)))
    if word in NUMBER_KEYS:
        return (word, int(text(toks.pop(0))))
    if word in DATE_KEYS or word in ("KEYWORD", "UNKEYWORD", "UID"):
        return (word, text(toks.pop(0)))
    return ("SET", text(tok))


_values = st.text(st.characters(blacklist_characters="\r\n\0", blacklist_categories=("Cs",)))
_atoms = st.text(st.sampled_from("abcXYZ$_-.0189!#&'+,/;<=>?@^`|~"), min_size=1)
_sets = st.lists(st.integers(1, 2**32 - 1), min_size=1).map(IMAP4SeqSet)
_leaves = st.one_of(
    st.builds(lambda k, v: Q(**{k.lower(): v}), st.sampled_from(sorted(FLAG_KEYS)), st.booleans()),
    st.builds(
        lambda k, v: Q(**{k.lower() + "_": v}), st.sampled_from(sorted(STRING_KEYS)), _values
    ),
    st.builds(lambda k, v: Q(**{k.lower(): v}), st.sampled_from(sorted(DATE_KEYS)), st.dates()),
    st.builds(
        lambda k, v: Q(**{k.lower(): v}),
        st.sampled_from(sorted(NUMBER_KEYS)),
        st.integers(0, 2**63 - 1),
    ),
    st.builds(lambda v: Q(keyword=v), _atoms),
    st.builds(lambda v: Q(unkeyword=v), _atoms),
    st.builds(Q.header, _values, _values),
    st.builds(Q.uid, _sets),
    st.builds(Q.seq, _sets),
)
_criteria = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.builds(lambda a, b: a & b, inner, inner),
        st.builds(lambda a, b: a | b, inner, inner),
        st.builds(lambda a: ~a, inner),
    ),
    max_leaves=12,
)


def normal(node: Any) -> Any:
    """AND nested in AND is the same search."""
    kind = node[0]
    if kind == "AND":
        terms: List[Any] = []
        for term in node[1]:
            term = normal(term)
            terms += term[1] if term[0] == "AND" else [term]
        return ("AND", terms) if len(terms) != 1 else terms[0]
    if kind == "OR":
        return ("OR", normal(node[1]), normal(node[2]))
    if kind == "NOT":
        return ("NOT", normal(node[1]))
    return node


def test_encoded_criteria_parse_back(dovecot: Dovecot, dovecot_user: User) -> None:
    """The real encoder (LITERAL+ on): whatever the values, the command holds exactly the
    criteria that were built."""
    with connect(dovecot, dovecot_user) as imap:
        encode = imap._conn.encode
        cases: Dict[str, int] = {"literal": 0}

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
        @given(_criteria)
        def check(q: Q) -> None:
            parts = encode("A1", "SEARCH", q.args())
            assert parts[0].startswith(b"A1 SEARCH ")
            parts[0] = parts[0][len(b"A1 SEARCH ") :]
            cases["literal"] += any(isinstance(p, tuple) for p in parts)
            assert normal(parse_keys(tokens(parts))) == normal(q.node)

        check()
        assert cases["literal"] > 0  # non-ASCII values were sent as literals


def test_search_answers_kinds() -> None:
    """SEARCH with MODSEQ: the numbers; ESEARCH: an ESearchResult of what was asked for,
    with a correlator, UID, PARTIAL (RFC 9394), or nothing at all."""

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "ESEARCH", "CONDSTORE")
        cmd = srv.next_command()
        srv.send("* SEARCH 9 3 5 (MODSEQ 917162500)")
        srv.ok(cmd.tag)
        cmd = srv.next_command()
        assert (cmd.name, cmd.args) == ("UID SEARCH", "RETURN (ALL COUNT) ALL"), cmd
        srv.send(f'* ESEARCH (TAG "{cmd.tag}") UID ALL 4:6,10 COUNT 4')
        srv.ok(cmd.tag)
        cmd = srv.next_command()
        srv.send(f'* ESEARCH (TAG "{cmd.tag}") MIN 2 MAX 40 COUNT 7 MODSEQ 917162500')
        srv.ok(cmd.tag)
        cmd = srv.next_command()
        srv.send(f'* ESEARCH (TAG "{cmd.tag}") UID PARTIAL (-1:-3 90,95:96) COUNT 12')
        srv.ok(cmd.tag)
        cmd = srv.next_command()
        srv.send(f'* ESEARCH (TAG "{cmd.tag}")')  # nothing matched
        srv.ok(cmd.tag)
        cmd = srv.next_command()
        srv.ok(cmd.tag)  # nothing at all
        cmd = srv.next_command()
        srv.send("* SEARCH 1 2")  # RETURN ignored
        srv.ok(cmd.tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        imap.state = "selected"
        assert imap.search(Q(modseq=1)).data == [9, 3, 5]
        got = imap.search(Raw("RETURN (ALL COUNT)"), Q(all=True), uid=True).data
        assert got == ESearchResult(all=[4, 5, 6, 10], count=4, uid=True)
        assert (got.min, got.max, got.modseq, got.partial) == (None, None, None, None)
        got = imap.search(Raw("RETURN (MIN MAX COUNT)"), Q(modseq=5)).data
        assert got == ESearchResult(count=7, min=2, max=40, modseq=917162500)
        items = list(imap.search(Raw("RETURN (PARTIAL -1:-3 COUNT)"), uid=True, wait=False).items())
        assert items == [ESearchResult(count=12, partial=((-1, -3), [90, 95, 96]), uid=True)]
        assert imap.search(Raw("RETURN (COUNT)"), Q(seen=True)).data == ESearchResult()
        assert imap.search(Raw("RETURN (COUNT)"), Q(seen=True)).data == ESearchResult()
        assert imap.search(Raw("RETURN (ALL)")).data == ESearchResult(all=[1, 2])
        imap.logout()
    assert pickle.loads(pickle.dumps(got)) == got
    assert "count=7" in repr(got)


def test_esearch_against_dovecot(dovecot: Dovecot, dovecot_user: User) -> None:
    """Dovecot's ESEARCH answers (RFC 4731), with CONDSTORE's MODSEQ, as typed values."""
    for n in range(6):
        flags = "S" if n % 2 else ""
        dovecot.deliver(
            dovecot_user.name, f"Subject: m{n}\r\n\r\nbody {n}\r\n".encode(), flags=flags
        )
    with connect(dovecot, dovecot_user) as imap:
        assert "ESEARCH" in imap.caps
        imap.select("INBOX")
        imap.store("2", "-FLAGS", "\\Seen")
        every = imap.search(Raw("RETURN (MIN MAX COUNT ALL)"), Q(all=True)).data
        assert every == ESearchResult(all=[1, 2, 3, 4, 5, 6], count=6, min=1, max=6)
        unseen = imap.search(Raw("RETURN (MIN MAX COUNT ALL)"), Q(unseen=True), uid=True).data
        uids = imap.search(Q(unseen=True), uid=True).data
        assert uids == [1, 2, 3, 5]  # plain SEARCH: still a list
        assert unseen.all == uids and unseen.uid
        assert (unseen.count, unseen.min, unseen.max) == (4, 1, 5)
        counted = imap.search(Raw("RETURN (COUNT)"), Q(subject="m4")).data
        assert counted == ESearchResult(count=1)
        none = imap.search(Raw("RETURN (MIN MAX COUNT ALL)"), Q(subject="nowhere")).data
        assert none.all == [] and none.min is None and none.max is None
        assert none.count in (0, None)
        with_modseq = imap.search(Raw("RETURN (ALL)"), Q(modseq=1)).data
        assert with_modseq.all == [1, 2, 3, 4, 5, 6] and with_modseq.modseq is not None


@pytest.mark.parametrize("module", [imaprs._search, imaprs._mailbox])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert tried > 0 and failures == 0
