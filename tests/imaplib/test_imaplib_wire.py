"""Conversations Dovecot never has, run with the standard library's imaplib and with
imaprs.imaplib: both must send the same bytes, return or raise the same, and leave the same
state and collected responses behind (see ``wire_twins``)."""

from __future__ import annotations

from typing import Any, Callable, List, Sequence

import pytest
from wire_twins import CLOSE, GREETING, LINE, PREAUTH, RESET, Exchange, Reply, standard, twins

Action = Callable[[Any], Any]


def logged_in(M: Any) -> Any:
    return M.login("alice", "pw")


def selected(*more: Exchange) -> List[Exchange]:
    """CAPABILITY, then a SELECT of INBOX, then ``more``."""
    return [
        *standard(),
        (
            "SELECT",
            ["* 3 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 7] ok", "{tag} OK [READ-WRITE] x"],
        ),
        *more,
    ]


def after_select(action: Action) -> Action:
    def run(M: Any) -> Any:
        M.select()
        return action(M)

    return run


FETCH_BODY = [
    b"* 1 FETCH (UID 5 BODY[] {11}\r\nhello\r\nworld FLAGS (\\Seen))\r\n",
    b"* 2 FETCH (UID 6 BODY[] {0}\r\n)\r\n",
    b"* 3 FETCH (BODY[HEADER] {3}\r\nabc BODY[TEXT] {2}\r\nde)\r\n",
    "{tag} OK FETCH done",
]

