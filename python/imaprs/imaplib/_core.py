"""IMAP4's connection: imaplib's ``open``/``read``/``readline``/``send``/``shutdown``/``socket``
over the Rust connection core.

The core (``imaprs._imaprs._Connection``) owns the socket and TLS and frames responses:
``read_raw()`` gives one whole response, literals included, exactly as the server sent it,
and refuses a line longer than ``_MAXLINE`` before reading all of it. ``readline()`` and
``read(n)`` serve those bytes, so the bookkeeping in ``_protocol`` (imaplib's) sees what it
would see on a socket. A subclass whose ``_create_socket`` returns a socket of its own (as
IMAPClient's does) is served over that socket instead, as the standard library would.
"""

from __future__ import annotations

import contextlib
import random
import re
import socket
import sys
from typing import Any, Callable, List, Optional, Tuple

from .. import errors as _errors
from . import _helpers as H
from . import _link
from ._protocol import Protocol, _debug_level


class _SocketView:
    """What ``IMAP4.socket()`` returns: the timeout and shutdown of the real connection
    (the socket itself belongs to the Rust core)."""

    def __init__(self, conn: Any, timeout: Optional[float]) -> None:
        self._conn = conn
        self._timeout = timeout

    def settimeout(self, timeout: Optional[float]) -> None:
        self._conn.set_timeout(timeout)
        self._timeout = timeout

    def gettimeout(self) -> Optional[float]:
        return self._timeout

    def sendall(self, data: bytes) -> None:
        try:
            self._conn.write(bytes(data))
        except _errors.IMAP4Timeout as exc:
            raise _link.timed_out() from exc
        except _errors.ConnectionClosed as exc:
            raise _link.broken_pipe() from exc

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        self._conn.close()

    def close(self) -> None:
        self._conn.close()


