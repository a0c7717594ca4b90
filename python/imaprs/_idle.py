"""IDLE (RFC 2177) as a context manager and an iterator.

``with imap.idle(timeout=60) as idle: for rsp in idle: ...`` sends IDLE once every command in
flight has completed, and holds the connection (no other command is sent) until the block
ends, when DONE is sent and the completion awaited. Iterating yields every response the
server sends meanwhile; it ends after ``timeout`` seconds without one (None: never). Before
the server's 30-minute limit the IDLE is renewed (DONE, then IDLE again), unseen by the
iterating code. A BYE ends it: the connection fails with :class:`imaprs.BYE`.

What to do next is decided by :class:`IdlePlan`, which does no I/O and reads no clock (the
face passes the time in): the blocking :class:`Idle` here and ``imaprs.aio``'s ``AsyncIdle``
only send, wait and wake.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

from ._command import IMAP4Command
from ._types import IMAP4Response
from .errors import BYE, IMAP4Timeout

if TYPE_CHECKING:
    from ._imap4 import IMAP4

__all__ = ["END", "FAIL", "Idle", "IdleBlock", "IdlePlan", "RENEW", "WAIT", "YIELD"]

#: The steps of an IDLE (see :meth:`IdlePlan.step`).
YIELD, WAIT, RENEW, FAIL, END = "yield", "wait", "renew", "fail", "end"


class IdlePlan:
    """The face-neutral part of an IDLE: which response to give, when to renew, when the
    silence has lasted ``timeout`` seconds. ``now`` is any monotonic clock, in seconds."""

    __slots__ = ("timeout", "renew", "cmd", "idling", "_started", "_silent_since")

    def __init__(self, timeout: Optional[float], renew: float) -> None:
        if renew <= 0:
            raise ValueError("renew must be positive")
        self.timeout = timeout
        self.renew = renew
        #: The IDLE command in flight (the newest one after a renewal).
        self.cmd: Optional[IMAP4Command] = None
        #: Whether the server answered the IDLE with ``+``: DONE may be sent.
        self.idling = False
        self._started = 0.0
        self._silent_since = 0.0

    def answered(self) -> bool:
        """Whether the IDLE command has news: a response, or its completion."""
        cmd = self.cmd
        return cmd is not None and (bool(cmd.queue) or cmd.result is not None)

    def started(self, now: float) -> None:
        """The server answered the IDLE just sent (NO/BAD raise here)."""
        cmd = self.cmd
        if cmd is not None and cmd.result is not None:
            cmd.check()
        self.idling = cmd is not None and cmd.result is None
        self._started = now

    def listen(self, now: float) -> None:
        """Iterating begins: the silence is counted from ``now``."""
        if self.cmd is None:
            raise RuntimeError("iterate inside the idle() block")
        self._silent_since = now

    def step(self, now: float) -> Tuple[str, Any]:
        """What the face does next: ``(YIELD, response)``, ``(WAIT, seconds)`` for news,
        ``(RENEW, None)`` (DONE, yield what came with its end, IDLE again), ``(FAIL, BYE)``
        (the connection ends with that error) or ``(END, None)``."""
        cmd = self.cmd
        assert cmd is not None
        while cmd.queue:
            rsp = cmd.queue.popleft()
            if rsp.type == "continue":
                continue
            if rsp.status == "BYE":
                return FAIL, BYE("server closed the connection", str(rsp.info), rsp)
            self._silent_since = now
            return YIELD, rsp
        if cmd.result is not None:
            self.idling = False
            cmd.check()
            return END, None
        if now - self._started >= self.renew:
            return RENEW, None
        wait = self._started + self.renew - now
        if self.timeout is not None:
            left = self._silent_since + self.timeout - now
            if left <= 0:
                return END, None
            wait = min(wait, left)
        return WAIT, wait

    def done_due(self) -> bool:
        """Whether DONE is still to be sent (the IDLE is in progress)."""
        return self.cmd is not None and self.cmd.result is None

    def leftovers(self) -> List[IMAP4Response]:
        """Once the IDLE completed: the responses not yet taken (news for everyone)."""
        self.idling = False
        cmd = self.cmd
        if cmd is None:
            return []
        rest = [r for r in cmd.queue if r.type != "continue"]
        cmd.queue.clear()
        return rest


class IdleBlock:
    """What every face's IDLE block holds: the connection, the plan, whether it holds the
    send lock."""

    def __init__(self, imap: Any, timeout: Optional[float], renew: float) -> None:
        self.imap = imap
        self.plan = IdlePlan(timeout, renew)
        self._held = False

    @property
    def cmd(self) -> Optional[IMAP4Command]:
        """The IDLE command in flight (the newest one after a renewal)."""
        return self.plan.cmd

    @property
    def timeout(self) -> Optional[float]:
        return self.plan.timeout

    @property
    def renew(self) -> float:
        return self.plan.renew


class Idle(IdleBlock):
    """A running IDLE of the blocking face; see the module documentation."""

    imap: IMAP4

    def __enter__(self) -> Idle:
        self.imap._send_lock.acquire()
        self._held = True
        try:
            self._start()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.plan.cmd is not None and self.imap._error is None:
                # Responses that came with the end of IDLE are news for everyone.
                self.imap._defer_all(self._stop())
        finally:
            self._release()

    def __iter__(self) -> Iterator[IMAP4Response]:
        plan, imap = self.plan, self.imap
        plan.listen(time.monotonic())
        while True:
            step, value = plan.step(time.monotonic())
            if step == YIELD:
                yield value
            elif step == WAIT:
                try:
                    imap._wait_for(plan.answered, value)
                except IMAP4Timeout:
                    continue
            elif step == RENEW:
                yield from self._stop()
                self._start()
            elif step == FAIL:
                imap._defer_all([value.response])
                imap._fail(value)
                raise value
            else:
                return

    def _start(self) -> None:
        plan = self.plan
        plan.cmd = self.imap("IDLE")
        self.imap._wait_for(plan.answered)
        plan.started(time.monotonic())

    def _stop(self) -> List[IMAP4Response]:
        """Sends DONE and waits; returns the responses not yet taken."""
        cmd = self.plan.cmd
        if cmd is not None and cmd.result is None:
            self.imap._send_raw(b"DONE\r\n")
            cmd.wait()
        return self.plan.leftovers()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self.imap._send_lock.release()
