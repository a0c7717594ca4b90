"""The pump: the one task per connection that reads the socket, hands the bytes to the link
and the session, routes what they yield (``imaprs._router``), awaits coroutine sinks in order,
and wakes the tasks that wait (see ``aio._engine`` for the rest of the driver).

STARTTLS and COMPRESS. Once one is sent, the pump feeds the session a line at a time and
stops after the command's OK: what follows belongs to the new link. It goes on once the link
changed; any byte the server sent after that OK fails the link change.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from .. import _imaprs
from .._router import Router, sink_error
from ..errors import ConnectionClosed, IMAP4Error

if TYPE_CHECKING:
    from ._command import AsyncCommand

__all__ = ["READ_SIZE", "Pump"]

#: Bytes asked of the socket per read.
READ_SIZE = 64 * 1024


class Pump(Router):
    """The reading side of the asyncio driver (see the module documentation)."""

    _reader: asyncio.StreamReader
    _link: _imaprs._Link
    _barrier: Optional[str]
    _barrier_rest: bytes
    _resume: Optional[asyncio.Future[None]]
    _greeting: Optional[Any]
    _partial_since: Optional[float]
    _pending_sinks: List[Tuple[AsyncCommand, Any]]
    _sinking: bool

    def _put(self, data: bytes) -> None:
        raise NotImplementedError

    def _wake(self) -> None:
        raise NotImplementedError

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    raise ConnectionClosed("the server closed the connection")
                self._link.receive(data)
                while await self._take_in():
                    # Stopped after the OK to STARTTLS or COMPRESS: go on once the link
                    # changed (or the connection failed, which cancels this task).
                    self._resume = asyncio.get_running_loop().create_future()
                    self._wake()
                    await self._resume
                    self._resume = None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc if isinstance(exc, IMAP4Error) else ConnectionClosed(str(exc)))

    async def _take_in(self) -> bool:
        """Routes what the link has; True when it stopped at a barrier's OK."""
        batch: List[Any] = []
        stopped = False
        ended: Optional[IMAP4Error] = None
        try:
            while True:
                try:
                    plain = self._link.read()
                except IMAP4Error as exc:
                    ended = exc  # the link failed: raised once what came before is routed
                    break
                if not plain:
                    break
                if self._barrier is None:
                    self._session.receive(plain)
                    self._collect(batch)
                elif self._to_barrier(plain, batch):
                    stopped = True
                    break
        except IMAP4Error as exc:
            batch.append((exc, None))  # the session's verdict: what came with it fails too
        self._put(b"")  # the TLS handshake's answers, alerts
        if batch:
            self._route(batch)
        if self._session.buffered == 0:
            self._partial_since = None
        elif self._partial_since is None or batch:
            self._partial_since = asyncio.get_running_loop().time()  # a new one under way
        if self._pending_sinks:
            self._sinking = True
            try:
                await self._await_sinks()
            finally:
                self._sinking = False
        if ended is not None:
            raise ended
        if not stopped:
            self._wake()
        return stopped

    async def _await_sinks(self) -> None:
        """Awaits what coroutine sinks returned for the batch, in order."""
        while self._pending_sinks:
            cmd, pending = self._pending_sinks.pop(0)
            try:
                if cmd.sink_error is None:
                    await pending
                else:
                    pending.close()
            except Exception as exc:
                cmd.sink_error = sink_error(exc)

    def _to_barrier(self, plain: bytes, batch: List[Any]) -> bool:
        """Feeds ``plain`` a line at a time until the barrier command's OK; what follows it
        is kept to fail the link change (True: the OK was read)."""
        at = 0
        while at < len(plain):
            end = plain.find(b"\n", at)
            end = len(plain) if end < 0 else end + 1
            self._session.receive(plain[at:end])
            at = end
            if self._collect(batch):
                self._barrier_rest = plain[at:]
                return True
        return False

    def _collect(self, batch: List[Any]) -> bool:
        """Adds the session's events to ``batch``; True when one is the barrier's OK."""
        session = self._session
        barrier = False
        while (event := session.next_event()) is not None:
            kind, tag, rsp = event
            if kind == "claimed" or kind == "chunk":
                batch.append((rsp, tag))
            elif kind == "greeting":
                self._greeting = rsp
            else:
                batch.append((rsp, None))
                if kind == "done" and tag == self._barrier:
                    if getattr(rsp, "status", None) == "OK":
                        barrier = True
                        break
                    self._barrier = None  # refused: nothing changes
        return barrier

    # -- routing hooks -------------------------------------------------------------------

    def _stream_threshold(self, size: Optional[int]) -> None:
        self._session.set_stream_threshold(size)

    def _awaitable_sink(self, cmd: Any, result: Any) -> None:
        self._pending_sinks.append((cmd, result))
