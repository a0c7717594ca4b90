"""``IMAP4.idle()`` as Python 3.14's imaplib defines it, on every Python version.

``with M.idle(duration=...) as idler:`` sends IDLE and waits for the server's ``+``; iterating
the idler gives each untagged response that arrives, one ``(type, [data, ...])`` pair per
response and in arrival order, until ``duration`` seconds have passed (forever when None);
``idler.burst(interval)`` gives the next response and every one that follows within
``interval`` seconds. Leaving the block sends DONE and waits for the command's completion;
responses never iterated are then in ``untagged_responses``, where ``response()`` finds them.
While idling the connection's state is ``IDLING`` and other commands are refused.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

if TYPE_CHECKING:
    from ._methods import IMAP4Methods

Response = Tuple[str, List[Any]]


class Idler:
    """A running IDLE command (made by ``IMAP4.idle``; not meant to be built directly)."""

    def __init__(self, imap: IMAP4Methods, duration: Optional[float] = None) -> None:
        if "IDLE" not in imap.capabilities:
            raise imap.error("Server does not support IMAP4 IDLE")
        if duration is not None and not imap.sock:
            raise imap.error("duration requires a socket connection")
        self._imap = imap
        self._duration = duration
        self._deadline: Optional[float] = None
        self._tag: Optional[bytes] = None
        self._saved_state = ""

    def __enter__(self) -> Idler:
        imap = self._imap
        # Responses are captured from before the command is sent: the server may report
        # news before its "+", and those belong to the iteration too.
        imap._idle_responses = []
        imap._idle_capture = True
        try:
            tag = self._tag = imap._command("IDLE")
            while True:
                line = imap._get_response()
                if line is None:  # the "+": idling
                    break
                done = imap.tagged_commands.get(tag)
                if done:
                    del imap.tagged_commands[tag]
                    if done[0] == "NO":
                        raise imap.error(f"idle denied: {done[1]}")
                    raise imap.abort(f"unexpected status response: {line!r}")
            self._saved_state, imap.state = imap.state, "IDLING"
        except BaseException:
            imap._idle_capture = False
            raise
        if self._duration is not None:
            self._deadline = time.monotonic() + self._duration
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        imap = self._imap
        imap.state = self._saved_state
        imap._idle_capture = False
        leftovers, imap._idle_responses = imap._idle_responses, []
        for typ, data in leftovers:
            for datum in data:
                imap._append_untagged(typ, datum)
        assert self._tag is not None
        try:
            if not imap.tagged_commands.get(self._tag):  # unless the server ended it
                imap.send(b"DONE\r\n")
            imap._command_complete("IDLE", self._tag)
        except OSError:
            if exc_type is None:
                raise

    def __iter__(self) -> Idler:
        return self

    def __next__(self) -> Response:
        wait = None
        if self._deadline is not None:
            wait = self._deadline - time.monotonic()
        found: Optional[Response] = self._pop(wait, None)
        if found is None:
            raise StopIteration
        return found

    def burst(self, interval: float = 0.1) -> Iterator[Response]:
        """The next response, then each one arriving within ``interval`` seconds of the
        previous (for batches such as the EXPUNGEs of a bulk delete)."""
        if not self._imap.sock:
            raise self._imap.error("burst() requires a socket connection")
        try:
            yield next(self)
        except StopIteration:
            return
        while True:
            found = self._pop(interval, None)
            if found is None:
                return
            yield found

    def _pop(self, wait: Optional[float], default: Any = ("", None)) -> Any:
        """The next captured response; ``default`` when none comes within ``wait`` seconds
        (None: wait as long as it takes)."""
        imap = self._imap
        if imap.state != "IDLING":
            raise imap.error("_pop() only works during IDLE")
        end = None if wait is None else time.monotonic() + wait
        while not imap._idle_responses:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return default
            if not self._read_one(left) or imap.tagged_commands.get(self._tag or b""):
                return default  # nothing in time, or the server ended IDLE itself
        return imap._idle_responses.pop(0)

    def _read_one(self, wait: Optional[float]) -> bool:
        """Reads one response within ``wait`` seconds; False when none came."""
        imap = self._imap
        if wait is None:
            imap._get_response()
            return True
        sock = imap.sock
        saved = sock.gettimeout()
        sock.settimeout(max(wait, 0.001))
        try:
            imap._get_response()
        except socket.timeout:  # TimeoutError from Python 3.10
            return False
        finally:
            sock.settimeout(saved)
        return True
