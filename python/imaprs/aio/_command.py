"""AsyncCommand: one command sent through ``imaprs.aio``, the awaitable twin of
:class:`imaprs.IMAP4Command` (same attributes, same ``data``; waiting is awaited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Generator, Iterator, Optional, Tuple

from .._command import _UNSET, IMAP4Command
from .._results import command_value, gatherer
from .._types import IMAP4Response
from ..errors import IMAP4Error

if TYPE_CHECKING:
    from ._engine import Driver

__all__ = ["AsyncCommand"]


class AsyncCommand(IMAP4Command):
    """One command sent through ``imaprs.aio``.

    ``await cmd.wait()`` waits for the completion and raises NO/BAD; ``async for rsp in
    cmd`` yields the responses it claims as they arrive; ``cmd.data`` is its typed result once
    it has completed; ``async for item in cmd.items()`` yields the typed values as their
    responses arrive; ``await cmd`` is ``await cmd.wait()`` and ``await cmd.check(*expect)``
    waits, then checks the status against ``expect``. Cancelling a task that awaits any of
    these leaves the command in flight and the connection in step.
    """

    __slots__ = ()
    imap: Driver  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, AsyncCommand]:
        return self.wait().__await__()

    def check(self, *expect: str) -> AsyncCommand:
        """Raises unless the completion status is one of ``expect`` (default: OK), at once
        when the command has completed; returns an awaitable of the command, which for a
        command still in flight waits for its completion and checks it then."""
        if self.result is not None:
            super().check(*expect)
        return _Checked(self, expect)  # type: ignore[return-value]

    async def wait(  # type: ignore[override]
        self, *expect: str, timeout: Optional[float] = None
    ) -> AsyncCommand:
        """Waits for the completion, then :meth:`check` s it (``timeout``: IMAP4Timeout
        after that many seconds; the command stays in flight)."""
        imap = self.imap
        if self.result is None or imap._sinking or imap._cork or imap._callback_error:
            await imap._wait_for(lambda: self.result is not None, timeout)
        if self.sink_error is not None:
            raise self.sink_error
        self.check(*expect)
        return self

    @property
    def data(self) -> Any:
        """The command's result as a Python value (see :attr:`imaprs.IMAP4Command.data`);
        ``await cmd.wait()`` first (the default ``wait=True`` does)."""
        if self._data is _UNSET:
            if self.result is None:
                raise IMAP4Error(f"{self.name} has not completed: await its wait() first")
            if self.sink_error is not None:
                raise self.sink_error
            self.check()
            self._data = command_value(self)
        return self._data

    def __iter__(self) -> Iterator[IMAP4Response]:
        raise TypeError("an imaprs.aio command is iterated with `async for`")

    def __aiter__(self) -> AsyncIterator[IMAP4Response]:
        return self._responses()

    async def _responses(self) -> AsyncIterator[IMAP4Response]:
        """The responses this command claims, as they arrive, until it completes."""
        while True:
            while self.queue:
                yield self.queue.popleft()
            if self.result is not None:
                return
            await self.imap._wait_for(lambda: bool(self.queue) or self.result is not None)

    async def items(self) -> AsyncIterator[Any]:  # type: ignore[override]
        """The values that make up :attr:`data`, one by one as their responses arrive;
        raises NO/BAD once the completion says so (see ``IMAP4Command.items``)."""
        gather = gatherer(self, streaming=True)
        async for rsp in self:
            for value in gather.feed(rsp):
                yield value
        await self.wait()
        for value in gather.finish(self):
            yield value


class AsyncNoop(AsyncCommand):
    """NOOP: iterating it takes every response off the unclaimed queue, those waiting there
    and those arriving while it runs (NOOP claims nothing itself)."""

    __slots__ = ()

    async def _responses(self) -> AsyncIterator[IMAP4Response]:
        imap = self.imap
        while True:
            while self.queue:
                yield self.queue.popleft()
            rsp = imap.queue.popleft()
            if rsp is not None:
                yield rsp
            elif self.result is not None:
                return
            else:
                await imap._wait_for(lambda: bool(imap.queue) or self.result is not None)


class _Checked:
    """``cmd.check(*expect)`` of a command still in flight: awaiting it waits for the
    completion, then checks the status against ``expect``."""

    __slots__ = ("_cmd", "_expect")

    def __init__(self, cmd: AsyncCommand, expect: Tuple[str, ...]) -> None:
        self._cmd, self._expect = cmd, expect

    def __await__(self) -> Generator[Any, None, AsyncCommand]:
        return self._cmd.wait(*self._expect).__await__()
