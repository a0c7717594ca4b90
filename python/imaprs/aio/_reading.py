"""Reading for ``imaprs.aio``, in the transport's callback: the bytes go through the link
(TLS, DEFLATE; skipped while the link is clear text) to the session, what it yields is routed
(``imaprs._router``) and the tasks that wait are woken, all inside ``data_received``. No task
reads: an idle connection holds no task and costs nothing until bytes arrive, and a
completion wakes its waiter in one turn of the loop.

Holding back. Reading stops (the transport is paused, anything still delivered is held) in
two cases. After the OK to STARTTLS or COMPRESS: what follows belongs to the new link, which
the command's operation installs; any byte the server sent after that OK fails the change.
While coroutine sinks are pending: a task of the connection's own, alive only until they
finish, awaits them in order; then what was routed becomes visible and reading goes on.
"""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from .. import _imaprs
from .._router import Router, sink_error
from ..errors import ConnectionClosed, IMAP4Error

if TYPE_CHECKING:
    from ._command import AsyncCommand
    from ._wire import Wire

__all__ = ["CLEAR", "Reading"]

#: The link's state while it is clear text: (encrypted, compressed).
CLEAR = (False, False)


class Reading(Router):
    """The reading side of the asyncio driver (see the module documentation)."""

    _loop: asyncio.AbstractEventLoop
    _wire: Wire
    _link: _imaprs._Link
    #: Whether the link is clear text (TLS and DEFLATE have nothing to do).
    _clear: bool
    _barrier: Optional[str]
    #: Bytes that arrived while reading was held back (None: it is not).
    _held: Optional[bytearray]
    _greeting: Optional[Any]
    _partial_since: Optional[float]
    #: When bytes last arrived (the connection's timeout counts silence from there).
    _heard: float
    deadline: Optional[float]
    _pending_sinks: List[Tuple[AsyncCommand, Any]]
    _sinker: Optional[asyncio.Task[None]]
    _sinking: bool
    _waiters: List[asyncio.Future[None]]

    @abc.abstractmethod
    def _wake(self) -> None:
        """Wakes the tasks waiting for news."""

    @abc.abstractmethod
    def _flush_link(self) -> None:
        """Sends what the link has for the socket."""

    @abc.abstractmethod
    def _watch_until(self, when: float) -> None:
        """Makes the connection's timer ring at ``when`` at the latest."""

    def _received(self, data: bytes) -> None:
        """What the transport read (see the module documentation)."""
        if self._error is not None:
            return  # the connection failed: the rest is dropped
        self._heard = self._loop.time()
        held = self._held
        if held is not None:
            held += data
            return
        self._take_in(data)

    def _take_in(self, data: bytes) -> None:
        batch: List[Any] = []
        ended: Optional[BaseException] = None
        greeted = self._greeting is not None
        link = self._link
        try:
            if self._clear and self._barrier is None:
                self._session.receive(data)  # the link has nothing to do (most often)
                self._collect(batch)
            elif self._clear:
                self._feed(data, batch)
            else:
                link.receive(data)
                while True:
                    try:
                        plain = link.read()
                    except IMAP4Error as exc:
                        ended = exc  # the link failed: raised once what came before is routed
                        break
                    if not plain:
                        break
                    if self._feed(plain, batch):
                        break  # stopped at the barrier's OK
                self._flush_link()  # the TLS handshake's answers, alerts
        except IMAP4Error as exc:
            batch.append((exc, None))  # the session's verdict: what came with it fails too
        except Exception as exc:
            ended = ConnectionClosed(str(exc))
        if batch:
            self._route(batch)
        if self.deadline is not None:
            self._track_partial(bool(batch))
        if self._pending_sinks and self._error is None:
            self._hold()
            self._sinking = True
            self._sinker = self._loop.create_task(self._await_sinks(ended))
            return
        if ended is not None:
            self._fail(ended)  # wakes every waiter
        elif batch or (not greeted and self._greeting is not None):
            # Only what was routed can satisfy a wait: a piece of a response still under
            # way wakes nobody (the waits' limits follow ``_heard`` when their timer rings).
            self._wake()

    def _feed(self, plain: bytes, batch: List[Any]) -> bool:
        """Gives ``plain`` to the session; True when it stopped at the barrier's OK."""
        if self._barrier is None:
            self._session.receive(plain)
            self._collect(batch)
            return False
        return self._to_barrier(plain, batch)

    def _track_partial(self, routed: bool) -> None:
        """Notes when a response started to arrive, for the per-response ``deadline``."""
        if self._session.buffered == 0:
            self._partial_since = None
        elif self._partial_since is None or routed:
            self._partial_since = now = self._loop.time()  # a new one under way
            if self._waiters and self.deadline is not None:
                # The waits look at their limits again by then (waking them for each piece
                # of a long response would cost a turn of the loop each).
                self._watch_until(now + self.deadline)

    def _hold(self) -> None:
        """Stops reading; what still arrives is kept for later."""
        if self._held is None:
            self._held = bytearray()
            transport = self._wire.transport
            if transport is not None and not transport.is_closing():
                transport.pause_reading()

    def _let_go(self) -> None:
        """Reads again, starting with what was held."""
        held, self._held = self._held, None
        transport = self._wire.transport
        if transport is not None and not transport.is_closing():
            transport.resume_reading()
        if held:
            self._take_in(bytes(held))

    async def _await_sinks(self, ended: Optional[BaseException]) -> None:
        """Awaits what coroutine sinks returned, in order; then what was routed with them
        is seen, and reading goes on."""
        try:
            while self._pending_sinks:
                cmd, pending = self._pending_sinks.pop(0)
                try:
                    if cmd.sink_error is None:
                        await pending
                    else:
                        pending.close()
                except Exception as exc:
                    cmd.sink_error = sink_error(exc)
        finally:
            self._sinking = False
            self._sinker = None
        if ended is not None:
            self._fail(ended)
        elif self._barrier is None and self._error is None:
            self._let_go()
        self._wake()

    def _to_barrier(self, plain: bytes, batch: List[Any]) -> bool:
        """Feeds ``plain`` a line at a time until the barrier command's OK; what follows it
        is held to fail the link change (True: the OK was read)."""
        at = 0
        while at < len(plain):
            end = plain.find(b"\n", at)
            end = len(plain) if end < 0 else end + 1
            self._session.receive(plain[at:end])
            at = end
            if self._collect(batch):
                self._hold()
                assert self._held is not None
                self._held += plain[at:]
                return True
        return False

    def _collect(self, batch: List[Any]) -> bool:
        """Adds the session's events to ``batch``; True when one is the barrier's OK."""
        for kind, tag, rsp in self._session.events():
            if kind == "claimed" or kind == "chunk":
                batch.append((rsp, tag))
            elif kind == "error":
                assert isinstance(rsp, BaseException)
                raise rsp  # after what came before it, as when read one by one
            elif kind == "greeting":
                self._greeting = rsp
            else:
                batch.append((rsp, None))
                if kind == "done" and tag == self._barrier:
                    if getattr(rsp, "status", None) == "OK":
                        return True
                    self._barrier = None  # refused: nothing changes
        return False

    # -- routing hooks -------------------------------------------------------------------

    def _stream_threshold(self, size: Optional[int]) -> None:
        self._session.set_stream_threshold(size)

    def _awaitable_sink(self, cmd: Any, result: Any) -> None:
        self._pending_sinks.append((cmd, result))
