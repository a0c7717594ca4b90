"""IMAP4's connection: imaplib's ``open``/``read``/``readline``/``send``/``shutdown``/``socket``
over the Rust connection core.

The core (``imaprs._imaprs._Connection``) owns the socket and TLS and frames responses:
``read_raw()`` gives one whole response, literals included, exactly as the server sent it,
and refuses a line longer than its own bound (see ``_CORE_MAX_LINE``) before reading all of
it. ``readline()`` and ``read(n)`` serve those bytes, so the bookkeeping in ``_protocol``
(imaplib's) sees what it would see on a socket; in non-blocking mode they find nothing as
imaplib's file object would. ``sock`` stands for the socket (``_SocketView``,
``_TLSSocketView``). A subclass whose ``_create_socket`` returns a socket of its own (as
IMAPClient's does) is served over that socket instead, as the standard library would.
"""

from __future__ import annotations

import collections
import contextlib
import random
import re
import socket
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .. import _tls
from .. import errors as _errors
from . import _helpers as H
from . import _link
from ._protocol import Protocol, _debug_level


class _SocketView:
    """What ``IMAP4.sock`` and ``IMAP4.socket()`` give: the real connection's socket as a
    ``socket.socket`` shows it (the socket itself belongs to the Rust core). ``fileno()``
    serves ``select``/``poll``/``selectors``; ``settimeout``/``setblocking`` work as on a
    socket, 0 (non-blocking) included: a read then finds nothing instead of waiting."""

    def __init__(self, conn: Any, timeout: Optional[float], buffered: Callable[[], int]) -> None:
        self._conn = conn
        self._timeout = timeout
        self._buffered = buffered
        if timeout == 0:
            conn.set_blocking(False)

    def settimeout(self, timeout: Optional[float]) -> None:
        if timeout is not None:
            timeout = float(timeout)
            if timeout < 0:
                raise ValueError("Timeout value out of range")
        self._conn.set_blocking(timeout != 0)
        if timeout != 0:
            self._conn.set_timeout(timeout)
        self._timeout = timeout

    def gettimeout(self) -> Optional[float]:
        return self._timeout

    @property
    def timeout(self) -> Optional[float]:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self.settimeout(None if flag else 0.0)

    def getblocking(self) -> bool:
        return self._timeout != 0

    def fileno(self) -> int:
        return int(self._conn.fileno())

    def sendall(self, data: bytes) -> None:
        try:
            self._conn.write(bytes(data))
        except _errors.IMAP4Timeout as exc:
            raise _link.timed_out() from exc
        except _errors.ConnectionClosed as exc:
            raise _link.broken_pipe(exc) from exc

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        self._conn.close()

    def close(self) -> None:
        self._conn.close()