CASES = {
    # --- greetings --------------------------------------------------------------------------
    "preauth greeting": (PREAUTH, standard(), lambda M: (M.state, M.welcome)),
    "bye greeting": (["* BYE too busy"], [], lambda M: M.state),
    "garbage greeting": (["HELLO there"], [], lambda M: M.state),
    "no capability response": (GREETING, [("CAPABILITY", ["{tag} OK none"])], lambda M: 1),
    "not imap4": (
        GREETING,
        [("CAPABILITY", ["* CAPABILITY SMTP", "{tag} OK done"])],
        lambda M: M.PROTOCOL_VERSION,
    ),
    "old imap4 server": (
        GREETING,
        [("CAPABILITY", ["* CAPABILITY IMAP4 AUTH=PLAIN", "{tag} OK done"])],
        lambda M: (M.PROTOCOL_VERSION, M.capabilities),
    ),
    # --- login and authenticate -------------------------------------------------------------
    "login quotes the password": (
        GREETING,
        [*standard(), ("LOGIN", ["{tag} OK [CAPABILITY IMAP4rev1 MOVE] in"])],
        lambda M: (M.login("al ice", 'p"w\\x'), M.state, M.untagged_responses),
    ),
    "wrong password": (
        GREETING,
        [*standard(), ("LOGIN", ["{tag} NO [AUTHENTICATIONFAILED] Authentication failed."])],
        logged_in,
    ),
    "login when already authenticated": (PREAUTH, standard(), logged_in),
    "authenticate with challenges": (
        GREETING,
        [
            *standard(),
            ("AUTHENTICATE", ["+ Y2hhbGxlbmdlIG9uZQ=="]),
            (LINE, ["+ "]),
            (LINE, ["{tag} OK [CAPABILITY IMAP4rev1] welcome"]),
        ],
        lambda M: M.authenticate("x-test", lambda c: c[::-1] + b"\0" if c else "done"),
    ),
    "authenticate cancelled": (
        GREETING,
        [
            *standard(),
            ("AUTHENTICATE", ["+ "]),
            (LINE, ["* OK noise", "{tag} BAD cancelled"]),
        ],
        lambda M: M.authenticate("PLAIN", lambda c: None),
    ),
    "authenticate refused at once": (
        GREETING,
        [*standard(), ("AUTHENTICATE", ["{tag} NO [AUTHENTICATIONFAILED] unsupported"])],
        lambda M: M.authenticate("FOO", lambda c: b"x"),
    ),
    "cram-md5": (
        GREETING,
        [
            *standard(),
            ("AUTHENTICATE", ["+ PDEyMzQ1QGhvc3Q+"]),
            (LINE, ["{tag} OK in"]),
        ],
        lambda M: M.login_cram_md5("tim", "tanstaaftanstaaf"),
    ),
    # --- responses and their shapes ---------------------------------------------------------
    "fetch with literals": (
        GREETING,
        selected(("FETCH", FETCH_BODY)),
        after_select(lambda M: M.fetch("1:3", "(UID BODY[])")),
    ),
    "uid fetch with literals": (
        GREETING,
        selected(("UID FETCH", FETCH_BODY)),
        after_select(lambda M: M.uid("fetch", "1:*", "(UID BODY[])")),
    ),
    "fetch returns nothing": (
        GREETING,
        selected(("FETCH", ["{tag} OK nothing"])),
        after_select(lambda M: M.fetch("9", "(FLAGS)")),
    ),
    "fetch refused": (
        GREETING,
        selected(("FETCH", ["* 1 FETCH (FLAGS ())", "{tag} NO no such message"])),
        after_select(lambda M: (M.fetch("1", "(FLAGS)"), M.untagged_responses)),
    ),
    "bad command": (
        GREETING,
        selected(("SEARCH", ["{tag} BAD [PARSE] what?"])),
        after_select(lambda M: M.search(None, "FROB")),
    ),
    "select keeps codes and counts": (
        GREETING,
        [
            *standard(),
            (
                "SELECT",
                [
                    "* FLAGS (\\Answered \\Flagged $Label])",
                    "* OK [PERMANENTFLAGS (\\Answered \\*)] Limited",
                    "* 172 EXISTS",
                    "* 1 RECENT",
                    "* OK [UNSEEN 12] Message 12 is first unseen",
                    "* OK [UIDVALIDITY 3857529045] UIDs valid",
                    "* OK [UIDNEXT 4392] Predicted next UID",
                    "{tag} OK [READ-WRITE] SELECT completed",
                ],
            ),
        ],
        lambda M: (
            M.select("INBOX"),
            M.response("UIDVALIDITY"),
            M.response("uidnext"),
            M.response("FLAGS"),
            M.recent(),
            M.response("PERMANENTFLAGS"),
        ),
    ),
    "select a missing mailbox": (
        GREETING,
        [*standard(), ("SELECT", ["{tag} NO [NONEXISTENT] Mailbox doesn't exist: Nope"])],
        lambda M: (M.select("Nope"), M.state),
    ),
    "select read-only": (
        GREETING,
        [*standard(), ("SELECT", ["* 2 EXISTS", "{tag} OK [READ-ONLY] SELECT completed"])],
        lambda M: M.select("INBOX"),
    ),
    "examine": (
        GREETING,
        [*standard(), ("EXAMINE", ["* 2 EXISTS", "{tag} OK [READ-ONLY] EXAMINE completed"])],
        lambda M: (M.select("INBOX", readonly=True), M.noop()),
    ),
    "mailbox becomes read-only": (
        GREETING,
        selected(("NOOP", ["* OK [READ-ONLY] now read-only", "{tag} OK done"])),
        after_select(lambda M: (M.noop(), M.store("1", "+FLAGS", "\\Seen"))),
    ),
    "expunge": (
        GREETING,
        selected(("EXPUNGE", ["* 3 EXPUNGE", "* 3 EXPUNGE", "* 1 EXPUNGE", "{tag} OK done"])),
        after_select(lambda M: M.expunge()),
    ),
    "expunge reported to noop": (
        GREETING,
        selected(("NOOP", ["* 2 EXPUNGE", "* 4 EXISTS", "* 1 RECENT", "{tag} OK done"])),
        after_select(lambda M: (M.noop(), M.response("EXPUNGE"), M.recent())),
    ),
    "recent asks the server": (
        GREETING,
        selected(("NOOP", ["* 5 RECENT", "{tag} OK done"])),
        after_select(lambda M: (M.response("RECENT"), M.recent(), M.recent())),
    ),
    "search and sort": (
        GREETING,
        selected(
            ("SEARCH", ["* SEARCH 2 3 5", "{tag} OK done"]),
            ("SEARCH", ["* SEARCH", "{tag} OK done"]),
            ("SORT", ["* SORT 5 3 2", "{tag} OK done"]),
            ("THREAD", ["* THREAD (2)(3 5)", "{tag} OK done"]),
            ("UID SEARCH", ["* SEARCH 12", "{tag} OK done"]),
        ),
        after_select(
            lambda M: (
                M.search("UTF-8", "SUBJECT", '"x y"'),
                M.search(None, "UNSEEN"),
                M.sort("REVERSE DATE", "UTF-8", "ALL"),
                M.thread("REFERENCES", "UTF-8", "ALL"),
                M.uid("SEARCH", "ALL"),
            )
        ),
    ),
    "store and copy": (
        GREETING,
        selected(
            ("STORE", ["* 1 FETCH (FLAGS (\\Seen))", "{tag} OK done"]),
            ("STORE", ["{tag} OK done"]),
            ("COPY", ["{tag} OK [COPYUID 7 1:2 10:11] done"]),
            ("UID MOVE", ["* OK [COPYUID 7 3 12] moved", "* 3 EXPUNGE", "{tag} OK done"]),
        ),
        after_select(
            lambda M: (
                M.store("1", "+FLAGS", "\\Seen"),
                M.store("2", "-FLAGS.SILENT", "(\\Seen \\Flagged)"),
                M.copy("1:2", "Archive"),
                M.response("COPYUID"),
                M.uid("MOVE", "3", "Archive"),
                M.response("EXPUNGE"),
            )
        ),
    ),
    "list, lsub, status, namespace": (
        PREAUTH,
        [
            *standard(),
            (
                "LIST",
                [
                    '* LIST (\\HasNoChildren) "/" INBOX',
                    b'* LIST () "/" {8}\r\nSent Box\r\n',
                    '* LIST (\\Noselect) "/" ""',
                    "{tag} OK done",
                ],
            ),
            ("LSUB", ["{tag} OK none"]),
            ("STATUS", ["* STATUS INBOX (MESSAGES 2 UNSEEN 1)", "{tag} OK done"]),
            ("NAMESPACE", ['* NAMESPACE (("" "/")) NIL NIL', "{tag} OK done"]),
        ],
        lambda M: (
            M.list(),
            M.lsub('""', "Work/%"),
            M.status("INBOX", "(MESSAGES UNSEEN)"),
            M.namespace(),
        ),
    ),
    "acl, quota and annotations": (
        PREAUTH,
        [
            *standard(),
            ("GETACL", ["* ACL INBOX alice lrswipkxtea", "{tag} OK done"]),
            ("SETACL", ["{tag} OK done"]),
            ("DELETEACL", ["{tag} NO no"]),
            ("MYRIGHTS", ["* MYRIGHTS INBOX lrs", "{tag} OK done"]),
            ("GETQUOTAROOT", ['* QUOTAROOT INBOX ""', '* QUOTA "" (STORAGE 10 512)', "{tag} OK x"]),
            ("GETQUOTA", ['* QUOTA "" (STORAGE 10 512)', "{tag} OK done"]),
            ("SETQUOTA", ["{tag} OK done"]),
            ("GETANNOTATION", ['* ANNOTATION INBOX "/comment" ("value.priv" "x")', "{tag} OK"]),
            ("SETANNOTATION", ["{tag} OK done"]),
        ],
        lambda M: (
            M.getacl("INBOX"),
            M.setacl("INBOX", "bob", "lr"),
            M.deleteacl("INBOX", "bob"),
            M.myrights("INBOX"),
            M.getquotaroot("INBOX"),
            M.getquota('""'),
            M.setquota('""', "(STORAGE 512)"),
            M.getannotation("INBOX", '"/comment"', '"value.priv"'),
            M.setannotation("INBOX", '"/comment"', '("value.priv" "y")'),
        ),
    ),
    "mailbox management": (
        PREAUTH,
        [
            *standard(),
            ("CREATE", ["{tag} OK done"]),
            ("RENAME", ["{tag} NO [ALREADYEXISTS] exists"]),
            ("SUBSCRIBE", ["{tag} OK done"]),
            ("UNSUBSCRIBE", ["{tag} OK done"]),
            ("DELETE", ["{tag} OK done"]),
        ],
        lambda M: (
            M.create("Work"),
            M.rename("Work", "Old"),
            M.subscribe("Work"),
            M.unsubscribe("Work"),
            M.delete("Work"),
        ),
    ),
    "append": (
        PREAUTH,
        [*standard(), ("APPEND", ["{tag} OK [APPENDUID 7 9] done"])],
        lambda M: (
            M.append("Sent", "\\Seen", '"01-Jan-2024 10:00:00 +0000"', b"a\nb\r\nc\rd"),
            M.response("APPENDUID"),
        ),
    ),
    "append with defaults": (
        PREAUTH,
        [*standard(), ("APPEND", ["{tag} OK done"])],
        lambda M: M.append(None, None, None, b"x"),
    ),
    "append refused before the literal": (
        PREAUTH,
        [*standard(), (LINE, ["{tag} NO [TRYCREATE] no such mailbox"])],
        lambda M: M.append("Nope", "(\\Seen)", None, b"message"),
    ),
    "close, unselect, check, partial": (
        GREETING,
        selected(
            ("CHECK", ["{tag} OK done"]),
            ("PARTIAL", [b"* 1 FETCH (RFC822 {3}\r\nabc)\r\n", "{tag} OK done"]),
            ("CLOSE", ["{tag} OK done"]),
            ("SELECT", ["{tag} OK [READ-WRITE] x"]),
            ("UNSELECT", ["{tag} NO nope"]),
        ),
        after_select(
            lambda M: (
                M.check(),
                M.partial("1", "RFC822", "0", "3"),
                M.close(),
                M.state,
                M.select(),
                M.unselect(),
                M.state,
            )
        ),
    ),
    "enable and proxyauth": (
        PREAUTH,
        [
            *standard("IMAP4rev1 ENABLE"),
            ("ENABLE", ["* ENABLED CONDSTORE", "{tag} OK done"]),
            ("PROXYAUTH", ["{tag} NO not allowed"]),
        ],
        lambda M: (M.enable("CONDSTORE"), M.response("ENABLED"), M.proxyauth("bob")),
    ),
    "enable unsupported": (
        PREAUTH,
        standard("IMAP4rev1"),
        lambda M: M.enable("CONDSTORE"),
    ),
    "xatom": (
        PREAUTH,
        [*standard(), ("XSTUFF", ["* XSTUFF 1 2", "{tag} OK done"])],
        lambda M: (M.xatom("xstuff", "a", "(b c)"), M.untagged_responses),
    ),
    "uppercase method names": (
        PREAUTH,
        [*standard(), ("NOOP", ["{tag} OK done"])],
        lambda M: M.NOOP(),
    ),
    "uid with an unknown command": (GREETING, selected(), after_select(lambda M: M.uid("X", "1"))),
    "uid in the wrong state": (PREAUTH, standard(), lambda M: M.uid("FETCH", "1", "(FLAGS)")),
    "command in the wrong state": (GREETING, standard(), lambda M: M.fetch("1", "(FLAGS)")),
    "capability after login": (
        GREETING,
        [
            *standard(),
            ("LOGIN", ["{tag} OK in"]),
            ("CAPABILITY", ["* CAPABILITY IMAP4rev1 MOVE IDLE", "{tag} OK done"]),
        ],
        lambda M: (M.login("a", "b"), M.capability(), M.capabilities),
    ),
    # --- the server going away --------------------------------------------------------------
    "bye in the middle of a command": (
        GREETING,
        selected(("FETCH", ["* BYE shutting down", CLOSE])),
        after_select(lambda M: M.fetch("1", "(FLAGS)")),
    ),
    "bye then a tagged reply": (
        GREETING,
        selected(("NOOP", ["* BYE autologout", "{tag} OK done"])),
        after_select(lambda M: M.noop()),
    ),
    "connection closed": (
        GREETING,
        selected(("NOOP", [CLOSE])),
        after_select(lambda M: M.noop()),
    ),
    "connection reset": (
        GREETING,
        selected(("NOOP", [RESET])),
        after_select(lambda M: M.noop()),
    ),
    "closed in the middle of a literal": (
        GREETING,
        selected(("FETCH", [b"* 1 FETCH (BODY[] {100}\r\nonly part", CLOSE])),
        after_select(lambda M: M.fetch("1", "BODY[]")),
    ),
    "logout": (
        GREETING,
        [*standard(), ("LOGOUT", ["* BYE logging out", "{tag} OK done"])],
        lambda M: (M.logout(), M.state),
    ),
    "logout without bye": (
        GREETING,
        [*standard(), ("LOGOUT", ["{tag} OK done"])],
        lambda M: M.logout(),
    ),
    "context manager": (
        GREETING,
        [*standard(), ("NOOP", ["{tag} OK done"]), ("LOGOUT", ["* BYE x", "{tag} OK done"])],
        lambda M: _with(M),
    ),
    # --- what the server must not send ------------------------------------------------------
    "unexpected tagged response": (
        GREETING,
        [*standard(), ("NOOP", ["ZZZ1 OK done", "{tag} OK done"])],
        lambda M: M.noop(),
    ),
    "unexpected response": (
        GREETING,
        [*standard(), ("NOOP", ["what is this", "{tag} OK done"])],
        lambda M: M.noop(),
    ),
    "bare line feed": (
        GREETING,
        [*standard(), ("NOOP", [b"* OK fine\n", "{tag} OK done"])],
        lambda M: M.noop(),
    ),
    "lower-case status": (
        GREETING,
        [*standard(), ("NOOP", ["* ok fine", "{tag} OK done"])],
        lambda M: M.noop(),
    ),
    "untagged status with two spaces": (
        GREETING,
        selected(("NOOP", ["*  5 EXISTS", "{tag} OK done"])),
        after_select(lambda M: M.noop()),
    ),
    "response code with a bracket in it": (
        GREETING,
        selected(("NOOP", ["* OK [PERMANENTFLAGS (a] b)] text", "{tag} OK [X-Y z] done"])),
        after_select(lambda M: (M.noop(), M.response("PERMANENTFLAGS"), M.response("X-Y"))),
    ),
    "continuation nobody asked for": (
        GREETING,
        [*standard(), ("NOOP", ["+ hello", "{tag} OK done"])],
        lambda M: M.noop(),
    ),
}


