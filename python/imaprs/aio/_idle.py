"""IDLE for ``imaprs.aio``: the asyncio driver of :class:`imaprs._idle.IdlePlan`.

``async with imap.idle(timeout=60) as idle: async for rsp in idle: ...`` behaves as the
blocking face's ``with imap.idle()``: IDLE is sent once the commands in flight completed, the
connection is held (other tasks' commands wait) until the block ends, the responses are
yielded as they arrive, the IDLE is renewed every ``renew`` seconds, a BYE fails the
connection with :class:`imaprs.BYE`.

Leaving the block, by any way (an exception, a cancellation, ``asyncio.wait_for`` giving
up), sends DONE and waits for the completion. That ending runs in its own task, shielded:
cancelling the leaving task again does not stop it, so the stream stays in step and the
connection usable; the send lock is let go when it ends. A server that does not end the
IDLE within the connection's ``timeout`` makes the connection fail (IMAP4Timeout).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, AsyncIterator, List, Optional

from .._idle import FAIL, RENEW, WAIT, YIELD, IdleBlock
from .._types import IMAP4Response
from ..errors import IMAP4Timeout

if TYPE_CHECKING:
    from ._command import AsyncCommand
    from ._engine import Driver

__all__ = ["AsyncIdle"]


class AsyncIdle(IdleBlock):
    """A running IDLE of ``imaprs.aio``; see the module documentation."""

    imap: Driver

    @property
    def cmd(self) -> Optional[AsyncCommand]:
        """The IDLE command in flight (the newest one after a renewal)."""
        return self.plan.cmd  # type: ignore[return-value]

    async def __aenter__(self) -> AsyncIdle:
        imap = self.imap
        if imap._idler is not None and imap._idler is asyncio.current_task():
            raise RuntimeError("this task is inside an idle() block already")
        await imap._lock.__aenter__()
        self._held = True
        imap._idler = asyncio.current_task()
        try:
            await self._start()
        except BaseException:
            await self._end()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._end()

    def __aiter__(self) -> AsyncIterator[IMAP4Response]:
        self.plan.listen(time.monotonic())
        return self._responses()

    async def _responses(self) -> AsyncIterator[IMAP4Response]:
        plan, imap = self.plan, self.imap
        while True:
            step, value = plan.step(time.monotonic())
            if step == YIELD:
                yield value
            elif step == WAIT:
                await self._news(value)
            elif step == RENEW:
                for rsp in await self._stop():
                    yield rsp
                await self._start()
            elif step == FAIL:
                imap.queue.defer([value.response])
                imap._fail(value)
                raise value
            else:
                return

    async def _start(self) -> None:
        plan, imap = self.plan, self.imap
        plan.cmd = await imap._send("IDLE", idle=True)
        await imap._wait_for(plan.answered)
        plan.started(time.monotonic())

    async def _news(self, timeout: Optional[float]) -> None:
        """Returns once the IDLE has news or ``timeout`` seconds passed; raises the
        connection's failure. Silence is not a failure here: the server has nothing to say."""
        imap = self.imap
        try:
            await imap._wait_for(self.plan.answered, timeout)
        except IMAP4Timeout:
            imap._raise_if_failed()

    async def _stop(self) -> List[IMAP4Response]:
        """Sends DONE (once the server said ``+``) and waits for the completion; returns the
        responses not yet taken. Bounded by the connection's timeout: past it the
        connection fails."""
        imap, plan, cmd = self.imap, self.plan, self.cmd
        if cmd is not None and plan.done_due():
            try:
                if not plan.idling:  # DONE answers the "+"; a completion may come instead
                    await imap._wait_for(plan.answered)
                if plan.done_due():
                    await imap._send_raw(b"DONE\r\n")
                    await imap._wait_for(lambda: cmd.result is not None)
                    cmd.check()
            except IMAP4Timeout:
                imap._raise_if_failed()
                error = IMAP4Timeout("the server did not end IDLE in time")
                imap._fail(error)
                raise error from None
        return plan.leftovers()

    async def _end(self) -> None:
        """Ends the IDLE in a task of its own (see the module documentation)."""
        ending = asyncio.ensure_future(self._end_and_release())
        if self._held:
            self.imap._lock.hand_to(ending)
        await asyncio.shield(ending)

    async def _end_and_release(self) -> None:
        imap = self.imap
        try:
            if imap._error is None:
                # Responses that came with the end of IDLE are news for everyone.
                imap.queue.defer(await self._stop())
        finally:
            if self._held:
                self._held = False
                imap._idler = None
                imap._lock._release()
