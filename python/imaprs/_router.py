"""Routing the responses read to whoever waits for them: the part of an engine that does no
I/O, shared by the blocking engine (``_engine``) and the asyncio driver (``aio._engine``).

A driver reads a batch of ``(response, claimed tag)`` pairs through the core's session
(``_imaprs._Session``, which decides who claims what and judges protocol violations) and hands
it to :meth:`Router._route`: completions go to their command, continuation requests to the
command being sent, claimed responses to their command's queue (literals to its sink),
everything else to the unclaimed queue; the selected mailbox's state follows the news. The
driver then wakes its waiters (threads on a condition, or tasks on futures).

The driver supplies: ``_guard`` (a context manager serialising access: the blocking engine's
condition, nothing for asyncio), ``_fail(exc)`` (makes the connection unusable),
``_stream_threshold(size)`` (streams literals of at least ``size`` bytes, None: never) and
``_awaitable_sink(cmd, result)`` (what to do when a sink returns an awaitable).
"""

from __future__ import annotations

import abc
import logging
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, List, Optional

from . import _imaprs
from ._log import LEVELS, LOG, redact_response
from ._mailbox import MAILBOX_NEWS
from ._types import IMAP4Response
from .errors import BYE, CallbackError, LimitError, ProtocolError

if TYPE_CHECKING:
    from ._command import IMAP4Command

__all__ = ["Monitor", "Router"]

Monitor = Callable[[IMAP4Response], Any]