def _with(M: Any) -> Any:
    with M as inside:
        out = inside.noop()
    return out, M.state


@pytest.mark.parametrize("greeting, exchanges, action", CASES.values(), ids=list(CASES))
def test_same_as_imaplib(
    greeting: Sequence[Reply], exchanges: Sequence[Exchange], action: Action
) -> None:
    twins(greeting, exchanges, action)


def test_tag_prefix_that_spells_a_capability(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both modules draw a random four-letter tag prefix; "IMAP" (35855) is one of them, and
    the comparison must still tell tags from capability names such as IMAP4REV1."""
    monkeypatch.setattr("random.randint", lambda a, b: 35855)
    seen = twins(*CASES["unexpected response"])
    assert "IMAP4REV1" in seen["after"]["capabilities"]


@pytest.mark.parametrize("level", [0, 1, 4])
def test_debug_levels_write_to_stderr(
    level: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``imaplib.Debug`` (read when connecting) writes to stderr as the standard library's:
    nothing at 0, the start and the failures from 1, every line from 4."""
    from wire_twins import observe, rs_imaplib

    monkeypatch.setattr(rs_imaplib, "Debug", level)
    exchanges = [*standard(), ("NOOP", ["{tag} NO not now"])]
    observe(rs_imaplib, GREETING, exchanges, lambda M: (M.noop(), M.debug))
    err = capsys.readouterr().err
    assert ("NO from the server: b'not now'" in err) == (level >= 1)
    assert ("CAPABILITY'" in err) == (level >= 4)
    assert (err == "") == (level == 0)


def test_commands_after_the_server_left_abort_with_a_broken_pipe() -> None:
    """As on a socket: the first command sees the end of the stream, the next ones cannot
    be written. (imaplib's socket may accept one more write before it notices.)"""
    from wire_twins import observe, rs_imaplib

    def run(M: Any) -> Any:
        out = []
        for _ in range(3):
            try:
                M.noop()
            except M.abort as exc:
                out.append(str(exc))
        return out

    seen = observe(rs_imaplib, PREAUTH, [*standard(), ("NOOP", [CLOSE])], run)
    broken = "socket error: [Errno 32] Broken pipe"
    assert seen["result"] == ("returned", ["command: NOOP => socket error: EOF", broken, broken])
