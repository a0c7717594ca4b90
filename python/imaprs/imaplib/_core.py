"""IMAP4 of the drop-in: imaplib's connection object over the Rust connection core.

The core (``imaprs._imaprs._Connection``) owns the socket, TLS and framing: it hands over
whole responses only, enforces the line limit (``_MAXLINE``) and never lets a command carry
CR, LF or NUL where they do not belong. Above it this class keeps imaplib's contract to the
letter: ``readline()`` and ``read(n)`` serve the bytes of those responses, and the response
handling (``_get_response``, ``untagged_responses``, ``tagged_commands``, the states) follows
imaplib's rules, so every method returns exactly what imaplib returns and subclasses that
override the private helpers keep working.
"""

from __future__ import annotations

import contextlib
import random
import re
import socket
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import _imaprs
from .. import errors as _errors
from . import _helpers as H
from . import _link

_TLS_WARNED = False


class _SocketView:
    """What ``IMAP4.socket()`` returns: the timeout and shutdown of the real connection
    (the socket itself belongs to the Rust core)."""

    def __init__(self, conn: _imaprs._Connection, timeout: Optional[float]) -> None:
        self._conn = conn
        self._timeout = timeout

    def settimeout(self, timeout: Optional[float]) -> None:
        self._conn.set_timeout(timeout)
        self._timeout = timeout

    def gettimeout(self) -> Optional[float]:
        return self._timeout

    def shutdown(self, how: int = 2) -> None:
        self._conn.close()

    def close(self) -> None:
        self._conn.close()


