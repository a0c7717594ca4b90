"""The command encoder: every argument of both faces goes out as its grammar allows, or the
call raises InvalidArgument (a ValueError) before a byte is written."""

from __future__ import annotations

import re
from typing import Any, Iterator, List, Tuple, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import imaprs
import imaprs.imaplib
from imaprs import IMAP4, Raw
from imaprs._args import Atom, Flags, Number, Number64, Secret, SequenceSet
from imaprs.errors import InvalidArgument
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "LITERAL+", "UIDPLUS", "QUOTA", "CONDSTORE", "AUTH=PLAIN")


def client_lines(server: ScriptedServer) -> bytes:
    return b"".join(data for side, data in server.transcript if side == "C")


# -- a server's reading of a command, literal-aware ------------------------------------------

Node = Union[Tuple[str, bytes], List[Any]]
_LITERAL = re.compile(rb"~?\{(\d+)\+?\}\r\n")


def read_command(wire: bytes) -> Tuple[bytes, List[Node]]:
    """Reads ``wire`` as exactly one command: its tag and its words as ("atom"|"quoted"|
    "literal", bytes) pairs and lists. Raises ValueError when it is not one command."""
    pos = 0

    def take_word() -> bytes:
        nonlocal pos
        end = pos
        while end < len(wire) and wire[end : end + 1] not in (b" ", b")", b"\r"):
            if wire[end : end + 1] in (b"\n", b"\0", b'"', b"(", b"{"):
                raise ValueError(f"bad byte in a word at {end}")
            end += 1
        word, pos = wire[pos:end], end
        if not word:
            raise ValueError(f"empty word at {end}")
        return word

    tag = take_word()
    stack: List[List[Node]] = [[]]
    while True:
        if wire[pos : pos + 2] == b"\r\n" and len(stack) == 1:
            pos += 2
            break
        if wire[pos : pos + 1] == b")" and len(stack) > 1:
            pos += 1
            done = stack.pop()
            stack[-1].append(done)
            continue
        if not (len(stack) > 1 and not stack[-1] and wire[pos - 1 : pos] == b"("):
            if wire[pos : pos + 1] != b" ":
                raise ValueError(f"expected a space at {pos}")
            pos += 1
        c = wire[pos : pos + 1]
        if c == b"(":
            pos += 1
            stack.append([])
        elif c == b'"':
            pos += 1
            out = bytearray()
            while True:
                b = wire[pos : pos + 1]
                if b == b'"':
                    pos += 1
                    break
                if b == b"\\":
                    e = wire[pos + 1 : pos + 2]
                    if e not in (b"\\", b'"'):
                        raise ValueError("bad escape")
                    out += e
                    pos += 2
                elif b in (b"", b"\r", b"\n", b"\0"):
                    raise ValueError("bad byte in a quoted string")
                else:
                    out += b
                    pos += 1
            stack[-1].append(("quoted", bytes(out)))
        elif (m := _LITERAL.match(wire, pos)) is not None:
            n = int(m.group(1))
            start = m.end()
            if start + n > len(wire):
                raise ValueError("literal cut short")
            stack[-1].append(("literal", wire[start : start + n]))
            pos = start + n
        else:
            stack[-1].append(("atom", take_word()))
    if pos != len(wire):
        raise ValueError("bytes after the command")
    return tag, stack[0]


def one_command(wire: bytes) -> bool:
    """True when a server framing ``wire`` (lines, and literals after their headers) finds
    exactly one command, ending with the last byte."""
    pos = 0
    while True:
        end = wire.find(b"\r\n", pos)
        if end < 0 or b"\n" in wire[pos:end]:
            return False
        header = re.search(rb"\{(\d+)\+?\}$", wire[pos:end])
        if header is None:
            return end + 2 == len(wire)
        pos = end + 2 + int(header.group(1))


def expected(arg: Any) -> Any:
    """What a server reads back for an accepted argument: ("text", bytes) matches an atom,
    a quoted string or a literal."""
    if arg is None:
        return ("atom", b"NIL")
    if isinstance(arg, Secret):
        pytest.fail("a Secret is read before it is sent")
    if isinstance(arg, (Atom, SequenceSet)):
        return ("atom", arg.encode())
    if isinstance(arg, Flags):
        return [("atom", f.encode()) for f in arg]
    if isinstance(arg, str):
        return ("text", arg.encode())
    if isinstance(arg, bytes):
        return ("literal", arg)
    if isinstance(arg, int):
        return ("atom", str(int(arg)).encode())
    return [expected(a) for a in arg]


def same(want: Any, got: Any) -> bool:
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(same, want, got))
    if isinstance(got, list):
        return False
    if want[0] == "text":
        return got[1] == want[1]
    return bool(want == got)


# -- property: encode(x) reads back as x, or raises ------------------------------------------

