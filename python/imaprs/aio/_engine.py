"""The asyncio driver: moves bytes between an asyncio transport and the core, wakes tasks.

The core does everything else: the session (``_imaprs._Session``) keeps tags, the commands
in flight and what each claims, the continuation and completion rules, the connection state
and the capabilities; the link (``_imaprs._Link``) does TLS and DEFLATE on buffers. This
module hands the bytes the transport receives to the link and the session, from the
protocol's ``data_received`` callback, and resolves there the futures of the commands the
events name: no task reads, so an idle connection costs no task and no wake-up, and a
completion wakes the waiting task in one turn of the loop. While the link is clear text
(no TLS, no DEFLATE yet) the bytes go straight between the transport and the session. No
call here blocks the event loop.

Errors. NO/BAD raise from ``wait`` and leave the connection usable. A protocol violation, a
framing or limit error, a TLS failure, a BYE outside LOGOUT or a closed socket make it
unusable: every waiting and later call raises the same error. Cancelling a task that waits
for a command leaves the command in flight and the connection usable (the stream position is
known); cancelling one while it writes a command closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Dict, List, Optional, Tuple

from .. import _imaprs
from .._command import IMAP4Command, allowed
from .._engine import CORK_LIMIT, MAX_UNCLAIMED
from .._types import IMAP4Response
from ..errors import (
    BYE,
    ConnectionClosed,
    IMAP4Error,
    LimitError,
)

__all__ = ["AsyncCommand", "Driver"]

#: The link's state while it is clear text: (encrypted, compressed).
_CLEAR = (False, False)


class AsyncCommand(IMAP4Command):
    """One command sent through ``imaprs.aio``: as :class:`imaprs.IMAP4Command`, awaited.

    ``await cmd.wait()`` waits for the completion and raises NO/BAD; ``async for rsp in
    cmd`` yields the responses it claims as they arrive; ``cmd.data`` is its typed result
    once it has completed."""

    __slots__ = ("_done", "_continuation", "_arrived", "_waiters")

    def __init__(self, driver: Driver, tag: str, name: str, args: List[Any], seqset: Any) -> None:
        super().__init__(driver, tag, name, args, seqset)  # type: ignore[arg-type]
        self._done: asyncio.Future[IMAP4Response] = driver._loop.create_future()
        self._continuation: Optional[asyncio.Future[IMAP4Response]] = None
        self._arrived = asyncio.Event()
        #: The futures handed out by ``wait`` and what each expects (made on first use).
        self._waiters: Optional[List[Tuple[asyncio.Future[AsyncCommand], Tuple[str, ...]]]] = None

    def wait(  # type: ignore[override]
        self, *expect: str, timeout: Optional[float] = None
    ) -> asyncio.Future[AsyncCommand]:
        """An awaitable of the command once completed and checked (NO/BAD raise). When it
        has completed already, it is checked at once. Cancelling the awaitable (or a
        timeout) leaves the command in flight and the connection in step."""
        driver: Driver = self.imap  # type: ignore[assignment]
        if driver._cork:
            driver._uncork()  # what is queued leaves now: someone waits
        out: asyncio.Future[AsyncCommand] = self._done.get_loop().create_future()
        if self._done.done():
            self._settle(out, expect)
            return out
        if self._waiters is None:
            self._waiters = []
        self._waiters.append((out, expect))
        if timeout is None:
            return out
        return asyncio.ensure_future(asyncio.wait_for(out, timeout))

    def _settle(self, out: asyncio.Future[AsyncCommand], expect: Tuple[str, ...]) -> None:
        """Resolves one ``wait`` future from the completion (or the connection's failure)."""
        if out.done():
            return  # the waiter gave up
        error = self._done.exception()
        if error is None:
            try:
                self.check(*expect)
            except IMAP4Error as exc:
                error = exc
        if error is None:
            out.set_result(self)
        else:
            out.set_exception(error)

    def _finish(self) -> None:
        """The completion (or the failure) is in ``_done``: wakes everyone waiting."""
        self._arrived.set()
        waiters, self._waiters = self._waiters, None
        if waiters:
            for out, expect in waiters:
                self._settle(out, expect)

    @property
    def data(self) -> Any:
        """The typed result (see ``IMAP4Command.data``); await :meth:`wait` first."""
        if self.result is None:
            raise IMAP4Error(f"{self.name} has not completed: await its wait() first")
        return super().data

    def __aiter__(self) -> Any:
        return self._responses()

    async def _responses(self) -> Any:
        while True:
            while self.queue:
                yield self.queue.popleft()
            if self.result is not None:
                return
            self.imap._raise_if_failed()
            self._arrived.clear()
            await self._arrived.wait()


class _Wire(asyncio.Protocol):
    """The transport's side of a connection: hands what arrives to the driver, and holds
    writers back while the transport's buffer is full."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.transport: Optional[asyncio.Transport] = None
        self.paused = False
        self._drained: Optional[asyncio.Future[None]] = None
        self.lost: asyncio.Future[None] = driver._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.driver._received(data)

    def eof_received(self) -> None:
        self.driver._fail(ConnectionClosed("the server closed the connection"))

    def connection_lost(self, exc: Optional[Exception]) -> None:
        reason = f"the connection was lost: {exc}" if exc else "the server closed the connection"
        self.driver._fail(ConnectionClosed(reason))
        self.resume_writing()
        if not self.lost.done():
            self.lost.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    async def drain(self) -> None:
        if self.paused:
            if self._drained is None:
                self._drained = self.driver._loop.create_future()
            await asyncio.shield(self._drained)


class Driver:
    """The connection's side of the event loop (see the module documentation)."""

    _wire: _Wire
    #: Seconds allowed for connecting and for the server to end an IDLE (None: no bound).
    timeout: Optional[float]

    def _driver_init(self, host: str, tls: Any, max_line: Optional[int]) -> None:
        self._loop = asyncio.get_running_loop()
        self._session = _imaprs._Session(max_line, greeting=True)
        self._link = _imaprs._Link(host, tls)
        self.queue = _imaprs._Unclaimed(MAX_UNCLAIMED)
        self.cmds: Dict[str, AsyncCommand] = {}
        self._error: Optional[BaseException] = None
        self._send_lock = asyncio.Lock()
        #: Set when a command completes (senders that must wait for one watch it).
        self._completed = asyncio.Event()
        #: Resolved when the connection fails (waits that must not outlive it watch it).
        self._failed: asyncio.Future[None] = self._loop.create_future()
        self._greeting: asyncio.Future[IMAP4Response] = self._loop.create_future()
        self._wire = _Wire(self)
        #: The task inside an ``idle()`` block, which holds the send lock.
        self._idler: Optional[asyncio.Task[Any]] = None
        #: Command bytes not yet handed to the transport (see ``_put``).
        self._cork = bytearray()
        self._uncork_due = False

    async def _open(self, host: str, port: int, timeout: Optional[float]) -> IMAP4Response:
        await asyncio.wait_for(
            self._loop.create_connection(lambda: self._wire, host, port), timeout
        )
        await self._flush()  # a TLS link's first handshake message
        return await asyncio.wait_for(asyncio.shield(self._greeting), timeout)

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``'!auth'``, ``'auth'``, ``'selected'`` or ``'logout'``."""
        return self._session.state

    @state.setter
    def state(self, value: str) -> None:
        self._session.state = value

    @property
    def caps(self) -> set[str]:
        """The server's capabilities as last stated (upper case)."""
        return self._session.capabilities()

    # -- sending -------------------------------------------------------------------------

    async def _send(
        self,
        name: str,
        *args: Any,
        seqset: Optional[str] = None,
        check: bool = True,
        held: bool = False,
    ) -> AsyncCommand:
        """Sends a command (see ``IMAP4.__call__``); ``held``: the caller holds the send
        lock already (IDLE holds it across its renewals)."""
        if self._error is not None:
            raise self._error
        upper = name.upper()
        rule = allowed(upper, self._session.state, self._caps, check)
        exclusive = rule is not None and rule.exclusive
        if held:
            return await self._send_held(name, upper, exclusive, args, seqset)
        if self._idler is not None and self._idler is asyncio.current_task():
            # Waiting for the lock the IDLE block of this very task holds would never end.
            raise IMAP4Error(f"{upper} inside this task's idle() block: leave the block first")
        async with self._send_lock:
            return await self._send_held(name, upper, exclusive, args, seqset)

    def _caps(self) -> set[str]:
        return self._session.capabilities()

    async def _send_held(
        self, name: str, upper: str, exclusive: bool, args: Any, seqset: Optional[str]
    ) -> AsyncCommand:
        session = self._session
        while (exclusive and self.cmds) or session.conflicts(upper, seqset):
            # Its responses could not be told from those of a command in flight.
            self._completed.clear()
            await self._until(self._completed.wait())
        arg_list = list(args)
        # Tagged, encoded and tracked in one call; a refused argument leaves no trace.
        tag, wire = session.command(name, upper, arg_list, seqset)
        parts = [wire] if isinstance(wire, bytes) else wire
        cmd = AsyncCommand(self, tag, name, arg_list, seqset)
        self.cmds[tag] = cmd
        if len(parts) == 1 and isinstance(parts[0], bytes):
            self._put(parts[0])  # the usual case: one line, no literal to wait for
            if self._wire.paused:
                await self._drain()
            return cmd
        try:
            await self._write_parts(cmd, parts)
        except asyncio.CancelledError:
            # Part of the command may have left: where the stream stands is unknown.
            self._fail(ConnectionClosed("cancelled while sending a command"))
            raise
        return cmd

    async def _write_parts(self, cmd: AsyncCommand, parts: List[Any]) -> None:
        pending = bytearray()
        for part in parts:
            if isinstance(part, bytes):
                pending += part
                continue
            data, sync = part
            if sync:
                cont = cmd._continuation = self._loop.create_future()
                self._session.expect_continuation(cmd.tag, True)
                await self._write(bytes(pending))
                pending.clear()
                await self._until(asyncio.wait([cont, cmd._done], return_when="FIRST_COMPLETED"))
                if not cont.done():
                    return  # the server refused the literal: the command completed
            pending += data
        await self._write(bytes(pending))

    async def _write(self, data: bytes) -> None:
        """Sends ``data`` and what is queued before it now; returns once the transport
        took it (waits while it is full)."""
        self._put(data)
        self._uncork()
        self._raise_if_failed()
        await self._drain()

    def _put(self, data: bytes) -> None:
        """Queues ``data`` behind what is queued. It leaves when someone waits for a
        command, when 8 KiB are queued, or when the loop next runs its callbacks: a burst
        of ``wait=False`` commands goes out in a few packets."""
        if self._error is not None:
            raise self._error
        cork = self._cork
        if not self._uncork_due:
            self._uncork_due = True
            self._loop.call_soon(self._uncork)
        cork += data
        if len(cork) >= CORK_LIMIT:
            self._uncork()

    def _uncork(self) -> None:
        """Sends what is queued (a TLS or DEFLATE link encodes it first)."""
        self._uncork_due = False
        cork = self._cork
        if not cork or self._error is not None:
            return
        data = bytes(cork)
        cork.clear()
        transport = self._wire.transport
        if transport is None:
            self._fail(ConnectionClosed("not connected"))
            return
        link = self._link
        if link.state == _CLEAR:
            transport.write(data)
            return
        try:
            link.send(data)
        except IMAP4Error as exc:
            self._fail(exc)
            return
        transport.write(link.take_outgoing())

    async def _drain(self) -> None:
        if self._wire.paused:
            await self._until(self._wire.drain())
            self._raise_if_failed()

    async def _flush(self) -> None:
        """Writes what the link has for the socket (TLS handshake messages)."""
        out = self._link.take_outgoing()
        if out and self._wire.transport is not None:
            self._wire.transport.write(out)
            await self._drain()

    async def _until(self, awaitable: Any) -> Any:
        """Awaits ``awaitable``, or raises the connection's failure if that comes first."""
        task = asyncio.ensure_future(awaitable)
        await asyncio.wait([task, self._failed], return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            self._raise_if_failed()
        return task.result()

    # -- reading and routing -------------------------------------------------------------

    def _received(self, data: bytes) -> None:
        """What the transport read: through the link to the session, then its events to
        whoever waits for them."""
        if self._error is not None:
            return  # the connection failed: the rest is dropped
        session = self._session
        ended: Optional[BaseException] = None
        try:
            link = self._link
            if link.state == _CLEAR:
                session.receive(data)
            else:
                link.receive(data)
                try:
                    while plain := link.read():
                        session.receive(plain)
                finally:
                    out = link.take_outgoing()  # the TLS handshake's answers, alerts
                    if out and self._wire.transport is not None:
                        self._wire.transport.write(out)
        except IMAP4Error as exc:
            ended = exc  # raised once what came before it is routed
        except Exception as exc:
            ended = ConnectionClosed(str(exc))
        dispatch = self._dispatch
        try:
            while (event := session.next_event()) is not None:
                dispatch(*event)
                if self._error is not None:
                    return  # BYE, or the unclaimed queue overflowed: the rest is dropped
        except IMAP4Error as exc:
            ended = exc
        except Exception as exc:
            ended = ConnectionClosed(str(exc))
        if ended is not None:
            self._fail(ended)
        elif not self._completed.is_set():
            self._completed.set()

    def _dispatch(self, kind: str, tag: Optional[str], rsp: Any) -> None:
        """Wakes whoever waits for one event of the session (streamed literals are not
        asked for, so none come)."""
        if kind == "claimed":
            cmd = self.cmds.get(tag or "")
            if cmd is not None:
                cmd.queue.append(rsp)
                arrived = cmd._arrived
                if not arrived.is_set():
                    arrived.set()
                return
        if kind == "done":
            cmd = self.cmds.pop(tag or "")
            cmd.result = rsp
            cmd._done.set_result(rsp)
            cmd._finish()
        elif kind == "continue":
            cmd = self.cmds[tag or ""]
            cont = cmd._continuation
            if cont is not None and not cont.done():
                cont.set_result(rsp)
            else:  # an exchange's "+" (IDLE): given to the command as a response
                cmd.queue.append(rsp)
                cmd._arrived.set()
        elif kind == "greeting":
            self._greeting.set_result(rsp)
        elif rsp.status == "BYE" and not any(
            c.name.upper() == "LOGOUT" for c in self.cmds.values()
        ):
            self.queue.defer([rsp])
            self._fail(BYE("server closed the connection", str(rsp.info), rsp))
        else:
            try:
                self.queue.push(rsp)  # coalesced and bounded by the core
            except LimitError as exc:
                self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """Makes the connection unusable: every waiting and later call raises ``exc``."""
        if self._error is not None:
            return
        self._error = exc
        self._session.state = "logout"
        if not self._greeting.done():
            self._greeting.set_exception(exc)
            self._greeting.exception()  # retrieved here: the waiting call raises it
        for cmd in self.cmds.values():
            if not cmd._done.done():
                cmd._done.set_exception(exc)
                cmd._done.exception()
            cmd._finish()  # waiting and iterating tasks wake and raise
        if not self._failed.done():
            self._failed.set_result(None)
        transport = self._wire.transport
        if transport is not None:
            transport.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    async def _close(self) -> None:
        transport = self._wire.transport
        if transport is None:
            return
        if not transport.is_closing():
            transport.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._wire.lost), 5)