class IMAP4Base(Protocol):
    """imaplib.IMAP4 without its commands (those are in ``_methods``)."""

    capability: Callable[[], Tuple[str, List[Any]]]
    logout: Callable[[], Tuple[str, List[Any]]]

    _tls_options: Any = None
    #: The core's connection; None when a subclass opened its own socket.
    _conn: Any = None
    file: Any = None
    sock: Any = None

    def __init__(self, host: str = "", port: int = H.IMAP4_PORT, timeout: Optional[float] = None):
        self.debug = _debug_level()
        self.state = "LOGOUT"
        self.literal = None
        self.tagged_commands = {}
        self.untagged_responses = {}
        self.continuation_response = ""
        self.is_readonly = False
        self.tagnum = 0
        self._tls_established = False
        self._idle_responses = []
        self._history = []
        self._buf = b""
        self._pos = 0
        self._mode_ascii()
        self.open(host, port, timeout)
        try:
            self._connect()
        except Exception:
            with contextlib.suppress(OSError):
                self.shutdown()
            raise

    def _connect(self) -> None:
        # A random tag prefix, so that a reply to another client's command is noticed.
        self.tagpre = H.Int2AP(random.randint(4096, 65535))
        self.tagre = re.compile(
            rb"(?P<tag>" + self.tagpre + rb"\d+) (?P<type>[A-Z]+) (?P<data>.*)", re.ASCII
        )
        if self.debug >= 1:
            self._mesg(f"imaplib {H.__version__} over imaprs, tag prefix {self.tagpre!r}")
        self.welcome = self._get_response()
        if "PREAUTH" in self.untagged_responses:
            self.state = "AUTH"
        elif "OK" in self.untagged_responses:
            self.state = "NONAUTH"
        else:
            raise self.error(self.welcome)
        self._get_capabilities()
        if self.debug >= 3:
            self._mesg(f"capabilities: {self.capabilities!r}")
        version = next((v for v in H.AllowedVersions if v in self.capabilities), None)
        if version is None:
            raise self.error("server not IMAP4 compliant")
        self.PROTOCOL_VERSION = version

    def _get_capabilities(self) -> None:
        _, dat = self.capability()
        if dat == [None]:
            raise self.error("no CAPABILITY response from server")
        self.capabilities = tuple(dat[-1].decode(self._encoding).upper().split())

    def __getattr__(self, attr: str) -> Any:
        # M.FETCH(...) is M.fetch(...): command names in capitals reach the methods.
        if attr in H.Commands:
            return getattr(self, attr.lower())
        raise AttributeError(f"Unknown IMAP4 command: '{attr}'")

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *args: object) -> None:
        if self.state != "LOGOUT":
            with contextlib.suppress(OSError):
                self.logout()

    # -- the connection ---------------------------------------------------------------------

    def open(
        self, host: str = "", port: int = H.IMAP4_PORT, timeout: Optional[float] = None
    ) -> None:
        """Connects to ``host:port`` (default localhost:143); imaplib's hook for subclasses."""
        self.host = host
        self.port = port
        sock = self._create_socket(timeout)
        if not isinstance(sock, _SocketView):
            # A subclass built its own socket (IMAPClient does): speak over it as imaplib.
            self._conn = None
            self.sock = sock
            self.file = sock.makefile("rb")

    def _create_socket(self, timeout: Optional[float]) -> Any:
        """Connects through the core and returns the socket view. (imaplib returns a
        ``socket.socket`` here; a subclass may return its own, and the connection then
        speaks over it the standard library's way, without the core.)"""
        if timeout is not None and not timeout:
            raise ValueError("Non-blocking socket (timeout=0) is not supported")
        sys.audit("imaplib.open", self, self.host, self.port)
        self._conn = _link.connect(
            self.host or "localhost",
            self.port,
            timeout,
            self._tls_options,
            max_line=_maxline() + 2,
            # imaplib reads the line and raises abort("unterminated line") itself.
            crlf_relaxed=True,
        )
        return self._attach(timeout)

    def _attach(self, timeout: Optional[float]) -> _SocketView:
        """Starts reading from the new connection, whose greeting the core has read."""
        view = _SocketView(self._conn, timeout)
        self.sock = view
        self.file = None
        self._buf = self._conn.greeting_raw
        self._pos = 0
        return view

    def read(self, size: int) -> bytes:
        """``size`` bytes from the server (fewer at the end of the stream)."""
        if self._conn is None:
            return bytes(self.file.read(size))
        while len(self._buf) - self._pos < size and self._more():
            pass
        data = self._buf[self._pos : self._pos + size]
        self._pos += len(data)
        return data

    def readline(self) -> bytes:
        """One line from the server, CRLF included (b'' at the end of the stream)."""
        limit = _maxline()
        if self._conn is None:
            line = bytes(self.file.readline(limit + 1))
        else:
            end = self._buf.find(b"\n", self._pos)
            while end < 0 and self._more():
                end = self._buf.find(b"\n", self._pos)
            stop = len(self._buf) if end < 0 else end + 1
            line, self._pos = self._buf[self._pos : stop], stop
        if len(line) > limit:
            raise self.error(f"got more than {limit} bytes")
        return line

    def _more(self) -> bool:
        """Appends the next whole response from the core; False at the end of the stream."""
        try:
            frame = self._conn.read_raw()
        except _errors.ConnectionClosed as exc:
            failure = _link.read_failure(exc)
            if failure is None:
                return False  # the end of the stream: readline() gives b""
            raise failure from exc
        except _errors.IMAP4Timeout as exc:
            raise _link.timed_out() from exc
        except _errors.LimitError as exc:
            raise self.error(f"got more than {_maxline()} bytes") from exc
        except _errors.ProtocolError as exc:
            raise self.abort(f"socket error: {exc}") from exc
        except _errors.TLSError as exc:
            raise _link.ssl_error(exc) from exc
        rest = self._buf[self._pos :]
        self._buf = rest + frame if rest else frame  # no copy of a large frame when alone
        self._pos = 0
        return True

    def send(self, data: bytes) -> None:
        """Sends ``data`` as it is."""
        sys.audit("imaplib.send", self, data)
        self.sock.sendall(data)

    def shutdown(self) -> None:
        """Closes the connection."""
        if self._conn is not None:
            self._conn.close()
            return
        with contextlib.suppress(OSError):
            self.file.close()
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def socket(self) -> Any:
        """The connection's socket view (``settimeout``, ``gettimeout``, ``shutdown``), or
        the socket a subclass opened."""
        return self.sock

    @staticmethod
    def _call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Runs a core call, turning the core's errors into the standard library's."""
        try:
            return fn(*args, **kw)
        except _errors.TLSError as exc:
            raise _link.ssl_error(exc) from exc
        except _errors.ConnectionClosed as exc:
            raise _link.os_error(exc) from exc


def _maxline() -> int:
    """``imaprs.imaplib._MAXLINE``, which callers may change as they do imaplib's."""
    return int(getattr(sys.modules.get(__package__ or ""), "_MAXLINE", H._MAXLINE))
