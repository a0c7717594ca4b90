"""The asyncio driver: moves bytes between an asyncio transport and the core, wakes tasks.

The core does the protocol: the session (``_imaprs._Session``) keeps tags, the commands in
flight and what each claims, the continuation and completion rules, the connection state and
the capabilities; the link (``_imaprs._Link``) does TLS and DEFLATE on buffers (skipped
while the link is clear text). Routing what the session yields is shared with the blocking
engine (``imaprs._router``), and so are sending (``imaprs._sending``) and the commands
(``imaprs._session``, ``imaprs._commands``: their operations are driven here by awaiting
each step). Reading happens in the transport's callback (``aio._reading``): no task reads.
This module sends, waits and wakes. No call here blocks the event loop.

Sending. Command bytes are queued and leave together when someone waits, when 8 KiB are
queued, or when the loop next runs its callbacks, so a burst of ``wait=False`` commands
goes out in a few packets, as in the blocking face.

Errors and cancellation. NO/BAD raise from ``wait`` and leave the connection usable, as does
a timeout: ``timeout`` seconds without a byte from the server, or a response that takes
longer than ``deadline`` to arrive whole. A protocol violation, a framing or limit error, a
TLS failure, a BYE outside LOGOUT or a closed socket make it unusable: every waiting and
later call raises the same error. Cancelling a task while it waits (for a completion, a
response, its turn to send) leaves the command in flight and the connection usable: the
stream position is known. Cancelling it half-way through a command (between a synchronising
literal's ``+`` and its data, inside an upload, inside STARTTLS or COMPRESS) closes the
connection, and every task waiting on it wakes with the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

from .. import _engine, _imaprs
from .._command import IMAP4Command, Sink, allowed
from .._log import LOG
from .._ops import Op, T
from .._sending import Sending
from .._types import IMAP4Response
from .._upload import Upload
from ..errors import ConnectionClosed, IMAP4Error, IMAP4Timeout, ProtocolError, TLSError
from ._command import AsyncCommand
from ._lock import TaskLock
from ._reading import CLEAR, Reading
from ._wire import Wire

__all__ = ["Driver"]


class Driver(Reading, Sending):
    """The connection's side of the event loop (see the module documentation)."""

    _command_class = AsyncCommand

    timeout: Optional[float]
    _noop_class: type

    def _driver_init(
        self,
        host: str,
        tls: Any,
        max_line: Optional[int],
        timeout: Optional[float],
        deadline: Optional[float],
    ) -> None:
        self._loop = loop = asyncio.get_running_loop()
        self.timeout = timeout
        self.deadline = deadline
        #: When the response under way started to arrive (None: no response is under way).
        self._partial_since: Optional[float] = None
        self._heard = loop.time()
        self._session = _imaprs._Session(max_line, greeting=True)
        self._link = _imaprs._Link(host, tls)
        #: Whether the link is clear text (it changes only in ``_change_link``).
        self._clear = self._link.state == CLEAR
        self._wire = Wire(self, loop)
        self.queue = _imaprs._Unclaimed(_engine.MAX_UNCLAIMED)
        self.cmds: Dict[str, AsyncCommand] = {}  # type: ignore[assignment]
        self._guard = contextlib.nullcontext()
        self._error = None
        self._callback_error = None
        self._continuation = None
        self._sinks = 0
        self.monitor = None
        self.readonly = None
        self._selected = None
        self._lock = TaskLock()
        #: The task inside an ``idle()`` block, which holds the send lock.
        self._idler: Optional[asyncio.Task[Any]] = None
        self._literal_header = self._session.literal_header
        self._write_guard = contextlib.nullcontext()
        self._waiters: List[asyncio.Future[None]] = []
        #: The timer that wakes the waiters when the first of their limits passes.
        self._watch: Optional[asyncio.TimerHandle] = None
        self._pending_sinks: List[Tuple[AsyncCommand, Any]] = []
        self._sinker: Optional[asyncio.Task[None]] = None
        #: While coroutine sinks are awaited, what was routed is not yet to be seen.
        self._sinking = False
        self._barrier: Optional[str] = None
        self._held: Optional[bytearray] = None
        self._greeting: Optional[IMAP4Response] = None
        #: Command bytes not yet handed to the transport (see ``_put``).
        self._cork = bytearray()
        self._uncork_due = False

    async def _open(self, host: str, port: int) -> IMAP4Response:
        loop = self._loop
        await asyncio.wait_for(loop.create_connection(lambda: self._wire, host, port), self.timeout)
        self._flush_link()  # a TLS link's first handshake message
        await self._wait_for(lambda: self._greeting is not None)
        assert self._greeting is not None
        return self._greeting

    # -- what the shared commands need of this face --------------------------------------

    @property
    def caps(self) -> set[str]:
        """The server's capabilities as last stated (upper case)."""
        return self._session.capabilities()

    def _set_caps(self, caps: Any) -> None:
        self._session.set_capabilities([str(c) for c in caps])

    @property
    def encrypted(self) -> bool:
        """Whether the link is encrypted with TLS."""
        return self._link.state[0]

    @property
    def compressed(self) -> bool:
        """Whether COMPRESS=DEFLATE is active."""
        return self._link.state[1]

    async def _caps_unknown(self) -> None:
        """Authentication changed the capabilities without stating them: re-read now (a
        property cannot wait later)."""
        await self._run(True, "CAPABILITY")

    def _release_barrier(self) -> None:
        self._barrier = None

    def _start_tls(self, options: Any) -> None:
        self._change_link(
            lambda: self._link.start_tls(options),
            TLSError("server sent data after the STARTTLS OK line"),
        )

    def _start_compress(self, level: int) -> None:
        self._change_link(
            lambda: self._link.start_compress(level),
            ProtocolError("the server sent data after its OK to COMPRESS"),
        )

    def _change_link(self, change: Callable[[], None], early: IMAP4Error) -> None:
        """Changes the link once reading stopped after the OK, then reads again."""
        self._raise_if_failed()
        if self._held:
            raise early
        self._uncork()  # what was queued before belongs to the old link
        try:
            change()
        finally:
            self._clear = self._link.state == CLEAR
        self._flush_link()  # the TLS handshake's first message
        self._let_go()

    async def _close_link(self) -> None:
        if self._error is None:
            self._error = ConnectionClosed("the connection is closed")
        self._session.state = "logout"
        self._stop_watch()
        self._wake()
        transport = self._wire.transport
        if transport is None:
            return
        if not transport.is_closing():
            self._uncork_now()
            transport.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._wire.lost), 1.0)

    # -- driving -------------------------------------------------------------------------

    async def _drive(self, op: Op[T], exclusive: bool = False) -> T:
        """Runs the operation ``op`` (see ``imaprs._ops``): awaits each step it yields and
        sends back the result, or throws the exception in. ``exclusive`` holds the send lock
        throughout, so no other task sends meanwhile."""
        if exclusive:
            async with self._lock:
                return await self._drive(op)
        value: Any = None
        error: Optional[BaseException] = None
        while True:
            try:
                step = op.send(value) if error is None else op.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            value, error = None, None
            try:
                value = (await step) if hasattr(step, "__await__") else step
            except BaseException as exc:
                error = exc

    async def _run(self, wait: bool, name: str, *args: Any, **kw: Any) -> AsyncCommand:
        # Most commands leave at once (no await, no coroutine for the send).
        sent = self._send_now(name, args, wait, **kw)
        if sent is None:
            cmd = await self._send(name, *args, flush=wait, **kw)
        elif sent[1] is None and not self._wire.paused:
            cmd = sent[0]
        else:
            cmd = await self._sent(sent, wait)
        if wait:
            await cmd.wait()
        return cmd

    async def _finish(self, cmd: AsyncCommand, wait: bool) -> AsyncCommand:
        if wait:
            await cmd.wait()
        return cmd

    async def wait_all(self) -> None:
        """Waits for every command in flight."""
        if self._idle_cmd() is not None:
            raise RuntimeError("IDLE is active: wait_all() would never return")
        await self._wait_for(lambda: not self.cmds)

    # -- the unclaimed queue -------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[IMAP4Response]:
        """Every unclaimed response as it arrives."""
        return self._unclaimed_responses()

    async def _unclaimed_responses(self) -> AsyncIterator[IMAP4Response]:
        while True:
            rsp = await self.block()
            if rsp is not None:
                yield rsp

    def poll(self) -> Optional[IMAP4Response]:
        """Takes the oldest unclaimed response, or None (what arrived is routed already)."""
        return self.queue.popleft()

    async def block(self, timeout: Optional[float] = None) -> Optional[IMAP4Response]:
        """Waits for an unclaimed response and takes it (None after ``timeout`` seconds)."""
        try:
            await self._wait_for(lambda: bool(self.queue), timeout)
        except IMAP4Timeout:
            if timeout is None:
                raise
            return None
        return self.queue.popleft()

    # -- sending -------------------------------------------------------------------------

    async def _send(
        self,
        name: str,
        *args: Any,
        seqset: Optional[str] = None,
        sink: Optional[Sink] = None,
        progress: Optional[Callable[[int, int], None]] = None,
        check: bool = True,
        flush: bool = False,
        uploads: Optional[List[Upload]] = None,
        idle: bool = False,
    ) -> AsyncCommand:
        """Sends a command (see ``IMAP4.__call__``); ``idle``: sent by the ``idle()``
        block, which holds the send lock."""
        if not idle:
            sent = self._send_now(name, args, flush, seqset, sink, progress, check, uploads)
            if sent is not None:
                return await self._sent(sent, flush)
        upper, rule = self._admit(name, check, idle)
        session = self._session
        lock = self._lock
        if not lock.take_now():
            await lock.__aenter__()
        try:
            if rule is not None and rule.exclusive:
                await self._wait_for(lambda: not self.cmds)
            elif session.conflicts(upper, seqset):
                # Its responses could not be told from those of a command in flight.
                await self._wait_for(lambda: not session.conflicts(upper, seqset))
            self._raise_if_failed()
            cmd, parts = self._register(name, upper, args, seqset, sink, progress, uploads)
        except BaseException:
            lock._release()
            raise
        return await self._sent(self._put_parts(cmd, parts, flush), flush)

    def _send_now(
        self,
        name: str,
        args: Tuple[Any, ...],
        flush: bool,
        seqset: Optional[str] = None,
        sink: Optional[Sink] = None,
        progress: Optional[Callable[[int, int], None]] = None,
        check: bool = True,
        uploads: Optional[List[Upload]] = None,
    ) -> Optional[Tuple[AsyncCommand, Optional[List[Any]]]]:
        """The start of ``_send`` when it needs no wait (the send lock free, no command in
        flight to wait for, room in the transport), as a plain call: most commands leave
        here. None when it would wait (nothing done yet); else what ``_put_parts`` gives.
        Raises what ``_send`` raises before it waits."""
        lock = self._lock
        if self._wire.paused or not lock.take_now():
            return None
        try:
            upper, rule = self._admit(name, check, False)
            if (rule is not None and rule.exclusive) or self._session.conflicts(upper, seqset):
                lock._release()
                return None
            cmd, parts = self._register(name, upper, args, seqset, sink, progress, uploads)
        except BaseException:
            lock._release()
            raise
        return self._put_parts(cmd, parts, flush)

    def _put_parts(
        self, cmd: Any, parts: List[Any], flush: bool
    ) -> Tuple[AsyncCommand, Optional[List[Any]]]:
        """Writes a registered command of one piece of text (most are) and lets the send
        lock go: ``(cmd, None)``. A command of several parts is left to ``_sent``, the
        lock still held: ``(cmd, parts)``."""
        if len(parts) != 1:
            return cmd, parts
        try:
            self._put_command(parts[0], flush)
        finally:
            self._lock._release()
        return cmd, None

    async def _sent(
        self, sent: Tuple[AsyncCommand, Optional[List[Any]]], flush: bool
    ) -> AsyncCommand:
        """Finishes what ``_put_parts`` gave: writes the parts left (literals, uploads)
        and lets the lock go; waits while the transport is full."""
        cmd, parts = sent
        if parts is None:
            if self._wire.paused:
                await self._drain()
            return cmd
        try:
            await self._drive(self._write_op(cmd, parts, flush))
        except BaseException as exc:
            if not isinstance(exc, IMAP4Error) or isinstance(exc, IMAP4Timeout):
                # The server is left inside the command: the stream position is lost.
                self._fail(ConnectionClosed(f"stopped half-way through a command: {exc!r}"))
            raise
        finally:
            self._lock._release()
        return cmd

    def _admit(self, name: str, check: bool, idle: bool) -> Tuple[str, Any]:
        """Refuses a command that may not be sent now; its name in upper case and rule."""
        self._raise_if_failed()
        upper = name.upper()
        rule = allowed(upper, self._session.state, self, check)
        if not idle and self._idler is not None and self._idler is asyncio.current_task():
            # Waiting for the lock the IDLE block of this very task holds would never end.
            raise IMAP4Error(f"{upper} inside this task's idle() block: leave the block first")
        return upper, rule

    def _put_command(self, data: bytes, flush: bool) -> None:
        """Queues a command of one piece of text; it leaves now when its caller waits for
        it next, else once the loop runs its callbacks (see the module documentation)."""
        if flush and not self._cork:
            self._raise_if_failed()
            self._transmit(data)  # nothing queued: no copy
            return
        self._put(data)
        if flush:
            self._uncork()
        elif not self._uncork_due:
            self._uncork_due = True
            self._loop.call_soon(self._uncork)

    async def _write(self, data: bytes, flush: bool) -> None:
        self._put(data)
        self._uncork()
        await self._drain()

    async def _write_piece(self, piece: bytes) -> None:
        await self._write(piece, True)
        await asyncio.sleep(0)  # other tasks run between two pieces of an upload

    def _route_ready(self) -> None:
        """Nothing to do: what arrived is routed already (see ``aio._reading``)."""

    def _set_barrier(self, tag: Optional[str]) -> None:
        self._barrier = tag

    def _put(self, data: bytes) -> None:
        """Queues ``data`` behind what is queued (see the module documentation)."""
        self._raise_if_failed()
        cork = self._cork
        cork += data
        if len(cork) >= _engine.CORK_LIMIT:
            self._uncork()

    def _uncork(self) -> None:
        """Sends what is queued (a TLS or DEFLATE link encodes it first)."""
        self._uncork_due = False
        if self._cork and self._error is None:
            self._uncork_now()

    def _uncork_now(self) -> None:
        data = bytes(self._cork)
        self._cork.clear()
        self._transmit(data)

    def _transmit(self, data: bytes) -> None:
        """Hands ``data`` to the transport (through the link unless it is clear text)."""
        transport = self._wire.transport
        if transport is None or not data:
            return
        link = self._link
        if self._clear:
            transport.write(data)
            return
        try:
            link.send(data)
        except IMAP4Error as exc:
            self._fail(exc)
            return
        transport.write(link.take_outgoing())

    def _flush_link(self) -> None:
        """Writes what the link has for the socket (TLS handshake messages, alerts)."""
        out = self._link.take_outgoing()
        if out and self._wire.transport is not None:
            self._wire.transport.write(out)

    async def _drain(self) -> None:
        """Returns once the transport takes more (waits while its buffer is full)."""
        wire = self._wire
        if wire.paused:
            await wire.drain()
        if self._error is not None:
            raise self._error

    async def _await_continuation(self, cmd: IMAP4Command) -> Optional[bytes]:
        """Waits for ``+`` and returns its decoded data (``b''`` when it carries none), or
        None when ``cmd`` completed instead."""
        await self._wait_for(lambda: self._continuation is not None or cmd.result is not None)
        cont, self._continuation = self._continuation, None
        if cont is None:
            return None
        return cont.info if isinstance(cont.info, bytes) else b""

    async def _send_raw(
        self, data: bytes, secret: bool = False, answer: Optional[str] = None
    ) -> None:
        """Writes a line of an exchange (AUTHENTICATE answers, DONE); ``answer`` is the tag
        of the command that waits for the server's next ``+`` after it (None: none does)."""
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug("C: %s", "<secret>" if secret else data.rstrip(b"\r\n").decode("latin-1"))
        async with self._lock:
            self._session.expect_continuation(answer)
            await self._write(data, True)

    # -- waiting -------------------------------------------------------------------------

    async def _wait_for(self, ready: Callable[[], bool], timeout: Optional[float] = None) -> None:
        """Returns once ``ready()`` holds. IMAP4Timeout when nothing arrives for the
        connection's ``timeout`` seconds, when a response takes longer than its
        ``deadline`` to arrive whole, or when ``timeout`` seconds pass in all."""
        if self._cork:
            self._uncork()  # what is queued leaves now: someone waits
        if self._sinking or not ready():
            loop = self._loop
            start = now = loop.time()
            end = None if timeout is None else start + timeout
            while self._sinking or not ready():
                if self._error is not None or self._callback_error is not None:
                    self._raise_if_failed()
                limit, why = self._limit(max(start, self._heard), end)
                if limit is not None:
                    if limit <= now:
                        raise IMAP4Timeout(why)
                    watch = self._watch
                    if watch is None or watch.when() > limit:
                        self._watch_until(limit)  # else the timer rings soon enough
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.append(waiter)
                await waiter
                now = loop.time()
        if self._error is None and self._callback_error is not None:
            self._raise_if_failed()

    def _limit(self, heard: float, end: Optional[float]) -> Tuple[Optional[float], str]:
        """When a wait gives up (loop time, None: never) and why."""
        limit, why = end, "timed out waiting for the server"
        if self.timeout is not None and (limit is None or heard + self.timeout < limit):
            limit = heard + self.timeout
        if self._partial_since is not None and self.deadline is not None:
            due = self._partial_since + self.deadline
            if limit is None or due <= limit:
                limit, why = due, "timed out waiting for a whole response (deadline passed)"
        return limit, why

    def _watch_until(self, when: float) -> None:
        """Makes sure the waiters wake by ``when`` to look at their limits again: one timer
        per connection, moved only when a wait must end sooner than it rings."""
        watch = self._watch
        if watch is None or watch.when() > when:
            if watch is not None:
                watch.cancel()
            self._watch = self._loop.call_at(when, self._ring)

    def _stop_watch(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def _ring(self) -> None:
        self._watch = None
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        """Makes the connection unusable: every waiting and later call raises ``exc``."""
        if self._error is None:
            self._error = exc
            self._session.state = "logout"
            transport = self._wire.transport
            if transport is not None:
                transport.close()
            sinker = self._sinker
            if sinker is not None and not sinker.done() and sinker is not _current_task():
                sinker.cancel()
            for _cmd, pending in self._pending_sinks:
                pending.close()
            self._pending_sinks.clear()
        self._stop_watch()
        self._wake()


def _current_task() -> Optional[asyncio.Task[Any]]:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None
