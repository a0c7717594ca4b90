"""A waited command on an otherwise idle connection: sent and read through by the calling
thread in one exchange (``Engine._exchange``), and what sends it back to the general way.

Each case checks what the general way would give: the command's responses on its queue,
its completion, news for the selected mailbox applied, everything else unclaimed.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import imaprs
from faces import Face
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "LITERAL+", "UIDPLUS")


def selected(then: Callable[[ScriptedServer], None]) -> Callable[[ScriptedServer], None]:
    """A script that opens INBOX (2 messages), then runs ``then``."""

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("SELECT").tag
        s.send("* 2 EXISTS", "* OK [UIDVALIDITY 7] UIDs valid")
        s.ok(tag, "SELECT completed", code="READ-WRITE")
        then(s)
        s.expect_logout()

    return script


def test_responses_and_completion_read_together(face: Face) -> None:
    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS (\\Seen))", f"{tag} OK done")

    with ScriptedServer(script=selected(then)) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        cmd = imap.fetch([5], "FLAGS", uid=True)
        assert [r[:2] for r in cmd.queue] == [[1, "FETCH"]]
        assert cmd.result.status == "OK" and cmd.data[5].flags == ("\\Seen",)
        assert not imap.queued
        imap.logout()


def test_a_completion_that_comes_later(face: Face) -> None:
    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS ())")
        s.sleep(0.2)
        s.send("* 2 FETCH (UID 6 FLAGS ())")
        s.sleep(0.2)
        s.ok(tag)

    with ScriptedServer(script=selected(then)) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        cmd = imap.fetch("5:6", "FLAGS", uid=True)
        assert sorted(cmd.data) == [5, 6] and cmd.result.status == "OK"
        imap.logout()


def test_news_and_unclaimed_responses_go_the_general_way(face: Face) -> None:
    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 3 EXISTS", "* 1 FETCH (UID 5 FLAGS ())", f"{tag} OK done", "* 1 RECENT")
        tag = s.expect("NOOP").tag
        s.send("* 2 FETCH (UID 6 FLAGS (\\Deleted))", "* 4 EXISTS", f"{tag} OK done")

    with ScriptedServer(script=selected(then)) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        cmd = imap.fetch([5], "FLAGS", uid=True)
        assert list(cmd.data) == [5]
        assert imap.selected.exists == 3 and imap.selected.recent == 1
        assert [r.dtype for r in imap.queued] == ["EXISTS", "RECENT"]
        imap.noop()
        assert imap.selected.exists == 4
        # The FETCH no command claims (NOOP claims none) waits on the unclaimed queue.
        assert [r.dtype for r in imap.queued] == ["RECENT", "FETCH", "EXISTS"]
        imap.logout()


def test_a_command_from_another_thread_meanwhile() -> None:
    def then(s: ScriptedServer) -> None:
        first = s.expect("UID FETCH").tag
        second = s.expect("NOOP").tag
        s.ok(second, "NOOP first")  # the server answers out of order
        s.send("* 1 FETCH (UID 5 FLAGS ())", f"{first} OK done")

    with ScriptedServer(script=selected(then)) as server:
        imap = imaprs.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        results: List[object] = []

        def other() -> None:
            time.sleep(0.2)  # once the FETCH is on its way
            results.append(imap.noop().result.info)

        thread = threading.Thread(target=other)
        thread.start()
        cmd = imap.fetch([5], "FLAGS", uid=True)
        thread.join(5)
        assert list(cmd.data) == [5] and results == ["NOOP first"]
        imap.logout()


def test_an_unknown_tag_fails_the_connection(face: Face) -> None:
    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS ())", f"{tag}x OK done", f"{tag} OK done")
        s.expect_close()

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("SELECT").tag
        s.ok(tag, "SELECT completed")
        then(s)

    with ScriptedServer(script=script) as server:
        imap = face.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        with pytest.raises(imaprs.ProtocolError, match="tag"):
            imap.fetch([5], "FLAGS", uid=True)
        with pytest.raises(imaprs.ProtocolError):
            imap.noop()
        imap.logout(graceful=False)


def test_a_timeout_before_the_completion_loses_nothing() -> None:
    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS ())")
        s.sleep(0.8)
        s.ok(tag)
        tag = s.expect("NOOP").tag
        s.ok(tag)

    with ScriptedServer(script=selected(then)) as server:
        imap = imaprs.IMAP4(server.address, timeout=0.3)
        imap.select("INBOX")
        with pytest.raises(imaprs.IMAP4Timeout):
            imap.fetch([5], "FLAGS", uid=True)
        (late,) = imap.cmds.values()
        time.sleep(0.8)
        imap.noop()  # the late completion is routed to the FETCH, which kept its response
        assert late.result.status == "OK" and list(late.data) == [5]
        assert not imap.queued
        imap.logout()


def test_only_a_clean_answer_skips_the_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shorter way is taken when it applies (else the exchange would only cost more),
    and not when a response needs routing."""

    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS ())", f"{tag} OK done")
        tag = s.expect("UID FETCH").tag
        s.send("* 1 FETCH (UID 5 FLAGS ())", "* 5 EXISTS", f"{tag} OK done")

    with ScriptedServer(script=selected(then)) as server:
        imap = imaprs.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        routed: List[int] = []
        route = imap._route
        monkeypatch.setattr(imap, "_route", lambda batch: (routed.append(len(batch)), route(batch)))
        assert list(imap.fetch([5], "FLAGS", uid=True).data) == [5]
        assert routed == []
        assert list(imap.fetch([5], "FLAGS", uid=True).data) == [5]
        assert routed == [3] and imap.selected.exists == 5
        imap.logout()