texts = st.text(alphabet=st.sampled_from('aZ09 \\"(){}[]%*\r\n\0~+$é:,'), max_size=8)
leaves = st.one_of(
    st.none(),
    texts,
    st.binary(max_size=8),
    st.integers(min_value=-2, max_value=2**64 + 1),
    texts.map(Atom),
    st.lists(texts, max_size=3).map(Flags),
    texts.map(SequenceSet),
    st.integers(min_value=0, max_value=2**33).map(Number),
    st.integers(min_value=2**63 - 2, max_value=2**63 + 2).map(Number64),
    texts.map(Raw),
)
arguments = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@pytest.fixture(scope="module")
def conn() -> Iterator[Any]:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect_logout()

    with ScriptedServer(script=script, timeout=600) as server:
        imap = IMAP4(server.address, timeout=5)
        yield imap._conn
        imap.logout()
        assert client_lines(server).count(b"\r\n") == 1  # only LOGOUT was written


@settings(max_examples=400, deadline=None)
@given(args=st.lists(arguments, max_size=6), name=st.sampled_from(["X", "UID FETCH"]))
def test_encoded_commands_read_back_as_sent(conn: Any, args: List[Any], name: str) -> None:
    try:
        parts = conn.encode("T1", name, args)
    except (ValueError, TypeError) as exc:
        assert isinstance(exc, InvalidArgument) or "cannot send" in str(exc)
        return
    wire = b"".join(p if isinstance(p, bytes) else p[0] for p in parts)
    assert b"\0" not in wire
    assert one_command(wire)
    if any(isinstance(a, Raw) for a in _flat(args)):
        return  # raw syntax reads back as whatever it says: one command is the property
    tag, words = read_command(wire)
    assert tag == b"T1"
    assert words[: len(name.split())] == [("atom", w.encode()) for w in name.split()]
    got = words[len(name.split()) :]
    want = [expected(a) for a in args]
    assert same(want, got), (want, got)


def _flat(args: Any) -> Iterator[Any]:
    for a in args:
        if isinstance(a, list):
            yield from _flat(a)
        else:
            yield a


# -- nothing is written when a call is refused ------------------------------------------------


def test_native_refusals_write_nothing() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("SELECT").tag
        s.send("* 3 EXISTS")
        s.ok(tag, "[READ-WRITE] selected")
        tag = s.expect("NOOP").tag
        s.ok(tag)
        s.expect_logout()

    refused = [
        lambda imap: imap.fetch("1:5 (FLAGS)"),
        lambda imap: imap.fetch("0"),
        lambda imap: imap.fetch("1:*:3"),
        lambda imap: imap.fetch("1 2"),
        lambda imap: imap.fetch("1\r\nA DELETE x"),
        lambda imap: imap.fetch("1", changedsince=-1),
        lambda imap: imap.fetch("1", changedsince=2**64),
        lambda imap: imap.fetch("1", changedsince="1\r\n"),
        lambda imap: imap.store("1", "+FLAGS", "two words"),
        lambda imap: imap.store("1", "+FLAGS", "\\Seen)"),
        lambda imap: imap.store("1", "+FLAGS", "a\r\nb"),
        lambda imap: imap.store("1", "+FLAGS (x)", "\\Seen"),
        lambda imap: imap.store("1", "+FLAGS", "\\Seen", unchangedsince=2**63),
        lambda imap: imap.copy("1:5 (FLAGS)", "INBOX"),
        lambda imap: imap.expunge(uids="1 2"),
        lambda imap: imap.setquota("root", ("STORAGE", -1)),
        lambda imap: imap.setquota("root", ("STORAGE", "1\r\n")),
        lambda imap: imap.search("TEXT", "a\0b"),
        lambda imap: imap.append("INBOX", b"a\0b"),
        lambda imap: imap.append("INBOX", b"x", flags=["\\Seen", "a b"]),
        lambda imap: imap("NOOP\r\nX1 DELETE a"),
        lambda imap: imap("X", Raw("TEXT {5}")),
        lambda imap: imap("X", Raw("TEXT {5+}")),
        lambda imap: imap("X", Raw("a\r\nb")),
        lambda imap: imap("X", 2**64),
        lambda imap: imap("X", -1),
        lambda imap: imap("X", Number(2**32)),
    ]
    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        before = client_lines(server)
        for call in refused:
            with pytest.raises(ValueError):
                call(imap)
        imap.noop()
        imap.logout()
    after = client_lines(server)[len(before) :]
    assert re.fullmatch(rb"\S+ NOOP\r\n\S+ LOGOUT\r\n", after), after


