"""imaprs.aio against scripted servers: cancellation at each await point, coroutine sinks,
typed results streamed, the selected mailbox kept current. (The scripted engine tests of
``test_engine_scripted.py`` run through imaprs.aio as well: STARTTLS injection, timeouts,
stalls, floods.)"""

from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import pytest

import imaprs
import imaprs.aio
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1",)


def run(main: Any) -> None:
    asyncio.run(asyncio.wait_for(main, 30))


async def connect(server: ScriptedServer) -> imaprs.aio.IMAP4:
    return await imaprs.aio.IMAP4.connect(server.address, timeout=5)


def test_a_cancelled_wait_leaves_the_command_in_flight_and_the_connection_usable() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.sleep(0.5)
        s.send("* 3 EXISTS")
        s.ok(tag)
        tag = s.expect("CHECK").tag
        s.sleep(0.5)
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        task = asyncio.ensure_future(imap.noop())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        imap.state = "selected"  # CHECK needs it; the server does not care
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(imap.check(), 0.1)
        await imap.noop()  # the earlier NOOP's and CHECK's answers came in between
        assert not imap.cmds and [r.dtype for r in imap.queued] == ["EXISTS"]
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_a_task_cancelled_while_waiting_for_its_turn_sends_nothing() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.sleep(0.5)
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)  # not a SELECT: the cancelled one never left
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        slow = await imap.noop(wait=False)
        select = asyncio.ensure_future(imap.select("INBOX"))  # waits: SELECT is exclusive
        await asyncio.sleep(0.1)
        select.cancel()
        with pytest.raises(asyncio.CancelledError):
            await select
        await slow.wait()
        await imap.noop()
        assert imap.state == "auth" and imap.selected is None
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_cancelled_half_way_through_a_command_closes_and_wakes_every_waiter() -> None:
    """Cancelled while a synchronising literal waits for '+': the server is inside the
    command, so the connection closes; a task waiting on another command wakes."""

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.expect("NOOP")  # never answered
        assert s.readline().endswith(b'APPEND "INBOX" {5}')  # no '+' is sent
        s.expect_close()

    async def main() -> None:
        imap = await connect(server)
        noop = await imap.noop(wait=False)
        waiting = asyncio.ensure_future(noop.wait())
        append = asyncio.ensure_future(imap.append("INBOX", b"hello"))
        await asyncio.sleep(0.2)
        append.cancel()
        with pytest.raises(asyncio.CancelledError):
            await append
        with pytest.raises(imaprs.ConnectionClosed, match="half-way"):
            await waiting
        assert imap.state == "logout"
        with pytest.raises(imaprs.ConnectionClosed):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_cancelled_inside_an_upload_closes_the_connection() -> None:
    size = 3 * 1024 * 1024

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "LITERAL+"), status="PREAUTH")
        s.drain(timeout=5)  # whatever arrives until the client hangs up

    async def main() -> None:
        imap = await connect(server)
        seen: List[Tuple[int, int]] = []

        def progress(done: int, total: int) -> None:
            seen.append((done, total))
            task = asyncio.current_task()
            assert task is not None
            task.cancel()  # at the next await: the drain after this piece

        with pytest.raises(asyncio.CancelledError):
            await imap.append("INBOX", b"x" * size, progress=progress)
        assert seen == [(1024 * 1024, size)] and imap.state == "logout"
        with pytest.raises(imaprs.ConnectionClosed, match="half-way"):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_cancelled_during_starttls_closes_the_connection(
    imap_certificate: imaprs.testing.Certificate,
) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=(*CAPS, "STARTTLS"))
        s.expect("STARTTLS")
        s.expect_close()

    async def main() -> None:
        imap = await connect(server)
        task = asyncio.ensure_future(imap.starttls(imap_certificate.client_context()))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert imap.state == "logout"
        with pytest.raises(imaprs.TLSError, match="interrupted"):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


BODY = bytes(range(256)) * 800  # 200 KiB: streamed to the sink in chunks