class _TLSSocketView(_SocketView):
    """``IMAP4_SSL.sock`` (and ``sock`` after STARTTLS) as an ``ssl.SSLSocket`` shows it:
    besides the socket's methods, ``pending()`` (bytes received and already decrypted, which
    ``select`` cannot see), ``version()``, ``cipher()``, ``getpeercert()``,
    ``server_hostname`` and ``context``."""

    def __init__(
        self,
        conn: Any,
        timeout: Optional[float],
        buffered: Callable[[], int],
        server_hostname: Optional[str],
        context: Any,
        verified: bool,
    ) -> None:
        super().__init__(conn, timeout, buffered)
        self.server_hostname = server_hostname
        self.context = context
        self._verified = verified

    def pending(self) -> int:
        return int(self._buffered() + self._conn.buffered())

    def version(self) -> Optional[str]:
        session = self._conn.tls_session()
        return None if session is None else str(session[0])

    def cipher(self) -> Optional[Tuple[str, str, int]]:
        session = self._conn.tls_session()
        return None if session is None else (session[1], session[0], session[2])

    def getpeercert(self, binary_form: bool = False) -> Any:
        der = self._conn.peer_certificate()
        if binary_form or der is None:
            return der
        return _tls.decode_certificate(der) if self._verified else {}


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
        self._history = collections.deque(maxlen=10)
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

    if TYPE_CHECKING:  # M.FETCH and the other names in capitals: see _CommandName

        def __getattr__(self, attr: str) -> Any: ...

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
            max_line=max(_maxline() + 2, _CORE_MAX_LINE),
            # imaplib reads the line and raises abort("unterminated line") itself.
            crlf_relaxed=True,
        )
        return self._attach(timeout)

    def _attach(self, timeout: Optional[float]) -> _SocketView:
        """Starts reading from the new connection, whose greeting the core has read."""
        self._buf = self._conn.greeting_raw
        self._pos = 0
        self.file = None
        view = self._socket_view(timeout, getattr(self, "ssl_context", None))
        self.sock = view
        return view

    def _socket_view(self, timeout: Optional[float], context: Any) -> _SocketView:
        """The view of the connection's socket: a TLS socket's once the link is encrypted
        (``context``: the ``ssl_context`` it was made with, if any)."""
        if not self._conn.link[0]:
            return _SocketView(self._conn, timeout, self._unread)
        options = self._tls_options
        return _TLSSocketView(
            self._conn,
            timeout,
            self._unread,
            (options.server_name if options else None) or self.host,
            context,
            bool(options and options.verify),
        )

    def _unread(self) -> int:
        """Bytes of responses already taken from the core and not yet read."""
        return len(self._buf) - self._pos

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
        elif self._pos == len(self._buf):
            # All read: the next response. Most are one line, given as the core framed it.
            line = self._frame()
            if line.find(b"\n") != len(line) - 1:  # more than a line (b"" is the end)
                self._buf, self._pos = line, 0
                line = self._buffered_line()
        else:
            line = self._buffered_line()
        if len(line) > limit:
            raise self.error(f"got more than {limit} bytes")
        return line

    def _buffered_line(self) -> bytes:
        """The next line of the buffer, reading more responses until it is whole."""
        end = self._buf.find(b"\n", self._pos)
        while end < 0 and self._more():
            end = self._buf.find(b"\n", self._pos)
        stop = len(self._buf) if end < 0 else end + 1
        line, self._pos = self._buf[self._pos : stop], stop
        return line

    def _more(self) -> bool:
        """Appends the next whole response from the core; False at the end of the stream."""
        frame = self._frame()
        if not frame:
            return False
        rest = self._buf[self._pos :]
        self._buf = rest + frame if rest else frame  # no copy of a large frame when alone
        self._pos = 0
        return True

    def _frame(self) -> bytes:
        """The next whole response from the core, as the server sent it; b"" at the end of
        the stream."""
        try:
            return self._conn.read_raw()  # type: ignore[no-any-return]
        except _errors.ConnectionClosed as exc:
            failure = _link.read_failure(exc)
            if failure is None:
                return b""  # the end of the stream: readline() gives b""
            raise failure from exc
        except _errors.IMAP4Timeout as exc:
            if self.sock is not None and self.sock.gettimeout() == 0:
                blocked = _link.would_block(isinstance(self.sock, _TLSSocketView))
                if blocked is None:
                    return b""  # imaplib's file object gives what it has, maybe b""
                raise blocked from exc
            raise _link.timed_out() from exc
        except _errors.LimitError as exc:
            raise self.error(f"got more than {_maxline()} bytes") from exc
        except _errors.ProtocolError as exc:
            raise self.abort(f"socket error: {exc}") from exc
        except _errors.TLSError as exc:
            raise _link.ssl_error(exc) from exc

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
        """The connection's socket, as a socket (or, over TLS, an ``ssl.SSLSocket``) shows it:
        ``fileno``, timeouts and non-blocking mode, ``shutdown``; or the socket a subclass
        opened."""
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


class _CommandName:
    """``M.FETCH`` is ``M.fetch``: imaplib reaches each command's method by its name in
    capitals too. imaplib does it with ``__getattr__``; a class with ``__getattr__`` makes
    CPython give up its fast attribute lookups on every instance (all of them up to 3.11,
    some after), which cost a third of each command's instructions on 3.11. So each name
    in ``Commands`` is this descriptor instead; an unknown name raises AttributeError as
    before, and a subclass's own ``fetch`` is the one ``FETCH`` reaches."""

    __slots__ = ("method",)

    def __init__(self, method: str) -> None:
        self.method = method

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return getattr(owner if obj is None else obj, self.method)


for _name in H.Commands:
    setattr(IMAP4Base, _name, _CommandName(_name.lower()))


#: The core's own bound on a line, which only keeps memory in check: ``readline()`` holds
#: every line to ``_MAXLINE`` as it is when the line is read, so changing ``_MAXLINE`` acts
#: on open connections too, raising it (up to this bound or the value at connect time) or
#: lowering it.
_CORE_MAX_LINE = 16 << 20


#: The package's names, where callers may change ``_MAXLINE`` (the package is in
#: sys.modules while it imports us).
_PACKAGE_NAMES: Dict[str, Any] = vars(sys.modules[__package__ or ""])


def _maxline() -> int:
    """``imaprs.imaplib._MAXLINE``, which callers may change as they do imaplib's."""
    return int(_PACKAGE_NAMES.get("_MAXLINE", H._MAXLINE))
