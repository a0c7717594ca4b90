"""IDLE as Python 3.14's imaplib has it, on every Python: one ``(type, [data...])`` per
response in arrival order, the duration, burst(), DONE on leaving, leftovers kept. Where the
running standard library has ``idle()`` (3.14+), it runs the same conversations."""

from __future__ import annotations

import imaplib as std_imaplib
import time
from typing import Any, Dict, List, Sequence

import pytest
from wire_twins import LINE, PREAUTH, Exchange, observe, rs_imaplib, standard, twins

IDLING = [
    *standard(),
    ("SELECT", ["* 2 EXISTS", "{tag} OK [READ-WRITE] done"]),
    (
        "IDLE",
        [
            "* 3 EXISTS",  # news before the "+" belongs to the iteration too
            "+ idling",
            "* 1 EXPUNGE",
            b"* 1 FETCH (UID 9 BODY[] {5}\r\nhello FLAGS (\\Seen))\r\n",
            "* OK [ALERT] mind the gap",
        ],
    ),
    (LINE, ["* 4 EXISTS", "{tag} OK IDLE terminated"]),
]


def idle_for(duration: float) -> Any:
    def run(M: Any) -> Any:
        M.select()
        seen: List[Any] = []
        with M.idle(duration=duration) as idler:
            states = [M.state]
            seen.extend(idler)
        return seen, states, M.state, M.response("EXISTS"), M.untagged_responses

    return run


def check(exchanges: Sequence[Exchange], action: Any) -> Dict[str, Any]:
    """The run with imaprs.imaplib, compared with the standard library's when it has IDLE."""
    if hasattr(std_imaplib.IMAP4, "idle"):
        return twins(PREAUTH, exchanges, action)
    return observe(rs_imaplib, PREAUTH, exchanges, action)


def test_each_response_in_order_until_the_duration_ends() -> None:
    started = time.monotonic()
    seen = check(IDLING, idle_for(0.5))
    assert 0.5 <= time.monotonic() - started < 5
    responses, states, state_after, exists, _ = seen["result"][1]
    assert responses == [
        ("EXISTS", [b"3"]),
        ("EXPUNGE", [b"1"]),
        ("FETCH", [(b"1 (UID 9 BODY[] {5}", b"hello"), b" FLAGS (\\Seen))"]),
        ("OK", [b"[ALERT] mind the gap"]),
        ("ALERT", [b""]),
    ]
    assert states == ["IDLING"] and state_after == "SELECTED"
    assert exists == ("EXISTS", [b"2", b"4"])  # from SELECT, and after DONE: kept as usual
    assert seen["sent"].endswith(b"T2 IDLE\r\nDONE\r\n")


def test_leftovers_stay_for_response() -> None:
    def run(M: Any) -> Any:
        M.select()
        with M.idle(duration=0.3) as idler:
            first = next(idler)
        return first, M.response("EXPUNGE"), M.response("FETCH")[1][0][1], M.response("EXISTS")

    seen = check(IDLING, run)
    assert seen["result"][1] == (
        ("EXISTS", [b"3"]),
        ("EXPUNGE", [b"1"]),
        b"hello",
        ("EXISTS", [b"2", b"4"]),
    )


def test_burst_takes_what_arrives_together() -> None:
    def run(M: Any) -> Any:
        M.select()
        with M.idle() as idler:
            return list(idler.burst(0.3))

    seen = check(IDLING, run)
    assert [typ for typ, _ in seen["result"][1]] == ["EXISTS", "EXPUNGE", "FETCH", "OK", "ALERT"]


def test_commands_are_refused_while_idling() -> None:
    def run(M: Any) -> Any:
        M.select()
        with M.idle(duration=0.2):
            M.noop()

    seen = check(IDLING, run)
    assert seen["result"] == (
        "raised",
        "error",
        "command NOOP illegal in state IDLING, only allowed in states "
        "NONAUTH, AUTH, SELECTED, LOGOUT",
    )


@pytest.mark.parametrize(
    "answer, kind, text",
    [
        ("{tag} NO not now", "error", "idle denied: [b'not now']"),
        ("{tag} OK already done", "abort", "unexpected status response: b'T2 OK already done'"),
    ],
)
def test_idle_refused(answer: str, kind: str, text: str) -> None:
    def run(M: Any) -> Any:
        M.select()
        with M.idle():
            pass

    exchanges = [*IDLING[:2], ("IDLE", [answer]), ("NOOP", ["{tag} OK done"])]
    seen = check(exchanges, run)
    assert seen["result"] == ("raised", kind, text)
    assert seen["after"]["state"] == "SELECTED"


def test_a_server_without_idle() -> None:
    seen = check([*standard("IMAP4rev1")], lambda M: M.idle(duration=1))
    assert seen["result"] == ("raised", "error", "Server does not support IMAP4 IDLE")


def test_the_server_ending_idle_ends_the_iteration() -> None:
    def run(M: Any) -> Any:
        M.select()
        with M.idle() as idler:
            seen = list(idler)
        return seen, M.state

    exchanges = [*IDLING[:2], ("IDLE", ["+ idling", "* 4 EXISTS", "{tag} OK enough"])]
    seen = check([*exchanges, ("NOOP", ["{tag} OK done"])], run)
    assert seen["result"] == ("returned", ([("EXISTS", [b"4"])], "SELECTED"))
    assert not seen["sent"].endswith(b"DONE\r\n")
