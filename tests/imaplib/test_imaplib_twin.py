"""imaprs.imaplib against the standard library's imaplib: one scenario run twice against the
real Dovecot (a fresh user each time), every method's result compared."""

from __future__ import annotations

import imaplib as std_imaplib
import re
from types import ModuleType
from typing import Any, Callable, List, Tuple

import pytest

import imaprs.imaplib as rs_imaplib
from imaprs._servers import Dovecot, User

MODULES = [std_imaplib, rs_imaplib]
WHEN = 1709649000  # an INTERNALDATE for the appended messages


def normalise(value: Any, user: str) -> Any:
    """Takes out what differs from run to run: timings, UIDVALIDITY, the user's name."""
    if isinstance(value, (list, tuple)):
        return type(value)(normalise(v, user) for v in value)
    if isinstance(value, bytes):
        text = value
        text = re.sub(rb"\(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)", b"(T)", text)
        text = re.sub(rb"(UIDVALIDITY|APPENDUID|COPYUID) \d+", rb"\1 N", text)
        return text.replace(user.encode(), b"USER")
    if isinstance(value, str):
        return normalise(value.encode(), user).decode()
    return value


def run(mod: ModuleType, dovecot: Dovecot, user: User, steps: Callable[[Any, Callable], None]):
    """Runs ``steps(M, call)`` where ``call(label, fn, *args)`` records each outcome."""
    out: List[Tuple[str, Any]] = []

    def call(label: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            result = fn(*args, **kw)
        except Exception as exc:  # both libraries' exceptions are recorded and compared
            kinds = ("readonly", "abort", "error")
            kind = next((k for k in kinds if isinstance(exc, getattr(mod.IMAP4, k))), None)
            kind = kind or type(exc).__name__
            out.append((label, ("raised", kind, normalise(str(exc), user.name))))
            return None
        out.append((label, normalise(result, user.name)))
        return result

    M = mod.IMAP4(dovecot.host, dovecot.port, timeout=20)
    steps(M, call)
    return out


def mail(i: int) -> bytes:
    return (
        f"From: Sender {i} <s{i}@example.com>\r\nTo: you@example.com\r\n"
        f"Subject: {['alpha', 'bravo', 'charlie'][i % 3]} {i}\r\n"
        f"Message-ID: <{i}@example.com>\r\n\r\nBody of message {i}.\r\n"
    ).encode()


def test_every_method_gives_what_imaplib_gives(dovecot: Dovecot) -> None:
    def steps(M: Any, call: Callable[..., Any]) -> None:
        call("welcome", lambda: M.welcome)
        call("state", lambda: (M.state, M.PROTOCOL_VERSION, M.capabilities))
        call("wrong state", M.select, "INBOX")
        user = M._twin_user
        call("login", M.login, user.name, user.password)
        call("state after login", lambda: (M.state, M.capabilities))
        call("capability", M.capability)
        call("namespace", M.namespace)
        call("create", M.create, "Work")
        call("create child", M.create, "Work/Old")
        call("create exists", M.create, "Work")
        call("list", M.list)
        call("list pattern", M.list, '""', "Work*")
        call("subscribe", M.subscribe, "Work")
        call("lsub", M.lsub)
        call("unsubscribe", M.unsubscribe, "Work")
        call("rename", M.rename, "Work/Old", "Work/Older")
        call("status", M.status, "INBOX", "(MESSAGES UNSEEN UIDNEXT)")
        for i in range(1, 5):
            call(f"append {i}", M.append, "INBOX", "\\Seen" if i % 2 else None, WHEN, mail(i))
        call("enable", M.enable, "CONDSTORE")
        call("select missing", M.select, "Nope")
        call("select", M.select, "INBOX")
        call("state selected", lambda: (M.state, M.is_readonly))
        call("response UIDVALIDITY", lambda: [d.isdigit() for d in M.response("UIDVALIDITY")[1]])
        call("response FLAGS", M.response, "FLAGS")
        call("recent", M.recent)
        call("search", M.search, None, "ALL")
        call("search charset", M.search, "UTF-8", "SUBJECT", "bravo")
        call("search unseen", M.search, None, "(UNSEEN)")
        call("fetch", M.fetch, "1:4", "(FLAGS INTERNALDATE RFC822.SIZE)")
        call("fetch headers", M.fetch, "1:2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
        call("fetch body", M.fetch, "3", "(UID BODY.PEEK[])")
        call("fetch envelope", M.fetch, "1", "(ENVELOPE BODYSTRUCTURE)")
        call("uid fetch", M.uid, "FETCH", "1:*", "(FLAGS)")
        call("uid search", M.uid, "SEARCH", "ALL")
        call("store", M.store, "1", "+FLAGS", "\\Flagged")
        call("store list", M.store, "1:2", "-FLAGS", "(\\Seen)")
        call("uid store", M.uid, "STORE", "2", "+FLAGS", "(\\Answered)")
        call("copy", M.copy, "1:2", "Work")
        call("uid copy", M.uid, "COPY", "3", "Work")
        call("sort", M.sort, "SUBJECT", "UTF-8", "ALL")
        call("uid sort", M.uid, "SORT", "(REVERSE DATE)", "UTF-8", "ALL")
        call("thread", M.thread, "REFERENCES", "UTF-8", "ALL")
        call("check", M.check)
        call("getacl", M.getacl, "Work")
        call("setacl", M.setacl, "Work", "bob", "lr")
        call("myrights", M.myrights, "Work")
        call("deleteacl", M.deleteacl, "Work", "bob")
        call("getquotaroot", M.getquotaroot, "INBOX")
        call("getquota", M.getquota, '"User quota"')
        call("setquota", M.setquota, '"User quota"', "(STORAGE 100)")
        call("getannotation", M.getannotation, "Work", "/comment", "value.priv")
        call("setannotation", M.setannotation, "Work", "/comment", '("value.priv" "x")')
        call("partial", M.partial, "1", "BODY[]", "0", "10")
        call("proxyauth", M.proxyauth, "bob")
        call("xatom", M.xatom, "ID", '("name" "twin")')
        call("untagged ID", lambda: M.untagged_responses.pop("ID", None))
        call("store deleted", M.store, "4", "+FLAGS", "(\\Deleted)")
        call("expunge", M.expunge)
        call("uid move", M.uid, "MOVE", "1", "Work")
        call("noop", M.noop)
        call("unselect", M.unselect)
        call("examine", M.select, "Work", readonly=True)
        call("readonly state", lambda: (M.state, M.is_readonly))
        call("store readonly", M.store, "1", "+FLAGS", "\\Seen")
        call("close", M.close)
        call("delete", M.delete, "Work/Older")
        call("untagged keys", lambda: sorted(M.untagged_responses))
        call("logout", M.logout)
        call("final state", lambda: M.state)

    _twin_with_users(dovecot, steps)


def _twin_with_users(dovecot: Dovecot, steps: Callable[[Any, Callable], None]) -> None:
    """``twin`` where each run's connection knows its own user as ``M._twin_user``."""
    results = []
    for mod in MODULES:
        user = dovecot.add_user()

        def bound(M: Any, call: Callable[..., Any], user: User = user) -> None:
            M._twin_user = user
            steps(M, call)

        results.append(run(mod, dovecot, user, bound))
    expected, got = results
    for (label, want), (label2, have) in zip(expected, got):
        assert label == label2
        assert have == want, f"{label}: imaplib gave {want!r}, imaprs.imaplib {have!r}"
    assert len(expected) == len(got)


def test_failures_give_what_imaplib_gives(dovecot: Dovecot) -> None:
    def steps(M: Any, call: Callable[..., Any]) -> None:
        user = M._twin_user
        call("wrong password", M.login, user.name, "wrong")
        call("login", M.login, user.name, user.password)
        call("bad command", M.fetch, "1", "(FLAGS)")
        call("select", M.select, "INBOX")
        call("bad fetch", M.fetch, "x", "(FLAGS)")
        call("uid unknown", M.uid, "FROB", "1")
        call("logout", M.logout)

    _twin_with_users(dovecot, steps)


@pytest.mark.parametrize("mod", MODULES, ids=["imaplib", "imaprs"])
def test_line_limit(dovecot: Dovecot, dovecot_user: User, mod: ModuleType, monkeypatch) -> None:
    M = mod.IMAP4(dovecot.host, dovecot.port)
    M.login(dovecot_user.name, dovecot_user.password)
    monkeypatch.setattr(mod, "_MAXLINE", 100)
    try:
        with pytest.raises(mod.IMAP4.error, match="got more than 100 bytes"):
            M.capability()
    finally:
        M.shutdown()


def test_control_characters_are_refused(dovecot: Dovecot, dovecot_user: User) -> None:
    M = rs_imaplib.IMAP4(dovecot.host, dovecot.port)
    M.login(dovecot_user.name, dovecot_user.password)
    args = ("INBOX", "a b", "(x)", '"y"', "")
    assert [M._checkquote(a) for a in args] == ["INBOX", '"a b"', "(x)", '"y"', '""']
    for bad in ("INBOX\r\nA1 DELETE INBOX", "a\0b", "x\ny"):
        with pytest.raises(ValueError, match="Control characters not allowed in commands"):
            M.create(bad)
    M.select("INBOX")
    with pytest.raises(ValueError, match="Control characters"):
        M.search(None, "SUBJECT", "x\r\nA2 LOGOUT")
    assert M.noop()[0] == "OK"
    assert M.create("Sent Items")[0] == "OK"  # quoted as needed (imaplib would send it bare)
    assert any(b'"Sent Items"' in line for line in M.list()[1])
    M.logout()


def test_context_manager_and_raw_io_give_what_imaplib_gives(dovecot: Dovecot) -> None:
    def steps(M: Any, call: Callable[..., Any]) -> None:
        user = M._twin_user
        call("login", M.login, user.name, user.password)
        tag = M._new_tag()
        call("send", M.send, tag + b" NOOP\r\n")
        call("readline", lambda: M.readline().split(b" ")[0] == tag)
        call("tagged_commands", lambda: [v for k, v in M.tagged_commands.items() if k != tag])
        del M.tagged_commands[tag]
        call("raw command", lambda: M._command_complete("NOOP", M._command("NOOP")))
        call("simple command", M._simple_command, "LIST", '""', "INBOX")
        call("untagged", M._untagged_response, "OK", [None], "LIST")
        call("quote", M._quote, 'a "b" \\c')
        call("timeout", lambda: M.socket().settimeout(5))
        call("uppercase alias", M.NOOP)
        call("debug", lambda: (M.debug, M.utf8_enabled, M.is_readonly, M.PROTOCOL_VERSION))
        with M:
            call("inside with", M.noop)
        call("after with", lambda: M.state)

    _twin_with_users(dovecot, steps)
