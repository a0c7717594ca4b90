"""How imaprs.imaplib writes arguments, where it follows CPython's newest imaplib rather
than every older one: NUL, CR and LF are refused before anything is sent, mailbox names are
quoted when they need it, and in UTF-8 mode APPEND sends ``UTF8 (~{n}...)``."""

from __future__ import annotations

from typing import Any, Callable, List

import pytest
from wire_twins import PREAUTH, Exchange, observe, rs_imaplib, standard

CONTROL = "Control characters not allowed in commands"


def sent_by(exchanges: List[Exchange], action: Callable[[Any], Any]) -> Any:
    seen = observe(rs_imaplib, PREAUTH, exchanges, action)
    return seen["result"], seen["sent"].split(b"\r\n", 1)[1]  # after CAPABILITY


@pytest.mark.parametrize(
    "action",
    [
        lambda M: M.create("INBOX\r\nT9 DELETE INBOX"),
        lambda M: M.select("a\nb"),
        lambda M: M.status("INBOX", "(MESSAGES)\0"),
        lambda M: M.list('""', "a\rb"),
        lambda M: M.append("Sent\r\n", None, None, b"message"),
        lambda M: M.xatom("X", b"a\rb"),
        lambda M: M.getacl("x\0"),
    ],
)
def test_control_characters_are_refused_before_sending(action: Callable[[Any], Any]) -> None:
    def run(M: Any) -> Any:
        try:
            action(M)
        except ValueError as exc:
            return str(exc), M.noop()
        return None

    result, sent = sent_by([*standard(), ("NOOP", ["{tag} OK done"])], run)
    assert result == ("returned", (CONTROL, ("OK", [b"done"])))
    # Nothing of the refused command, and no stale literal; its tag is used up, as in
    # CPython, where the check comes after the tag is made.
    assert sent == b"T2 NOOP\r\n"


def test_mailbox_names_are_quoted_when_needed() -> None:
    replies = ["{tag} OK done"]
    exchanges: List[Exchange] = [
        *standard(),
        *[(name, replies) for name in ("SELECT", "CREATE", "CREATE", "RENAME", "STATUS")],
        ("APPEND", replies),
        ("COPY", replies),
        ("DELETE", replies),
        ("LIST", replies),
    ]

    def run(M: Any) -> Any:
        M.select("Sent Items")
        M.create("Work/Old")
        M.create('"Already quoted"')
        M.rename("a\\b", 'say "hi"')
        M.status("Sent Items", "(MESSAGES)")
        M.append("Sent Items", None, None, b"x")
        M.copy("1", "Sent Items")
        M.delete("")
        return M.list('""', "*")

    result, sent = sent_by(exchanges, run)
    assert result == ("returned", ("OK", [None]))
    assert sent.split(b"\r\n") == [
        b'T1 SELECT "Sent Items"',
        b"T2 CREATE Work/Old",
        b'T3 CREATE "Already quoted"',
        b'T4 RENAME "a\\\\b" "say \\"hi\\""',
        b'T5 STATUS "Sent Items" (MESSAGES)',
        b'T6 APPEND "Sent Items" {1}',
        b"x",
        b'T7 COPY 1 "Sent Items"',
        b'T8 DELETE ""',
        b'T9 LIST "" *',
        b"",
    ]


def test_append_in_utf8_mode_sends_a_literal8() -> None:
    exchanges: List[Exchange] = [
        *standard("IMAP4rev1 ENABLE UTF8=ACCEPT"),
        ("ENABLE", ["* ENABLED UTF8=ACCEPT", "{tag} OK done"]),
        ("APPEND", ["{tag} OK done"]),
    ]

    def run(M: Any) -> Any:
        M.enable("UTF8=ACCEPT")
        return M.utf8_enabled, M.append("INBOX", None, None, "Subject: café\n".encode())

    result, sent = sent_by(exchanges, run)
    assert result == ("returned", (True, ("OK", [b"done"])))
    assert sent.endswith(b"T2 APPEND INBOX UTF8 (~{16}\r\nSubject: caf\xc3\xa9\r\n)\r\n")