#: What a server may send around a UID FETCH of UID 5: its FETCH, another message's, news
#: for the mailbox, a status with a code.
AROUND = [
    "* 1 FETCH (UID 5 FLAGS (\\Seen))",
    "* 2 FETCH (UID 6 FLAGS ())",
    "* 3 EXISTS",
    "* 1 RECENT",
    "* 1 EXPUNGE",
    "* OK [UIDNEXT 9] next",
    "* 1 FETCH (UID 5 RFC822.SIZE 40)",
]


def _play(before: List[str], after: List[str], cut: int, waited: bool) -> object:
    """What the connection holds after a UID FETCH answered with ``before``, the completion
    and ``after`` (cut into two writes after ``cut`` bytes), waited for at once (the
    exchange) or sent first and waited for later (the general way)."""

    def then(s: ScriptedServer) -> None:
        tag = s.expect("UID FETCH").tag
        wire = "".join(f"{line}\r\n" for line in [*before, f"{tag} OK done", *after])
        s.send_segments(wire.encode(), [cut], delay=0.05)
        s.expect("NOOP")
        s.send(f"{s.client_commands()[-1].tag} OK noop")

    with ScriptedServer(script=selected(then)) as server:
        imap = imaprs.IMAP4(server.address, timeout=5)
        imap.select("INBOX")
        cmd = imap.fetch([5], "FLAGS", uid=True, wait=waited)
        cmd.wait()
        mine = [r.text for r in cmd.queue], cmd.result.status, cmd.result.info
        imap.noop()  # whatever came after the completion is read by now
        state = imap.selected
        seen = (mine, [r.text for r in imap.queued], state.exists, state.recent, state.uidnext)
        imap.logout()
        return seen


@settings(max_examples=25, deadline=None)
@given(
    before=st.lists(st.sampled_from(AROUND), max_size=4),
    after=st.lists(st.sampled_from(AROUND[2:6]), max_size=2),
    cut=st.integers(min_value=1, max_value=200),
)
def test_the_exchange_gives_what_the_router_gives(
    before: List[str], after: List[str], cut: int
) -> None:
    assert _play(before, after, cut, True) == _play(before, after, cut, False)