class Router(abc.ABC):
    """See the module documentation."""

    _session: _imaprs._Session
    _guard: ContextManager[Any]
    queue: _imaprs._Unclaimed
    cmds: Dict[str, IMAP4Command]
    _error: Optional[BaseException]
    _callback_error: Optional[Exception]
    _continuation: Optional[IMAP4Response]
    _sinks: int
    monitor: Optional[Monitor]
    readonly: Optional[bool]
    #: The selected mailbox's state, which routing keeps current (see ``IMAP4.selected``).
    _selected: Optional[_imaprs.SelectedMailbox] = None

    @abc.abstractmethod
    def _fail(self, exc: BaseException) -> None:
        """Makes the connection unusable: every waiting and later call raises ``exc``."""

    @abc.abstractmethod
    def _stream_threshold(self, size: Optional[int]) -> None:
        """Literals of at least ``size`` bytes are handed over in pieces (None: whole)."""

    @abc.abstractmethod
    def _awaitable_sink(self, cmd: IMAP4Command, result: Any) -> None:
        """A sink returned an awaitable: the face awaits it or refuses it."""

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``'!auth'``, ``'auth'``, ``'selected'`` or ``'logout'``."""
        return self._session.state

    @state.setter
    def state(self, value: str) -> None:
        self._session.state = value  # ValueError for a name that is not a state
        if value != "selected":
            self.readonly = None

    @property
    def queued(self) -> Any:
        """The unclaimed responses, oldest first."""
        return self.queue.values()

    @property
    def new_caps(self) -> bool:
        """Whether the server's capabilities are known (a CAPABILITY response arrived)."""
        return self._session.capabilities_version > 0

    # -- routing -------------------------------------------------------------------------

    def _route(self, batch: List[Any]) -> None:
        debug = LEVELS.get(logging.DEBUG) is not False and LOG.isEnabledFor(logging.DEBUG)
        violation = batch[-1][0] if batch and isinstance(batch[-1][0], BaseException) else None
        cmds = self.cmds
        selected = self._selected
        for rsp, claimed in batch:
            if type(rsp) is not IMAP4Response and not isinstance(rsp, IMAP4Response):
                if isinstance(rsp, BaseException):
                    self._fail(rsp)
                    break
                self._chunk(rsp, claimed)
                continue
            if debug:
                LOG.debug("S: %s", redact_response(rsp))
            if self.monitor is not None:
                try:
                    if self.monitor(rsp) is False:
                        continue
                except Exception as exc:
                    # Raised from the waiting call; the response is kept, the stream intact.
                    self._callback_error = exc
            kind = rsp.type
            if kind == "done":
                if violation is None:  # else read with a violation: the command fails
                    cmd = cmds.pop(rsp.tag or "", None)
                    if cmd is None:
                        self._fail(ProtocolError(f"completion for an unknown tag: {rsp.text}"))
                        break  # what came after a failure is not delivered
                    if cmd.sink is not None:
                        self._sinks -= 1
                        if self._sinks == 0:
                            self._stream_threshold(None)
                    cmd.result = rsp
                    if self._error is not None:
                        break  # what came after a failure is not delivered
                continue
            if selected is not None and rsp.dtype in MAILBOX_NEWS:
                selected._apply(rsp)
            if kind == "continue":
                self._continuation = rsp
                idle = self._idle_cmd()
                if idle is not None:
                    idle.queue.append(rsp)
                continue
            cmd = cmds.get(claimed) if claimed is not None else None
            if cmd is not None:
                if cmd.sink is not None and rsp.literals:
                    self._sink_literals(cmd, rsp)
                cmd.queue.append(rsp)
            else:
                self._unclaimed(rsp)
                if self._error is not None:
                    break  # what came after a failure is not delivered

    def _idle_cmd(self) -> Optional[IMAP4Command]:
        # A copy: a thread sending a command adds to `cmds` without the routing lock.
        for cmd in tuple(self.cmds.values()):
            if cmd.name == "IDLE":
                return cmd
        return None

    def _chunk(self, chunk: Any, claimed: Optional[str]) -> None:
        cmd = self.cmds.get(claimed) if claimed is not None else None
        if cmd is None or cmd.sink is None:
            cmd = next((c for c in tuple(self.cmds.values()) if c.sink is not None), None)
        if cmd is None or cmd.sink is None:
            self._fail(ProtocolError("a streamed literal with no command to take it"))
            return
        self._feed_sink(cmd, chunk.head, chunk.data, chunk.offset, chunk.total)

    def _sink_literals(self, cmd: IMAP4Command, rsp: IMAP4Response) -> None:
        """Gives the sink the literal values of a FETCH response small enough to arrive
        whole (big ones came as chunks), leaving ``b''`` in their place."""
        items = rsp[2] if len(rsp) > 2 and rsp.dtype == "FETCH" else None
        if not isinstance(items, list):
            return
        line = rsp.text
        for k in range(1, len(items), 2):
            value = items[k]
            if not isinstance(value, bytes) or not value:
                continue
            index = next((j for j, lit in enumerate(rsp.literals) if lit is value), None)
            if index is None:
                continue
            head = (line[: line.find("{%d}" % index)] + "{0}").encode("utf-8", "surrogateescape")
            self._feed_sink(cmd, head, value, 0, len(value))
            items[k] = b""
            rsp.literals[index] = b""
            rsp._typed = None  # held the literal: FetchItems are built from the list again

    def _feed_sink(
        self, cmd: IMAP4Command, head: bytes, data: bytes, offset: int, total: int
    ) -> None:
        if cmd.sink is None or cmd.sink_error is not None:
            return  # after a failure the rest is read and dropped; wait() raises
        try:
            out = cmd.sink(head, data)
            if out is not None and hasattr(out, "__await__"):
                self._awaitable_sink(cmd, out)  # a coroutine function's: awaited in order
            cmd.literal_bytes += len(data)
            if cmd.progress is not None:
                cmd.progress(offset + len(data), total)
        except Exception as exc:  # raised from the command's wait(), not in the reader
            cmd.sink_error = sink_error(exc)

    def _unclaimed(self, rsp: IMAP4Response) -> None:
        cmds = tuple(self.cmds.values())  # see _idle_cmd
        if rsp.status == "BYE" and not any(c.name.upper() == "LOGOUT" for c in cmds):
            self.queue.defer([rsp])
            self._fail(BYE("server closed the connection", str(rsp.info), rsp))
            return
        try:
            self.queue.push(rsp)  # coalesced and bounded by the core
        except LimitError as exc:
            self._fail(exc)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
        exc = self._callback_error
        if exc is not None:
            self._callback_error = None
            raise CallbackError(f"the monitor raised {type(exc).__name__}: {exc}") from exc

    # -- the unclaimed queue -------------------------------------------------------------

    def claim(self, rsp: IMAP4Response) -> IMAP4Response:
        """Takes ``rsp`` off the unclaimed queue."""
        with self._guard:
            return self.queue.take(rsp.seq)

    def defer(self, rsp: IMAP4Response) -> None:
        """Puts ``rsp`` back on the unclaimed queue, in arrival order."""
        self._defer_all([rsp])

    def _defer_all(self, rsps: List[IMAP4Response]) -> None:
        with self._guard:
            self.queue.defer(rsps)

    def set_monitor(self, callback: Optional[Monitor]) -> Optional[Monitor]:
        """Calls ``callback(rsp)`` for every response read; returning False drops it.
        Returns the previous monitor."""
        if callback is not None and not callable(callback):
            raise TypeError("the monitor must be callable")
        old, self.monitor = self.monitor, callback
        return old


def sink_error(exc: BaseException) -> CallbackError:
    """The CallbackError a failed sink or progress callback becomes (``exc`` its cause)."""
    error = CallbackError(f"the sink or progress callback raised {type(exc).__name__}")
    error.__cause__ = exc
    return error
