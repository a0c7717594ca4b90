"""The asyncio driver: moves bytes between an asyncio stream and the core, wakes tasks.

The core does everything else: the session (``_imaprs._Session``) keeps tags, the commands
in flight and what each claims, the continuation and completion rules, the connection state
and the capabilities; the link (``_imaprs._Link``) does TLS and DEFLATE on buffers. This
module reads the socket in one task, hands the bytes to the link and the session, and
resolves the futures of the commands the events name. No call here blocks the event loop.

Errors. NO/BAD raise from ``wait`` and leave the connection usable. A protocol violation, a
framing or limit error, a TLS failure, a BYE outside LOGOUT or a closed socket make it
unusable: every waiting and later call raises the same error. Cancelling a task that waits
for a command leaves the command in flight and the connection usable (the stream position is
known); cancelling one while it writes a command closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Dict, List, Optional

from .. import _imaprs
from .._command import IMAP4Command, allowed
from .._engine import MAX_UNCLAIMED
from .._types import IMAP4Response
from ..errors import (
    BYE,
    ConnectionClosed,
    IMAP4Error,
    LimitError,
    ProtocolError,
)

__all__ = ["AsyncCommand", "Driver"]

#: Bytes asked of the socket per read.
READ_SIZE = 64 * 1024


class AsyncCommand(IMAP4Command):
    """One command sent through ``imaprs.aio``: as :class:`imaprs.IMAP4Command`, awaited.

    ``await cmd.wait()`` waits for the completion and raises NO/BAD; ``async for rsp in
    cmd`` yields the responses it claims as they arrive; ``cmd.data`` is its typed result
    once it has completed."""

    __slots__ = ("_done", "_continuation", "_arrived")

    def __init__(self, driver: Driver, tag: str, name: str, args: List[Any], seqset: Any) -> None:
        super().__init__(driver, tag, name, args, seqset)  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        self._done: asyncio.Future[IMAP4Response] = loop.create_future()
        self._continuation: Optional[asyncio.Future[IMAP4Response]] = None
        self._arrived = asyncio.Event()

    def wait(  # type: ignore[override]
        self, *expect: str, timeout: Optional[float] = None
    ) -> asyncio.Future[AsyncCommand]:
        """An awaitable of the command once completed and checked (NO/BAD raise). When it
        has completed already, it is checked at once. Cancelling the awaitable (or a
        timeout) leaves the command in flight and the connection in step."""
        loop = asyncio.get_running_loop()
        out: asyncio.Future[AsyncCommand] = loop.create_future()
        if self.result is not None:
            self.check(*expect)
            out.set_result(self)
            return out

        def finish(done: asyncio.Future[IMAP4Response]) -> None:
            if out.done():
                return  # the waiter gave up
            error = done.exception()
            if error is None:
                try:
                    self.check(*expect)
                except IMAP4Error as exc:
                    error = exc
            if error is None:
                out.set_result(self)
            else:
                out.set_exception(error)

        self._done.add_done_callback(finish)
        if timeout is None:
            return out
        return asyncio.ensure_future(asyncio.wait_for(out, timeout))

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
            self._arrived.clear()
            arrived: asyncio.Future[Any] = asyncio.ensure_future(self._arrived.wait())
            done: asyncio.Future[Any] = self._done
            await asyncio.wait([arrived, done], return_when=asyncio.FIRST_COMPLETED)
            arrived.cancel()


class Driver:
    """The connection's side of the event loop (see the module documentation)."""

    _reader: asyncio.StreamReader
    _writer: asyncio.StreamWriter

    def _driver_init(self, host: str, tls: Any, max_line: Optional[int]) -> None:
        self._session = _imaprs._Session(max_line, greeting=True)
        self._link = _imaprs._Link(host, tls)
        self.queue = _imaprs._Unclaimed(MAX_UNCLAIMED)
        self.cmds: Dict[str, AsyncCommand] = {}
        self._error: Optional[BaseException] = None
        self._send_lock = asyncio.Lock()
        self._completed = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._greeting: asyncio.Future[IMAP4Response] = loop.create_future()
        self._pump: Optional[asyncio.Task[None]] = None

    async def _open(self, host: str, port: int, timeout: Optional[float]) -> IMAP4Response:
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), timeout
        )
        await self._flush()  # a TLS link's first handshake message
        self._pump = asyncio.get_running_loop().create_task(self._read_loop())
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
        self, name: str, *args: Any, seqset: Optional[str] = None, check: bool = True
    ) -> AsyncCommand:
        self._raise_if_failed()
        upper = name.upper()
        rule = allowed(upper, self._session.state, lambda: self.caps, check)
        exclusive = rule is not None and rule.exclusive
        session = self._session
        async with self._send_lock:
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
                cont = cmd._continuation = asyncio.get_running_loop().create_future()
                self._session.expect_continuation(cmd.tag, True)
                await self._write(bytes(pending))
                pending.clear()
                await self._until(asyncio.wait([cont, cmd._done], return_when="FIRST_COMPLETED"))
                if not cont.done():
                    return  # the server refused the literal: the command completed
            pending += data
        await self._write(bytes(pending))

    async def _write(self, data: bytes) -> None:
        self._raise_if_failed()
        self._link.send(data)
        await self._flush()

    async def _flush(self) -> None:
        out = self._link.take_outgoing()
        if out:
            self._writer.write(out)
            await self._writer.drain()

    async def _until(self, awaitable: Any) -> Any:
        """Awaits ``awaitable``, or raises the connection's failure if that comes first."""
        task = asyncio.ensure_future(awaitable)
        if self._pump is None:
            return await task
        await asyncio.wait([task, self._pump], return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            self._raise_if_failed()
        return task.result()

    # -- reading and routing -------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    raise ConnectionClosed("the server closed the connection")
                self._link.receive(data)
                ended: Optional[IMAP4Error] = None
                try:
                    while plain := self._link.read():
                        self._session.receive(plain)
                except IMAP4Error as exc:
                    ended = exc  # raised once what came before it is routed
                await self._flush()  # the TLS handshake's answers, alerts
                while (event := self._session.next_event()) is not None:
                    self._dispatch(*event)
                if ended is not None:
                    raise ended
                self._completed.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc if isinstance(exc, IMAP4Error) else ConnectionClosed(str(exc)))

    def _dispatch(self, kind: str, tag: Optional[str], rsp: Any) -> None:
        """Wakes whoever waits for one event of the session (streamed literals are not
        asked for, so none come)."""
        if kind == "done":
            cmd = self.cmds.pop(tag or "")
            cmd.result = rsp
            cmd._done.set_result(rsp)
            cmd._arrived.set()
        elif kind == "claimed" and tag in self.cmds:
            cmd = self.cmds[tag]
            cmd.queue.append(rsp)
            cmd._arrived.set()
        elif kind == "continue":
            cont = self.cmds[tag or ""]._continuation
            if cont is not None and not cont.done():
                cont.set_result(rsp)
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
        for waiter in [self._greeting, *(c._done for c in self.cmds.values())]:
            if not waiter.done():
                waiter.set_exception(exc)
                waiter.exception()  # retrieved here: the waiting call raises it
        if hasattr(self, "_writer"):
            self._writer.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    async def _close(self) -> None:
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
        if hasattr(self, "_writer") and not self._writer.is_closing():
            self._writer.close()
        if hasattr(self, "_writer"):
            with contextlib.suppress(OSError, ProtocolError):
                await self._writer.wait_closed()