def test_a_coroutine_sink_receives_every_literal_in_order() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("FETCH").tag
        s.send(f"* 1 FETCH (UID 7 BODY[] {{{len(BODY)}}}", BODY + b")\r\n")
        s.send("* 2 FETCH (UID 8 BODY[] {5}", b"small)\r\n")
        s.ok(tag)
        tag = s.expect("FETCH").tag
        s.send(f"* 1 FETCH (BODY[] {{{len(BODY)}}}", BODY + b")\r\n")
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        imap.state = "selected"
        got: List[Tuple[bytes, bytes]] = []

        async def sink(head: bytes, data: bytes) -> None:
            await asyncio.sleep(0)  # it really awaits
            got.append((head, data))

        progress: List[Tuple[int, int]] = []
        cmd = await imap.fetch(
            "1:2", "UID", "BODY[]", sink=sink, progress=lambda d, t: progress.append((d, t))
        )
        first = b"".join(d for h, d in got if h.startswith(b"* 1 FETCH"))
        second = b"".join(d for h, d in got if h.startswith(b"* 2 FETCH"))
        assert first == BODY and second == b"small"
        assert progress[-1] == (5, 5) and (len(BODY), len(BODY)) in progress
        assert {uid: item["BODY[]"] for uid, item in cmd.data.items()} == {1: b"", 2: b""}

        async def broken(head: bytes, data: bytes) -> None:
            raise OSError("disk full")

        with pytest.raises(imaprs.CallbackError) as info:
            await imap.fetch(1, "BODY[]", sink=broken)
        assert isinstance(info.value.__cause__, OSError)
        await imap.noop()  # the rest of the literal was read: the connection is fine
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_items_stream_as_they_arrive_and_no_raises_at_the_end() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("FETCH").tag
        s.send("* 1 FETCH (UID 11 FLAGS (\\Seen))")
        s.sleep(0.3)
        s.send("* 2 FETCH (UID 12 FLAGS ())")
        s.no(tag, "some messages were expunged")
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        imap.state = "selected"
        cmd = await imap.fetch("1:2", "UID", "FLAGS", wait=False)
        seen: List[Any] = []
        with pytest.raises(imaprs.NO, match="expunged"):
            async for seq, item in cmd.items():
                seen.append((seq, item.uid, item.flags))
        assert seen == [(1, 11, ("\\Seen",)), (2, 12, ())]
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_selected_follows_the_news_and_the_unclaimed_queue_claims_and_defers() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("EXAMINE").tag
        s.send("* 2 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 42] ok", "* OK [UIDNEXT 3] ok")
        s.ok(tag, "done", code="READ-ONLY")
        tag = s.expect("NOOP").tag
        s.send("* 5 EXISTS", "* 1 EXPUNGE", "* OK [ALERT] hello")
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)
        s.sleep(0.5)
        s.send("* 9 EXISTS")
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        cmd = await imap.examine("INBOX")
        assert cmd.data.exists == 2 and cmd.data.uidvalidity == 42
        selected = imap.selected
        assert selected is not None and selected.readonly and imap.readonly is True
        await imap.noop()
        assert selected.exists == 4  # five, then one expunged
        alert = next(r for r in imap.queued if r.dtype == "ALERT")
        assert imap.claim(alert) is alert and alert not in imap.queued
        imap.defer(alert)
        assert [r.dtype for r in imap.queued][-1] == "ALERT"
        drained = [r.dtype async for r in await imap.noop(wait=False)]  # NOOP drains the queue
        assert "ALERT" in drained and len(imap.queue) == 0 and imap.poll() is None
        assert await imap.block(timeout=0.2) is None
        news = await asyncio.wait_for(imap.__aiter__().__anext__(), 5)  # pushed unasked
        assert news.dtype == "EXISTS" and news[0] == 9
        await imap.logout()
        assert imap.selected is None

    with ScriptedServer(script=script) as server:
        run(main())


def test_no_task_reads_and_a_sink_task_lives_only_while_sinks_are_pending() -> None:
    body = b"x" * 100

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("FETCH").tag
        s.send(f"* 1 FETCH (BODY[] {{{len(body)}}}", body + b")\r\n")
        s.ok(tag)
        tag = s.expect("NOOP").tag
        s.sleep(0.3)
        s.send("* 2 EXISTS")
        s.ok(tag)
        s.expect_logout()

    async def main() -> None:
        baseline = set(asyncio.all_tasks())
        imap = await connect(server)
        assert set(asyncio.all_tasks()) == baseline  # connected: no task reads
        during: List[Any] = []

        async def sink(head: bytes, data: bytes) -> None:
            during.append(set(asyncio.all_tasks()) - baseline)
            await asyncio.sleep(0)

        imap.state = "selected"
        await imap.fetch(1, "BODY[]", sink=sink)
        assert len(during) == 1 and len(during[0]) == 1  # one task awaits the sinks ...
        assert set(asyncio.all_tasks()) == baseline  # ... and is gone once they finished
        waiting = asyncio.ensure_future(imap.noop())
        await asyncio.sleep(0.1)
        assert set(asyncio.all_tasks()) == baseline | {waiting}  # a wait costs no task either
        assert (await waiting).result is not None
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_a_command_is_awaited_and_checked_while_in_flight() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        first, second, third = (s.expect(name).tag for name in ("NOOP", "CREATE", "DELETE"))
        s.sleep(0.2)
        s.ok(first)
        s.no(second, "[ALREADYEXISTS] exists")
        s.no(third, "[NONEXISTENT] no such mailbox")
        s.expect_logout()

    async def main() -> None:
        imap = await connect(server)
        noop = await imap.noop(wait=False)
        create = await imap.create("a", wait=False)
        delete = await imap.delete("b", wait=False)
        assert noop.result is None
        assert await noop is noop and noop.result is not None  # `await cmd` waits
        with pytest.raises(imaprs.NO):
            await create.check()  # waits for the completion, then checks it
        assert await delete.check("OK", "NO") is delete
        with pytest.raises(imaprs.NO):
            delete.check()  # completed: checked at once, nothing to await
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())
