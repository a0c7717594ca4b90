"""IMAP4: the native API (the imaplib2 design) over the Rust connection.

A command is sent at once and returns an :class:`IMAP4Command`; with ``wait=True`` (the
default) the call also waits for its completion and raises ``NO``/``BAD`` on failure. The
engine (``_engine.py``) routes every response and lets threads share the connection. The
commands themselves are shared with the asyncio face: ``_session.py`` (TLS, authentication,
compression, selection) and ``_commands.py`` (mailbox and message commands). This module
holds the connection set-up, IDLE, and what those commands need of a blocking face.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional, Tuple, Union

from . import _imaprs
from ._command import IMAP4Command, Raw
from ._commands import Commands
from ._engine import Engine
from ._idle import Idle
from ._log import LOG
from ._session import MAX_SASL_ROUNDS, Responder, SessionCommands, SSLContext
from ._tls import tls_options
from ._types import IMAP4Response
from .errors import IMAP4Error

__all__ = ["IMAP4", "IMAP4Command", "MAX_SASL_ROUNDS", "Raw", "Responder", "SSLContext"]

Address = Union[str, Tuple[str, int]]


class _Noop(IMAP4Command):
    """NOOP: iterating it takes every response off the unclaimed queue, those waiting there
    and those arriving while it runs (NOOP claims nothing itself)."""

    __slots__ = ()

    def __iter__(self) -> Iterator[IMAP4Response]:
        imap = self.imap
        while True:
            while self.queue:
                yield self.queue.popleft()
            with imap._cond:
                rsp = imap.queue.popleft()
            if rsp is not None:
                yield rsp
            elif self.result is not None:
                return
            else:
                imap._wait_for(lambda: bool(imap.queue) or self.result is not None)


class IMAP4(SessionCommands, Commands, Engine):
    """A connection to an IMAP server.

    Args:
        addr: ``'host'``, ``'host:port'`` or ``(host, port)``; the port defaults to 993
            with TLS from the start, else 143.
        timeout: seconds any network wait may last (None: forever).
        ssl_ctx: an ``ssl.SSLContext`` or :class:`~imaprs.TLSOptions` (verified unless the
            context says otherwise): TLS from the start, or after STARTTLS when ``starttls``.
        starttls: connect in clear text and require STARTTLS before anything else; a server
            that does not offer it, refuses it, or greets with PREAUTH fails the connection.
        max_line: the longest response line accepted (bytes).
        deadline: seconds one response may take once it has started to arrive (default: ten
            times ``timeout``), so a server sending a byte at a time cannot hold a call for
            ever; each chunk of a streamed literal counts as one.
        crlf_relaxed: accept response lines that end in a bare LF (a broken server); by
            default such a line fails the connection with ``ProtocolError``.
    """

    _noop_class = _Noop
    #: Read as ``self._caps_stale``, never through ``self.__dict__``: CPython 3.11 reads
    #: every attribute of an instance whose ``__dict__`` was once asked for on a slow path,
    #: and the engine reads many per command.
    _caps_stale = False

    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Optional[SSLContext] = None,
        *,
        starttls: bool = False,
        max_line: Optional[int] = None,
        deadline: Optional[float] = None,
        crlf_relaxed: bool = False,
    ) -> None:
        host, port, tls, deadline = endpoint(addr, timeout, ssl_ctx, starttls, deadline)
        self.host = host
        conn = _imaprs._Connection(
            host,
            port,
            timeout,
            tls,
            max_line=max_line,
            deadline=deadline,
            crlf_relaxed=crlf_relaxed,
        )
        conn.set_deadline(deadline)
        self._engine_init(conn, timeout)
        greeting = conn.greeting
        LOG.info("connected to %s:%s (%s)", host, port, "clear text" if tls is None else "TLS")
        self._drive(self._greeted(greeting, starttls, ssl_ctx))

    @property
    def encrypted(self) -> bool:
        """Whether the link is encrypted with TLS."""
        return self._conn.link[0]

    @property
    def compressed(self) -> bool:
        """Whether COMPRESS=DEFLATE is active."""
        return self._conn.link[1]

    def __enter__(self) -> IMAP4:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    # -- what the shared commands (``_session``) need of this face -----------------------

    @property
    def caps(self) -> set[str]:
        """The server's capabilities (upper case); re-read first when authentication left
        them unknown."""
        if self._caps_stale and self._can_refresh_caps():
            with self._send_lock:
                if self._caps_stale:
                    self._caps_stale = False
                    self.capability()
        return self._session.capabilities()

    @caps.setter
    def caps(self, value: set[str]) -> None:
        self._set_caps(value)
        self._caps_stale = False

    def _can_refresh_caps(self) -> bool:
        return self.state != "logout" and self._error is None and self._idle_cmd() is None

    def _caps_unknown(self) -> None:
        """Authentication changed the capabilities without stating them: they are re-read
        when next needed."""
        self._caps_stale = True

    def _release_barrier(self) -> None:
        self._conn.set_barrier(None)

    def _start_tls(self, options: Any) -> None:
        self._conn.starttls(options)

    def _start_compress(self, level: int) -> None:
        self._conn.compress(level)

    def _close_link(self) -> None:
        with contextlib.suppress(IMAP4Error):  # already failed: nothing more to say
            self._flush()
        self._conn.close()

    def idle(self, timeout: Optional[float] = None, renew: float = 29 * 60) -> Idle:
        """IDLE as a context manager and iterator::

            with imap.idle(timeout=60) as idle:
                for rsp in idle:      # each response; ends after `timeout` s of silence
                    ...

        DONE is sent on exit; IDLE is renewed every ``renew`` seconds (servers drop an IDLE
        after 30 minutes). No other command can be sent while IDLE runs."""
        return Idle(self, timeout, renew)


def endpoint(
    addr: Address,
    timeout: Optional[float],
    ssl_ctx: Optional[SSLContext],
    starttls: bool,
    deadline: Optional[float],
) -> Tuple[str, int, Any, Optional[float]]:
    """What both faces' constructors make of their arguments: ``(host, port, TLS options
    from the first byte or None, deadline)``; ValueError for a timeout that is not
    positive."""
    if timeout is not None and timeout <= 0:
        raise ValueError("timeout must be positive or None")
    implicit = ssl_ctx is not None and not starttls
    host, port = _address(addr, 993 if implicit else 143)
    tls = tls_options(ssl_ctx) if implicit and ssl_ctx is not None else None
    if deadline is None and timeout is not None:
        deadline = 10 * timeout
    return host, port, tls, deadline


def _address(addr: Address, default_port: int) -> Tuple[str, int]:
    """``(host, port)`` from ``'host'``, ``'host:port'``, ``'[v6]:port'`` or a tuple."""
    if isinstance(addr, tuple):
        return addr[0], int(addr[1])
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if addr.count(":") == 1:
        host, port = addr.split(":")
        return host, int(port)
    return addr, default_port