def test_the_password_is_not_kept_on_the_command() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        command = s.expect("LOGIN")
        assert command.args == '"alice" "s3cret pass"'
        s.no(command.tag, "[AUTHENTICATIONFAILED] wrong")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.NO) as info:
            imap.login("alice", "s3cret pass", allow_cleartext=True)
        command = info.value.command
        assert "s3cret" not in repr(command.args) and "s3cret" not in str(info.value)
        assert "<secret>" in repr(command.args)
        imap.logout()


def test_drop_in_refusals_write_nothing() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.capabilities(s.expect("CAPABILITY").tag, *CAPS)
        tag = s.expect("SELECT").tag
        s.send("* 3 EXISTS")
        s.ok(tag, "[READ-WRITE] selected")
        tag = s.expect("NOOP").tag
        s.ok(tag)
        s.expect_logout()

    refused = [
        lambda M: M.xatom("NOOP\r\nX1 DELETE a"),
        lambda M: M.xatom("NOOP X1\0"),
        lambda M: M.search(None, "TEXT {5}"),
        lambda M: M.search(None, "TEXT x\r\n"),
        lambda M: M.append("INBOX", None, None, b"a\0b"),
        lambda M: M.fetch("1", "(FLAGS) {3+}"),
    ]
    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        M.select("INBOX")
        before = client_lines(server)
        for call in refused:
            with pytest.raises(ValueError):
                call(M)
        assert M.noop()[0] == "OK"
        M.logout()
    after = client_lines(server)[len(before) :]
    assert re.fullmatch(rb"\S+ NOOP\r\n\S+ LOGOUT\r\n", after), after


def test_drop_in_debug_shows_no_password(capsys: pytest.CaptureFixture[str]) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS)
        s.capabilities(s.expect("CAPABILITY").tag, *CAPS)
        command = s.expect("LOGIN")
        assert command.args == 'alice "s3cret"'
        s.ok(command.tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address)
        M.debug = 5
        M.login("alice", "s3cret")
        M.logout()
    err = capsys.readouterr().err
    assert "LOGIN alice <secret>" in err and "s3cret" not in err


# -- the drop-in: whatever the arguments, one command line or ValueError ----------------------


class _Recorder(imaprs.imaplib._protocol.Protocol):
    """The drop-in's command writer alone, recording what it sends."""

    def __init__(self) -> None:
        self.state = "SELECTED"
        self.tagpre = b"TAG"
        self.tagged_commands = {}
        self.untagged_responses = {}
        self._history = []
        self._set_mode(utf8=False)
        self.sent: List[bytes] = []
        self.send = self.sent.append  # type: ignore[method-assign]


drop_in_args = st.lists(
    st.one_of(st.none(), texts, texts.map(str.encode)),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(name=texts, args=drop_in_args)
def test_drop_in_writes_one_command_or_raises(name: str, args: List[Any]) -> None:
    proto = _Recorder()
    commands = imaprs.imaplib._helpers.Commands
    added = name not in commands
    commands.setdefault(name, ("SELECTED",))
    try:
        proto._command(name, *args)
    except ValueError:
        assert proto.sent == []
        return
    finally:
        if added:
            del commands[name]
    wire = b"".join(proto.sent)
    assert one_command(wire) and b"\0" not in wire
    assert wire.split(b" ", 1)[1].startswith(name.encode())


def test_the_initial_response_is_not_kept_on_the_command() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "SASL-IR"))
        command = s.expect("AUTHENTICATE")
        assert command.args == "PLAIN AGFsaWNlAHMzY3JldA=="
        s.no(command.tag, "[AUTHENTICATIONFAILED] wrong")
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=5)
        with pytest.raises(imaprs.NO) as info:
            imap.authenticate("PLAIN", username="alice", secret="s3cret", allow_cleartext=True)
        shown = repr(info.value.command.args)
        assert "AGFsaWNl" not in shown and "<secret>" in shown
        imap.logout()


def test_session_command_tags_encodes_and_tracks_in_one_call() -> None:
    session = imaprs._imaprs._Session()
    tag, wire = session.command(
        "UID FETCH", "UID FETCH", [SequenceSet("1:5"), Raw("(FLAGS)")], "1:5"
    )
    assert wire == f"{tag} UID FETCH 1:5 (FLAGS)\r\n".encode()  # one line: the bytes
    assert session.in_flight == 1 and session.conflicts("UID FETCH", "3")
    tag2, parts = session.command("APPEND", "APPEND", ["INBOX", b"Subject: x\r\n\r\n"])
    assert tag2 != tag and isinstance(parts, list)  # a synchronising literal: the parts
    assert parts[0] == f"{tag2} APPEND INBOX {{14}}\r\n".encode()
    assert parts[1] == (b"Subject: x\r\n\r\n", True)
    with pytest.raises(InvalidArgument):
        session.command("SELECT", "SELECT", ["a\0b"])
    assert session.in_flight == 2  # the refused command left nothing tracked
