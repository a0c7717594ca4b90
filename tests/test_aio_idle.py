"""IDLE through imaprs.aio: news from another connection (Dovecot), then what a real server
will not do on demand (the scripted server): renewal, cancellation, BYE, a late ``+``."""

from __future__ import annotations

import asyncio
import time
from typing import Any, List, Sequence

import pytest

import imaprs
import imaprs.aio
from imaprs._servers import Dovecot, User
from imaprs.testing import Script, ScriptedServer

CAPS = ("IMAP4rev1", "LITERAL+", "IDLE")


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_idle_sees_a_message_from_another_connection(dovecot: Dovecot, dovecot_user: User) -> None:
    addr = (dovecot.host, dovecot.port)

    async def main() -> float:
        async with imaprs.aio.IMAP4(addr, timeout=20) as imap, imaprs.aio.IMAP4(addr) as other:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await other.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await imap.select("INBOX")
            async with imap.idle(timeout=10) as idle:
                started = time.monotonic()
                # Another connection of the same event loop delivers a message meanwhile.
                appended = asyncio.ensure_future(
                    other("APPEND", "INBOX", b"Subject: news\r\n\r\nx\r\n")
                )
                seen = None
                async for rsp in idle:
                    if rsp.dtype == "EXISTS":
                        seen = time.monotonic() - started
                        break
                await appended
            assert imap.state == "selected" and not imap.cmds  # DONE went, IDLE completed
            assert (await imap.noop()).result is not None
            cmd = await imap.fetch("1", "UID")
            assert len(cmd.queue) == 1
            assert seen is not None
            return seen

    assert run(main()) < 10


def idle_session(s: ScriptedServer, news: Sequence[str] = ()) -> str:
    """Answers one IDLE: ``+``, then ``news``; returns its tag."""
    tag = s.expect("IDLE").tag
    s.send("+ idling", *news)
    return tag


def end_idle(s: ScriptedServer, tag: str) -> None:
    assert s.readline().rstrip(b"\r\n") == b"DONE"
    s.ok(tag, "IDLE terminated")


def one_idle_then_noop(news: Sequence[str] = ()) -> Script:
    """A script: one IDLE (``+``, ``news``, DONE awaited), then NOOP, then LOGOUT."""

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        end_idle(s, idle_session(s, news))
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    return script


def test_renewal_sends_done_and_idle_again_unseen() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        first = idle_session(s)
        end_idle(s, first)  # renewed after 0.3 s
        second = idle_session(s)
        end_idle(s, second)  # renewed again
        third = idle_session(s, ["* 7 EXISTS"])
        end_idle(s, third)  # the block ends
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:
            tags = []
            async with imap.idle(timeout=5, renew=0.3) as idle:
                tags.append(idle.cmd.tag)  # type: ignore[union-attr]
                async for rsp in idle:
                    tags.append(idle.cmd.tag)  # type: ignore[union-attr]
                    assert rsp.dtype == "EXISTS" and rsp[0] == 7
                    break
            assert len(set(tags)) == 2  # the response came during the third IDLE
            await imap.noop()

    with ScriptedServer(script=script) as server:
        run(main())
    idles = [c for c in server.client_commands() if c.name == "IDLE"]
    assert len(idles) == 3


def test_cancelling_the_idling_task_sends_done() -> None:
    script = one_idle_then_noop(["* 1 EXISTS"])

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:
            seen: List[Any] = []

            async def watch() -> None:
                async with imap.idle() as idle:
                    async for rsp in idle:
                        seen.append(rsp)

            task = asyncio.ensure_future(watch())
            while not seen:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not imap.cmds and imap.state == "auth"
            await imap.noop()

    with ScriptedServer(script=script) as server:
        run(main())


def test_a_timeout_around_idle_ends_it_and_other_tasks_wait_for_it() -> None:
    script = one_idle_then_noop()

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:

            async def watch() -> None:
                async with imap.idle() as idle:
                    async for _ in idle:
                        pass

            async def other() -> None:
                await asyncio.sleep(0.05)  # IDLE has the connection by now
                await imap.noop()  # the script takes NOOP only after DONE

            watching = asyncio.ensure_future(asyncio.wait_for(watch(), 0.3))
            noop = asyncio.ensure_future(other())
            await asyncio.sleep(0.2)
            assert not noop.done() and imap.cmds  # held back while IDLE runs
            with pytest.raises(asyncio.TimeoutError):
                await watching
            await noop

    with ScriptedServer(script=script) as server:
        run(main())


def test_cancelled_before_the_continuation_still_ends_idle() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("IDLE").tag
        s.expect_silence(0.3)  # the client gave up meanwhile, and must not send DONE yet
        s.send("+ idling")
        end_idle(s, tag)
        s.expect_logout()

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:

            async def watch() -> None:
                async with imap.idle():
                    pass

            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(watch(), 0.1)
            await asyncio.sleep(0.5)  # the ending goes on in its own task
            assert not imap.cmds

    with ScriptedServer(script=script) as server:
        run(main())


def test_bye_during_idle_ends_it_with_the_connection_error() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        idle_session(s, ["* 2 EXISTS", "* BYE server shutting down"])
        s.expect_close()

    async def main() -> None:
        imap = await imaprs.aio.IMAP4.connect(server.address, timeout=5)
        got = []
        with pytest.raises(imaprs.BYE, match="shutting down"):
            async with imap.idle() as idle:
                async for rsp in idle:
                    got.append(rsp.dtype)
        assert got == ["EXISTS"]
        assert imap.state == "logout"
        assert [r.status for r in imap.queue.values()] == ["BYE"]
        with pytest.raises(imaprs.BYE):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_a_server_that_never_ends_idle_fails_the_connection() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        idle_session(s)
        assert s.readline().rstrip(b"\r\n") == b"DONE"
        s.expect_close()  # no completion: the client gives up and closes

    async def main() -> None:
        imap = await imaprs.aio.IMAP4.connect(server.address, timeout=0.5)
        with pytest.raises(imaprs.IMAP4Timeout):
            async with imap.idle():
                pass
        assert imap.state == "logout"
        with pytest.raises(imaprs.IMAP4Timeout):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


def test_an_exception_in_the_block_sends_done_and_propagates() -> None:
    script = one_idle_then_noop(["* 4 EXISTS"])

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:
            with pytest.raises(ValueError, match="mine"):
                async with imap.idle() as idle:
                    async for _ in idle:
                        raise ValueError("mine")
            assert not imap.cmds
            await imap.noop()

    with ScriptedServer(script=script) as server:
        run(main())


def test_a_command_inside_the_tasks_own_idle_block_is_refused() -> None:
    """It would wait for ever for the connection the block holds."""
    script = one_idle_then_noop(["* 5 EXISTS"])

    async def main() -> None:
        async with imaprs.aio.IMAP4(server.address, timeout=5) as imap:
            async with imap.idle() as idle:
                async for _ in idle:
                    with pytest.raises(imaprs.IMAP4Error, match="leave the block first"):
                        await imap.noop()
                    break
            await imap.noop()

    with ScriptedServer(script=script) as server:
        run(main())
