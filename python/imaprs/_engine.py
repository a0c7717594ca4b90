"""The engine under IMAP4: sending commands, reading and routing responses, threads.

Threads. Any number of threads may share one connection. Sending holds the send lock for
one whole command (its literals too), so commands never interleave on the wire. Waiting is
leader/follower: a thread that needs something (a completion, a claimed response, a
continuation request) becomes the reader if nobody reads, reads a batch of responses with
the GIL released, routes them and wakes the others; otherwise it sleeps on a condition until
the reader has routed something. The core is full duplex, so a thread may send while another
waits on the network. A command waited for while the connection is otherwise idle (nothing
in flight, queued or being read) takes a shorter way, ``_exchange``: the calling thread sends
it with one call into the core and reads its answer itself; when that answer holds only the
command's responses and its completion, they become its queue and result without passing
through the router, and anything else goes the general way.

Routing. The core's session (``proto::session``, bound as ``_imaprs._Session``) keeps the
tags, the commands in flight and what each claims; the connection routes each response read
through it. Each response goes to the first command in flight that claims it, completions to
their command by tag, continuation requests to the command being sent, and the rest to the
unclaimed queue ``queue`` (``_imaprs._Unclaimed``: arrival order, bounded; EXISTS, RECENT and
FLAGS are coalesced to the newest). Commands whose responses could not be told apart are not
pipelined together: the session says which must wait. This module only moves bytes and wakes
the threads that wait.

Errors. NO/BAD raise from ``wait``/``check`` and leave the connection usable, as do a timeout
and a response that fails to parse (raised to the thread that read it). A BYE outside LOGOUT,
a framing or limit error, a TLS failure or a closed socket make the connection unusable: every
waiting and later call raises the same error. So does a protocol violation, judged by the core
(``proto::session``): a completion whose tag is not in flight, a ``+`` no command waits for
(what the socket holds is read before a synchronising literal's header is written, so a
``+`` sent earlier cannot release it), a tagged OK where ``+`` was due. Completions read in the
same batch as a violation are not honoured: every command in flight fails.

Signals and processes. Network waits run in short slices between which Python's signal
handlers run, so Ctrl-C raises KeyboardInterrupt in the waiting thread; the connection is then
closed, its position in the stream being unknown. A connection inherited through os.fork()
refuses every call in the child and leaves the socket to the parent. An exception from a
monitor, a sink or a progress callback reaches the waiting call as ``CallbackError`` with the
original as ``__cause__``; the stream stays in step, so the connection stays usable.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from typing import Any, Callable, Iterable, List, Optional, Tuple

from . import _imaprs
from ._command import IMAP4Command, Sink, allowed
from ._log import LEVELS, LOG
from ._ops import Op, T
from ._router import Monitor
from ._sending import FATAL, OWN_STEPS, STREAM_THRESHOLD, Sending
from ._types import IMAP4Response
from ._upload import Upload
from .errors import (
    ConnectionClosed,
    IMAP4Timeout,
    ProtocolError,
)

__all__ = ["Engine", "MAX_UNCLAIMED", "STREAM_THRESHOLD"]

#: Most responses kept on the unclaimed queue (EXISTS, RECENT and FLAGS coalesced): one more
#: fails the connection with LimitError, raised from the waiting call.
MAX_UNCLAIMED = 100_000
#: Queued command bytes are sent once they reach this size...
CORK_LIMIT = 8 * 1024
#: ... or this many seconds after a command returned without waiting.
FLUSH_DELAY = 0.001


#: Bumped in a child process after os.fork(): connections of the parent are then refused.
_FORKS = [0]


def _forked() -> None:
    _FORKS[0] += 1
    _imaprs._note_fork(True)  # the core's own check of the process, as cheap


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)
    _imaprs._note_fork(False)


class Engine(Sending):
    """State shared by the IMAP4 methods; see the module documentation."""

    _conn: _imaprs._Connection
    _command_class = IMAP4Command

    def _engine_init(self, conn: _imaprs._Connection, timeout: Optional[float]) -> None:
        self._conn = conn
        self._fork = _FORKS[0]
        self._pid = os.getpid()
        self.timeout = timeout
        #: Guards the routing state; ``_cond`` (over the same lock) wakes the threads waiting.
        #: The hot paths take ``_mutex`` itself: a condition's ``with`` is a Python call.
        self._mutex = threading.RLock()
        self._cond = threading.Condition(self._mutex)
        self._guard = self._mutex
        self._send_lock = threading.RLock()
        self._reading = False
        #: Threads asleep on ``_cond`` (nobody to wake: no notify).
        self._sleepers = 0
        self._error: Optional[BaseException] = None
        self._session = _imaprs._Session()
        self.queue = _imaprs._Unclaimed(MAX_UNCLAIMED)
        #: The commands in flight by tag: who to wake when a response is routed to one.
        self.cmds: collections.OrderedDict[str, IMAP4Command] = collections.OrderedDict()
        self._continuation: Optional[IMAP4Response] = None
        self._sinks = 0
        self._cork = bytearray()
        self._write_lock = threading.Lock()
        self._write_guard = self._write_lock
        self._literal_header = conn.literal_header
        self._set_barrier = conn.set_barrier
        self._flusher: Optional[threading.Thread] = None
        self._flush_due = threading.Event()
        self.monitor: Optional[Monitor] = None
        self.readonly: Optional[bool] = None
        self._callback_error: Optional[Exception] = None

    # -- state ---------------------------------------------------------------------------

    @property
    def caps(self) -> set[str]:
        """The server's capabilities as last stated (upper case)."""
        return self._session.capabilities()

    def _set_caps(self, caps: Iterable[Any]) -> None:
        """Replaces the capabilities (responses routed replace them in the core)."""
        plus, minus = self._session.set_capabilities([str(c) for c in caps])
        self._conn.set_literal_plus(plus, minus)

    # -- sending -------------------------------------------------------------------------

    def __call__(self, name: str, *args: Any, **kw: Any) -> IMAP4Command:
        """Sends command ``name`` with ``args`` and returns it without waiting.

        ``str`` arguments go as atom, quoted string or literal as needed, ``bytes`` as a
        literal, ``int`` as a number, ``None`` as NIL, lists as parenthesised lists and
        :class:`Raw` as it is. Known commands are checked against the connection state and the
        server's capabilities first (``check=False`` skips that). Keywords: ``seqset`` (what
        a FETCH/STORE claims), ``sink`` and ``progress`` (see ``fetch``).

        Pipelining: the command's bytes are queued and leave together with those of the
        commands sent right after it — as soon as anyone waits on the connection, when 8 KiB
        are queued, or within a millisecond — so a burst of ``wait=False`` commands reaches
        the server in a few packets.
        """
        cmd = self._send(name, *args, **kw)
        self._arm_flush()
        return cmd

    def _send(
        self,
        name: str,
        *args: Any,
        seqset: Optional[str] = None,
        sink: Optional[Sink] = None,
        progress: Optional[Callable[[int, int], None]] = None,
        check: bool = True,
        flush: bool = False,
        uploads: Optional[List[Upload]] = None,
    ) -> IMAP4Command:
        return self._submit(name, args, seqset, sink, progress, check, flush, uploads)

    def _submit(
        self,
        name: str,
        args: Tuple[Any, ...],
        seqset: Optional[str],
        sink: Optional[Sink],
        progress: Optional[Callable[[int, int], None]],
        check: bool,
        flush: bool,
        uploads: Optional[List[Upload]],
    ) -> IMAP4Command:
        """``_send`` with every argument in place (no keywords to gather on the way)."""
        if self._fork != _FORKS[0]:
            self._check_process()
        if self._error is not None or self._callback_error is not None:
            self._raise_if_failed()
        upper = name.upper()
        session = self._session
        rule = allowed(upper, session.state, self, check)
        with self._send_lock:
            if self.cmds:  # else nothing in flight to wait for (the core tracks no fewer)
                if rule is not None and rule.exclusive:
                    self._wait_for(lambda: not self.cmds)
                elif session.conflicts(upper, seqset):
                    # Its responses could not be told from those of a command in flight.
                    self._wait_for(lambda: not session.conflicts(upper, seqset))
            cmd, parts = self._register(name, upper, args, seqset, sink, progress, uploads)
            if len(parts) == 1:
                self._write(parts[0], flush)  # the command is one piece of text (most are)
            else:
                self._drive(self._write_op(cmd, parts, flush))
            return cmd

    def _write_piece(self, piece: bytes) -> None:
        self._conn.write(piece)

    def _write(self, data: bytes, flush: bool) -> None:
        """Queues ``data`` behind what is queued, and sends everything when ``flush`` or when
        the queue is large. The send lock is held."""
        if flush and not self._cork:
            if not data:
                return
            with self._write_lock:  # nothing queued: no copy
                try:
                    self._conn.write(data)
                except FATAL as exc:
                    self._fail(exc)
                    raise
            return
        self._cork += data
        if flush or len(self._cork) >= CORK_LIMIT:
            self._flush_locked()

    def _flush(self) -> None:
        """Sends the queued bytes (from any thread)."""
        if not self._cork:
            return
        # Hand over hand: the bytes are taken under the send lock and written under the write
        # lock, taken before the send lock is let go, so writes keep their order while the
        # sending thread goes on queueing.
        self._send_lock.acquire()
        try:
            data = bytes(self._cork)
            self._cork.clear()
            self._write_lock.acquire()
        finally:
            self._send_lock.release()
        try:
            self._write_now(data)
        finally:
            self._write_lock.release()

    def _flush_locked(self) -> None:
        if self._cork:
            data = bytes(self._cork)
            self._cork.clear()
            with self._write_lock:
                self._write_now(data)

    def _write_now(self, data: bytes) -> None:
        if not data:
            return
        try:
            self._conn.write(data)
        except FATAL as exc:
            self._fail(exc)
            raise

    def _arm_flush(self) -> None:
        """Makes sure queued bytes leave soon even if nobody waits."""
        if not self._cork:
            return
        if self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_loop, name="imaprs-flush", daemon=True
            )
            self._flusher.start()
        if not self._flush_due.is_set():
            self._flush_due.set()

    def _flush_loop(self) -> None:
        due = self._flush_due
        while self._error is None and self._session.state != "logout":
            if not due.wait(1.0):
                continue
            due.clear()
            time.sleep(FLUSH_DELAY)
            try:
                self._flush()
            except Exception:
                return  # the connection failed; callers see the error

    def _await_continuation(self, cmd: IMAP4Command) -> Optional[bytes]:
        """Waits for ``+`` and returns its decoded data (``b''`` when it carries none), or
        None when ``cmd`` completed instead."""
        self._wait_for(lambda: self._continuation is not None or cmd.result is not None)
        with self._cond:
            cont, self._continuation = self._continuation, None
        if cont is None:
            return None
        return cont.info if isinstance(cont.info, bytes) else b""

    def _send_raw(self, data: bytes, secret: bool = False, answer: Optional[str] = None) -> None:
        """Writes a line of an exchange (AUTHENTICATE answers, DONE); ``answer`` is the tag
        of the command that waits for the server's next ``+`` after it (None: none does)."""
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug("C: %s", "<secret>" if secret else data.rstrip(b"\r\n").decode("latin-1"))
        with self._send_lock:
            self._session.expect_continuation(answer)
            self._write(data, flush=True)

    # -- waiting and routing -------------------------------------------------------------

    def _wait_for(self, ready: Callable[[], bool], timeout: Optional[float] = None) -> None:
        """Returns once ``ready()`` holds, reading as the leader when nobody else reads.

        ``timeout`` bounds the whole wait (default: the connection's timeout applies to each
        network read only).
        """
        if self._fork != _FORKS[0]:
            self._check_process()
        if self._cork:
            self._flush()
        deadline = None if timeout is None else time.monotonic() + timeout
        cond, mutex = self._cond, self._mutex
        with mutex:
            while True:
                if ready():
                    return
                if self._error is not None or self._callback_error is not None:
                    self._raise_if_failed()
                if not self._reading:
                    self._reading = True
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise IMAP4Timeout("timed out waiting for the server")
                self._sleepers += 1
                try:
                    cond.wait(remaining)
                finally:
                    self._sleepers -= 1
        self._lead(ready, deadline)

    def _lead(
        self, ready: Callable[[], bool], deadline: Optional[float], until: Optional[str] = None
    ) -> None:
        """Reads and routes as the reader (``_reading`` set by the caller, under the lock)
        until ``ready()`` holds; gives the reader's part back however it ends.

        ``until``: the tag of a command this thread sent while nothing else was in flight
        (see ``_exchange``). When all that is read for it is its own responses and then its
        completion, they are its queue and result at once (what routing them would do);
        anything else is routed the general way."""
        # Read outside the condition, route inside it.
        cond, mutex = self._cond, self._mutex
        reading = True
        try:
            while True:
                if until is not None:
                    batch, done = self._conn.read_for(self._session, until)
                    if done is not None:
                        cmd = self.cmds.pop(until)
                        cmd.queue.extend(batch)
                        cmd.result = done
                        reading = False
                        self._stop_reading()
                        return
                    until = None
                elif deadline is None:
                    batch = self._conn.read_batch(self._session)
                else:
                    batch = self._read_until(deadline)
                with mutex:
                    self._route(batch)
                    if self._sleepers:
                        cond.notify_all()
                    if self._error is not None or self._callback_error is not None:
                        if isinstance(self._error, ProtocolError) or self._error is None:
                            self._raise_if_failed()  # raised now, even if ready() holds
                        if not ready():
                            self._raise_if_failed()
                    if ready():
                        # Done: reading stops here, while the lock is held (no other round).
                        self._reading = reading = False
                        return
                if deadline is not None and time.monotonic() > deadline:
                    raise IMAP4Timeout("timed out waiting for the server")
        except FATAL as exc:
            self._fail(exc)
            if self._error is not exc and self._error is not None:
                raise self._error from exc  # the first failure is the cause
            raise
        except KeyboardInterrupt:
            # Where the stream stands is unknown: nothing more can be read or sent.
            self._fail(ConnectionClosed("interrupted while waiting for the server"))
            raise
        finally:
            if reading:
                self._stop_reading()

    def _read_until(self, deadline: float) -> List[Any]:
        """A batch read that gives up at ``deadline`` (IMAP4Timeout)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise IMAP4Timeout("timed out waiting for the server")
        limit = remaining if self.timeout is None else min(remaining, self.timeout)
        self._conn.set_timeout(max(limit, 0.001))
        try:
            return self._conn.read_batch(self._session)
        finally:
            self._conn.set_timeout(self.timeout)

    def _route_ready(self) -> None:
        """Routes what the server sent already, without waiting (when nobody reads)."""
        with self._cond:
            if self._reading:
                return
            self._reading = True
        try:
            batch = self._conn.read_ready(self._session)
            with self._cond:
                self._route(batch)
        except FATAL as exc:
            self._fail(exc)
            raise
        finally:
            self._stop_reading()
        self._raise_if_failed()

    def _stream_threshold(self, size: Optional[int]) -> None:
        self._conn.set_stream_threshold(size)

    def _awaitable_sink(self, cmd: IMAP4Command, result: Any) -> None:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # a coroutine never to be awaited
        raise TypeError("a sink that returns an awaitable needs imaprs.aio")

    def _fail(self, exc: BaseException) -> None:
        """Makes the connection unusable: every waiting and later call raises ``exc``."""
        with self._cond:
            if self._error is None:
                self._error = exc
                self._session.state = "logout"
                self._conn.close()
            self._cond.notify_all()

    def _check_process(self) -> None:
        """Refuses a connection inherited through os.fork(): its socket is the parent's."""
        if self._fork != _FORKS[0] and os.getpid() != self._pid:
            self._error = ConnectionClosed(
                f"this connection belongs to process {self._pid} and cannot be used after "
                "fork(); open a new one in the child"
            )
            self._session.state = "logout"
            raise self._error

    # -- the unclaimed queue -------------------------------------------------------------

    def __iter__(self) -> Any:
        """Every unclaimed response as it arrives (blocking)."""
        while True:
            rsp = self.block()
            if rsp is not None:
                yield rsp

    def poll(self) -> Optional[IMAP4Response]:
        """Takes the oldest unclaimed response, reading only what is already buffered."""
        self._flush()
        with self._cond:
            if not self.queue and not self._reading and self._conn.has_buffered():
                self._reading = True
                try:
                    self._route(self._conn.read_batch(self._session))
                finally:
                    self._reading = False
                    self._cond.notify_all()
            return self.queue.popleft()

    def block(self, timeout: Optional[float] = None) -> Optional[IMAP4Response]:
        """Waits for an unclaimed response and takes it (None after ``timeout`` seconds)."""
        try:
            self._wait_for(lambda: bool(self.queue), timeout)
        except IMAP4Timeout:
            if timeout is None:
                raise
            return None
        with self._cond:
            return self.queue.popleft()

    def wait_all(self) -> None:
        """Waits for every command in flight."""
        if self._idle_cmd() is not None:
            raise RuntimeError("IDLE is active: wait_all() would never return")
        self._wait_for(lambda: not self.cmds)

    def _run(
        self,
        wait: bool,
        name: str,
        *args: Any,
        seqset: Optional[str] = None,
        sink: Optional[Sink] = None,
        progress: Optional[Callable[[int, int], None]] = None,
        check: bool = True,
        uploads: Optional[List[Upload]] = None,
    ) -> IMAP4Command:
        if wait and sink is None and uploads is None:
            cmd = self._exchange(name, args, seqset, check)
            if cmd is not None:
                return cmd.wait()
        cmd = self._submit(name, args, seqset, sink, progress, check, wait, uploads)
        if wait:
            return cmd.wait()
        self._arm_flush()
        return cmd

    def _exchange(
        self, name: str, args: Tuple[Any, ...], seqset: Optional[str], check: bool
    ) -> Optional[IMAP4Command]:
        """Sends a command and reads until it completes, in this thread, when the connection
        is otherwise idle (nothing in flight, queued, sent or read by another thread): what
        ``_submit`` and ``wait`` do, less the steps that only matter when threads share the
        connection. None when it is not idle, or for a command with steps of its own: the
        general way applies."""
        if (
            self._fork != _FORKS[0]
            or self._error is not None
            or self._callback_error is not None
            or self._cork
            or self.cmds
        ):
            return None  # the general way refuses, flushes or waits its turn
        upper = name.upper()
        if (
            upper in OWN_STEPS
            or self.monitor is not None  # it sees every response as it is routed
            or (LEVELS.get(logging.DEBUG) is not False and LOG.isEnabledFor(logging.DEBUG))
        ):
            return None
        allowed(upper, self._session.state, self, check)
        send_lock = self._send_lock
        if not send_lock.acquire(False):
            return None  # another thread is sending
        try:
            # The lock's methods, not `with`: a `with` binds __enter__ and __exit__ anew.
            mutex = self._mutex
            mutex.acquire()
            try:
                if self._reading or self.cmds:
                    return None
                self._reading = True  # nobody else reads this command's responses
            finally:
                mutex.release()
            written = False
            try:
                self._continuation = None  # a "+" can only be for the command being sent
                arg_list = list(args)
                # Tagged, encoded, tracked and written at once (an argument refused leaves
                # no trace). Only this thread reads, so the command can join `cmds` after.
                try:
                    tag, parts = self._conn.send(self._session, name, upper, arg_list, seqset)
                except FATAL as exc:
                    self._fail(exc)
                    raise
                cmd = self._enlist(tag, name, upper, arg_list, seqset, None, None)
                written = parts is None
            finally:
                if not written:
                    self._stop_reading()
            if parts is not None:
                # Literals: written as any command's, waited for the general way.
                self._drive(self._write_op(cmd, parts, True))
                return cmd
        finally:
            send_lock.release()
        self._lead(cmd._finished, None, cmd.tag)
        return cmd

    def _stop_reading(self) -> None:
        """Gives the reader's part back and wakes whoever waits for it."""
        mutex = self._mutex
        mutex.acquire()  # the lock's methods, not `with`: this is on every command's path
        try:
            self._reading = False
            if self._sleepers:
                self._cond.notify_all()
        finally:
            mutex.release()

    def _finish(self, cmd: IMAP4Command, wait: bool) -> IMAP4Command:
        """Waits for ``cmd`` when ``wait``, else makes sure it leaves soon."""
        if wait:
            return cmd.wait()
        self._arm_flush()
        return cmd

    def _drive(self, op: Op[T], exclusive: bool = False) -> T:
        """Runs the steps of ``op`` (see ``_ops``): each value it yields is the result of a
        call already made, so it is sent straight back; ``exclusive`` holds the send lock,
        so that no other thread sends a command meanwhile."""
        if exclusive:
            with self._send_lock:
                return self._drive(op)
        value: Any = None
        try:
            while True:
                value = op.send(value)
        except StopIteration as stop:
            result: T = stop.value
            return result