class IMAP4Base:
    """imaplib.IMAP4's connection handling; the commands are in ``_methods``."""

    # Provided by the command methods.
    capability: Callable[[], Tuple[str, List[Any]]]
    logout: Callable[[], Tuple[str, List[Any]]]

    class error(Exception):
        pass

    class abort(error):
        pass

    class readonly(abort):
        pass

    _tls_options: Any = None
    #: The core's connection; None when a subclass opened its own socket.
    _conn: Any = None
    file: Any = None
    sock: Any = None
    #: While IDLE runs, untagged responses go to ``_idle_responses``, one
    #: ``(type, [data, ...])`` pair per response (see ``_idle``).
    _idle_capture = False
    _idle_responses: List[Tuple[str, List[Any]]]
    #: The last regular-expression match of ``_match`` (imaplib's ``mo``).
    mo: Any = None

    def __init__(self, host: str = "", port: int = H.IMAP4_PORT, timeout: Optional[float] = None):
        self.debug = H.Debug
        self.state = "LOGOUT"
        self.literal: Any = None
        self.tagged_commands: Dict[bytes, Any] = {}
        self.untagged_responses: Dict[str, List[Any]] = {}
        self.continuation_response: Any = ""
        self.is_readonly = False
        self.tagnum = 0
        self._tls_established = False
        self._idle_responses = []
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

    # -- modes and set-up ----------------------------------------------------------------

    def _mode_ascii(self) -> None:
        self.utf8_enabled = False
        self._encoding = "ascii"
        self.Literal = re.compile(H._Literal, re.ASCII)
        self.Untagged_status = re.compile(H._Untagged_status, re.ASCII)

    def _mode_utf8(self) -> None:
        self.utf8_enabled = True
        self._encoding = "utf-8"
        self.Literal = re.compile(H._Literal)
        self.Untagged_status = re.compile(H._Untagged_status)

    def _connect(self) -> None:
        self.tagpre = H.Int2AP(random.randint(4096, 65535))
        self.tagre = re.compile(
            rb"(?P<tag>" + self.tagpre + rb"\d+) (?P<type>[A-Z]+) (?P<data>.*)", re.ASCII
        )
        self._cmd_log_len = 10
        self._cmd_log_idx = 0
        self._cmd_log: Dict[int, Tuple[str, float]] = {}
        self.welcome = self._get_response()
        if "PREAUTH" in self.untagged_responses:
            self.state = "AUTH"
        elif "OK" in self.untagged_responses:
            self.state = "NONAUTH"
        else:
            raise self.error(self.welcome)
        self._get_capabilities()
        for version in H.AllowedVersions:
            if version in self.capabilities:
                self.PROTOCOL_VERSION = version
                return
        raise self.error("server not IMAP4 compliant")

    def __getattr__(self, attr: str) -> Any:
        # M.FETCH(...) is M.fetch(...): command names in capitals reach the methods.
        if attr in H.Commands:
            return getattr(self, attr.lower())
        raise AttributeError(f"Unknown IMAP4 command: '{attr}'")

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *args: object) -> None:
        if self.state == "LOGOUT":
            return
        with contextlib.suppress(OSError):
            self.logout()

    # -- the connection: open, read, readline, send, shutdown, socket --------------------

    def _create_connection(self, timeout: Optional[float]) -> _imaprs._Connection:
        if timeout is not None and not timeout:
            raise ValueError("Non-blocking socket (timeout=0) is not supported")
        sys.audit("imaplib.open", self, self.host, self.port)
        conn: _imaprs._Connection = _link.connect(
            self.host or "localhost",
            self.port,
            timeout,
            self._tls_options,
            max_line=_maxline() + 2,
        )
        return conn

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

    def _create_socket(self, timeout: Optional[float]) -> _SocketView:
        """Connects through the core and returns the socket view. (imaplib returns a
        ``socket.socket`` here; the socket of this connection belongs to the core, so a
        subclass may return its own socket instead: then the connection speaks over it the
        standard library's way, without the core.)"""
        self._conn = self._create_connection(timeout)
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
        """``size`` bytes from the server."""
        if self._conn is None:
            return bytes(self.file.read(size))
        while len(self._buf) - self._pos < size:
            if not self._more():
                break
        data = self._buf[self._pos : self._pos + size]
        self._pos += len(data)
        return data

    def readline(self) -> bytes:
        """One line from the server, CRLF included (b'' at end of stream)."""
        if self._conn is None:
            line = bytes(self.file.readline(_maxline() + 1))
            if len(line) > _maxline():
                raise self.error(f"got more than {_maxline()} bytes")
            return line
        while True:
            end = self._buf.find(b"\n", self._pos)
            if end >= 0:
                line = self._buf[self._pos : end + 1]
                self._pos = end + 1
                break
            if not self._more():
                line = self._buf[self._pos :]
                self._pos = len(self._buf)
                break
        if len(line) > _maxline():
            raise self.error(f"got more than {_maxline()} bytes")
        return line

    def _more(self) -> bool:
        """Appends the next whole response from the core; False at end of stream."""
        try:
            frame = self._conn.read_raw()
        except _errors.ConnectionClosed:
            return False
        except _errors.IMAP4Timeout as exc:
            raise _link.timed_out() from exc
        except _errors.LimitError as exc:
            raise self.error(f"got more than {_maxline()} bytes") from exc
        except _errors.ProtocolError as exc:
            raise self.abort(f"socket error: {exc}") from exc
        except _errors.TLSError as exc:
            raise _link.ssl_error(exc) from exc
        self._buf = self._buf[self._pos :] + frame
        self._pos = 0
        return True

    def send(self, data: bytes) -> None:
        """Sends ``data`` as it is."""
        sys.audit("imaplib.send", self, data)
        if self._conn is None:
            self.sock.sendall(data)
            return
        try:
            self._conn.write(bytes(data))
        except _errors.IMAP4Timeout as exc:
            raise _link.timed_out() from exc
        except _errors.ConnectionClosed as exc:
            raise BrokenPipeError(str(exc)) from exc

    def shutdown(self) -> None:
        """Closes the connection."""
        if self._conn is None:
            with contextlib.suppress(OSError):
                self.file.close()
                self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
            return
        self._conn.close()

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

    # -- imaplib's internals, kept for the libraries that call them ----------------------

    def _append_untagged(self, typ: str, dat: Any) -> None:
        if dat is None:
            dat = b""
        if self._idle_capture:
            # During IDLE each response is queued whole for the iteration. A response with
            # literals comes in pieces: its (header, literal) pairs, then its last line.
            queue = self._idle_responses
            if queue and queue[-1][0] == typ and not isinstance(queue[-1][1][-1], bytes):
                queue[-1][1].append(dat)
            else:
                queue.append((typ, [dat]))
            return
        self.untagged_responses.setdefault(typ, []).append(dat)

    def _check_bye(self) -> None:
        bye = self.untagged_responses.get("BYE")
        if bye:
            raise self.abort(bye[-1].decode(self._encoding, "replace"))

    def _command(self, name: str, *args: Any) -> bytes:
        if self.state not in H.Commands[name]:
            self.literal = None
            raise self.error(
                f"command {name} illegal in state {self.state}, "
                f"only allowed in states {', '.join(H.Commands[name])}"
            )
        for typ in ("OK", "NO", "BAD"):
            self.untagged_responses.pop(typ, None)
        if "READ-ONLY" in self.untagged_responses and not self.is_readonly:
            raise self.readonly("mailbox status changed to READ-ONLY")
        tag = self._new_tag()
        parts = []
        for arg in args:
            if arg is None:
                continue
            if isinstance(arg, str):
                arg = bytes(arg, self._encoding)
            try:
                H.check_controls(arg)
            except ValueError:
                self.literal = None  # or the next command would carry this one's literal
                raise
            parts.append(arg)
        data = b" ".join([tag, bytes(name, self._encoding), *parts])
        literal = self.literal
        literator = None
        if literal is not None:
            self.literal = None
            if callable(literal):
                literator = literal
            elif self.utf8_enabled:
                # RFC 6855: in UTF-8 mode the message goes as UTF8 (literal8).
                data += bytes(f" UTF8 (~{{{len(literal)}}}", self._encoding)
                literal += b")"
            else:
                data += bytes(f" {{{len(literal)}}}", self._encoding)
        self._log(f"> {data!r}")
        try:
            self.send(data + H.CRLF)
        except OSError as val:
            raise self.abort(f"socket error: {val}") from val
        if literal is None:
            return tag
        while True:
            while self._get_response():
                if self.tagged_commands[tag]:  # completed (NO/BAD) instead of "+"
                    return tag
            if literator is not None:
                literal = literator(self.continuation_response)
            try:
                self.send(literal)
                self.send(H.CRLF)
            except OSError as val:
                raise self.abort(f"socket error: {val}") from val
            if literator is None:
                break
        return tag

    def _command_complete(self, name: str, tag: bytes) -> Tuple[str, List[Any]]:
        logout = name == "LOGOUT"
        if not logout:
            self._check_bye()
        try:
            typ, data = self._get_tagged_response(tag, expect_bye=logout)
        except self.abort as val:
            raise self.abort(f"command: {name} => {val}") from None
        except self.error as val:
            raise self.error(f"command: {name} => {val}") from None
        if not logout:
            self._check_bye()
        if typ == "BAD":
            raise self.error(f"{name} command error: {typ} {data}")
        return typ, data

    def _get_capabilities(self) -> None:
        _typ, dat = self.capability()
        if dat == [None]:
            raise self.error("no CAPABILITY response from server")
        self.capabilities = tuple(str(dat[-1], self._encoding).upper().split())

    def _get_response(self) -> Any:
        resp = self._get_line()
        if self._match(self.tagre, resp):
            tag = self.mo.group("tag")
            if tag not in self.tagged_commands:
                raise self.abort(f"unexpected tagged response: {resp!r}")
            typ = str(self.mo.group("type"), self._encoding)
            dat = self.mo.group("data")
            self.tagged_commands[tag] = (typ, [dat])
        else:
            dat2 = None
            if not self._match(H.Untagged_response, resp) and self._match(
                self.Untagged_status, resp
            ):
                dat2 = self.mo.group("data2")
            if self.mo is None:
                cont = self.mo = H.Continuation.match(resp)
                if cont is not None:
                    self.continuation_response = cont.group("data")
                    return None  # a continuation
                raise self.abort(f"unexpected response: {resp!r}")
            typ = str(self.mo.group("type"), self._encoding)
            dat = self.mo.group("data")
            if dat is None:
                dat = b""
            if dat2:
                dat = dat + b" " + dat2
            while self._match(self.Literal, dat):
                size = int(self.mo.group("size"))
                data = self.read(size)
                self._append_untagged(typ, (dat, data))
                dat = self._get_line()
            self._append_untagged(typ, dat)
        if typ in ("OK", "NO", "BAD") and self._match(H.Response_code, dat):
            typ = str(self.mo.group("type"), self._encoding)
            self._append_untagged(typ, self.mo.group("data"))
        return resp

    def _get_tagged_response(self, tag: bytes, expect_bye: bool = False) -> Any:
        while True:
            result = self.tagged_commands[tag]
            if result is not None:
                del self.tagged_commands[tag]
                return result
            if expect_bye:
                bye = self.untagged_responses.pop("BYE", None)
                if bye is not None:
                    return ("BYE", bye)
            self._check_bye()
            self._get_response()

    def _get_line(self) -> bytes:
        line = self.readline()
        if not line:
            raise self.abort("socket error: EOF")
        if not line.endswith(b"\r\n"):
            raise self.abort(f"socket error: unterminated line: {line!r}")
        line = line[:-2]
        self._log(f"< {line!r}")
        return line

    def _match(self, cre: re.Pattern[bytes], s: bytes) -> bool:
        self.mo = cre.match(s)
        return self.mo is not None

    def _new_tag(self) -> bytes:
        tag = self.tagpre + bytes(str(self.tagnum), self._encoding)
        self.tagnum += 1
        self.tagged_commands[tag] = None
        return tag

    def _checkquote(self, arg: Any) -> Any:
        if not isinstance(arg, str):
            return arg
        if len(arg) >= 2 and (arg[0], arg[-1]) in (("(", ")"), ('"', '"')):
            return arg
        if arg and _MUSTQUOTE.search(arg) is None:
            return arg
        return self._quote(arg)

    def _quote(self, arg: str) -> str:
        arg = arg.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + arg + '"'

    def _simple_command(self, name: str, *args: Any) -> Tuple[str, List[Any]]:
        return self._command_complete(name, self._command(name, *args))

    def _untagged_response(self, typ: str, dat: Any, name: str) -> Tuple[str, List[Any]]:
        if typ == "NO":
            return typ, dat
        if name not in self.untagged_responses:
            return typ, [None]
        data = self.untagged_responses.pop(name)
        return typ, data

    def _mesg(self, s: str, secs: Optional[float] = None) -> None:
        if secs is None:
            secs = time.time()
        tm = time.strftime("%M:%S", time.localtime(secs))
        sys.stderr.write(f"  {tm}.{int(secs * 100) % 100:02d} {s}\n")
        sys.stderr.flush()

    def _dump_ur(self, untagged_resp_dict: Dict[str, Any]) -> None:
        if not untagged_resp_dict:
            return
        items = (f"{key}: {value!r}" for key, value in untagged_resp_dict.items())
        self._mesg("untagged responses dump:" + "\n\t\t".join(items))

    def _log(self, line: str) -> None:
        if self.debug >= 4:
            self._mesg(line)
        self._cmd_log[self._cmd_log_idx] = (line, time.time())
        self._cmd_log_idx = (self._cmd_log_idx + 1) % self._cmd_log_len

    def print_log(self) -> None:
        """Prints the last commands and responses (imaplib's debugging aid)."""
        self._mesg(f"last {len(self._cmd_log)} IMAP4 interactions:")
        i, n = self._cmd_log_idx, self._cmd_log_len
        while n:
            if i in self._cmd_log:
                self._mesg(*self._cmd_log[i])
            i = (i + 1) % self._cmd_log_len
            n -= 1


def _maxline() -> int:
    """``imaprs.imaplib._MAXLINE``, which callers may change as they do imaplib's."""
    module = sys.modules.get(__package__ or "")
    return int(getattr(module, "_MAXLINE", H._MAXLINE))


_MUSTQUOTE = re.compile(r"[^!#$%&'*+,./:;<=>?@^_`|~0-9A-Za-z-]")


def warn_unverified_once() -> None:
    """Logs, once per process, that TLS without a context is not verified."""
    global _TLS_WARNED
    if not _TLS_WARNED:
        _TLS_WARNED = True
        import logging

        logging.getLogger("imaprs").warning(
            "IMAP4_SSL without ssl_context does not verify the server's certificate, as "
            "the standard library's imaplib; pass ssl_context=ssl.create_default_context()"
        )
