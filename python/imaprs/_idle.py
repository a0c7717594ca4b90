"""IDLE (RFC 2177) as a context manager and an iterator.

``with imap.idle(timeout=60) as idle: for rsp in idle: ...`` sends IDLE once every command in
flight has completed, and holds the connection (no other command is sent) until the block
ends, when DONE is sent and the completion awaited. Iterating yields every response the
server sends meanwhile; it ends after ``timeout`` seconds without one (None: never). Before
the server's 30-minute limit the IDLE is renewed (DONE, then IDLE again), unseen by the
iterating code.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Iterator, List, Optional

from ._command import IMAP4Command
from ._types import IMAP4Response
from .errors import IMAP4Timeout

if TYPE_CHECKING:
    from ._imap4 import IMAP4

__all__ = ["Idle"]


class Idle:
    """A running IDLE; see the module documentation."""

    def __init__(self, imap: IMAP4, timeout: Optional[float], renew: float) -> None:
        if renew <= 0:
            raise ValueError("renew must be positive")
        self.imap = imap
        self.timeout = timeout
        self.renew = renew
        self.cmd: Optional[IMAP4Command] = None
        self._started = 0.0
        self._held = False

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
            if self.cmd is not None and self.imap._error is None:
                # Responses that came with the end of IDLE are news for everyone.
                self.imap._defer_all(self._stop())
        finally:
            self._release()

    def __iter__(self) -> Iterator[IMAP4Response]:
        if self.cmd is None:
            raise RuntimeError("iterate inside `with imap.idle() as idle:`")
        silent_since = time.monotonic()
        while True:
            cmd = self.cmd
            while cmd.queue:
                rsp = cmd.queue.popleft()
                if rsp.type != "continue":
                    silent_since = time.monotonic()
                    yield rsp
            if cmd.result is not None:
                cmd.check()
                return
            now = time.monotonic()
            if now - self._started >= self.renew:
                yield from self._stop()
                self._start()
                continue
            wait = self._started + self.renew - now
            if self.timeout is not None:
                left = silent_since + self.timeout - now
                if left <= 0:
                    return
                wait = min(wait, left)
            try:
                self.imap._wait_for(_news(cmd), wait)
            except IMAP4Timeout:
                continue

    def _start(self) -> None:
        imap = self.imap
        self.cmd = imap("IDLE")
        cmd = self.cmd
        imap._wait_for(_news(cmd))
        if cmd.result is not None:
            cmd.check()
        self._started = time.monotonic()

    def _stop(self) -> List[IMAP4Response]:
        """Sends DONE and waits; returns the responses not yet taken."""
        cmd = self.cmd
        if cmd is None:
            return []
        if cmd.result is None:
            self.imap._send_raw(b"DONE\r\n")
            cmd.wait()
        leftovers = [r for r in cmd.queue if r.type != "continue"]
        cmd.queue.clear()
        return leftovers

    def _release(self) -> None:
        if self._held:
            self._held = False
            self.imap._send_lock.release()


def _news(cmd: IMAP4Command) -> Callable[[], bool]:
    """The condition "``cmd`` has a response, or has completed"."""
    return lambda: bool(cmd.queue) or cmd.result is not None
