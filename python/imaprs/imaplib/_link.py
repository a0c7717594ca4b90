"""Where the drop-in meets the core's connection: opening it the way imaplib opens a socket,
the standard library's exceptions for the core's (``OSError`` with errno, ``socket.gaierror``,
``socket.timeout``, ``ssl.SSLError``), and the TLS settings used without an ``ssl_context``.
Anything that depends on how the core reports things is adjusted here, in one place.

The core refuses a ``* BYE`` greeting, bytes that cannot start a greeting, a greeting cut
short by the end of the stream and an over-long greeting before any Python code sees them;
imaplib instead reads that greeting and raises its own ``error`` or ``abort``. ``connect``
keeps that order: on such a refusal it returns a connection that is already closed, whose
greeting is the line the server sent (nothing when the stream ended first), and whose next
read fails as the core did.

A refused certificate becomes ``ssl.SSLCertVerificationError`` with OpenSSL's verify code and
message, read from the core's text (``certificate verify failed: <message> (X509 error
<code>; rustls: <detail>)``); the core's exception stays attached as ``__cause__``.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import ssl
from typing import Any, Optional

from .. import _imaprs, _tls
from .. import errors as _errors

_WARNED = False
_OS_ERROR = re.compile(r"\(os error (\d+)\)")
_BYE_GREETING = "server greeted with "
_GAI_CODES = {
    "Name or service not known": socket.EAI_NONAME,
    "Temporary failure in name resolution": socket.EAI_AGAIN,
    "nodename nor servname provided, or not known": socket.EAI_NONAME,
}
_NOT_IMAP = re.compile(r'server greeting is not IMAP: "(.*)"$', re.DOTALL)
_EOF = "the server closed the connection"
_VERIFY_FAILED = re.compile(
    r"certificate verify failed: (?P<message>.*) \(X509 error (?P<code>\d+); rustls: .*\)$",
    re.DOTALL,
)


def connect(*args: Any, **kw: Any) -> Any:
    """``_imaprs._Connection(*args, **kw)``, raising what ``socket.create_connection`` or
    ``ssl.wrap_socket`` would raise."""
    try:
        return _imaprs._Connection(*args, **kw)
    except _errors.LimitError as exc:
        return ClosedAtGreeting("", exc)
    except _errors.ConnectionClosed as exc:
        text = str(exc)
        at = text.find(_BYE_GREETING)
        if at >= 0:
            return ClosedAtGreeting(text[at + len(_BYE_GREETING) :])
        if text.endswith(_EOF):
            return ClosedAtGreeting("", exc)
        raise os_error(exc) from exc
    except _errors.ProtocolError as exc:
        match = _NOT_IMAP.search(str(exc))
        if match is None:
            raise
        # The core shows at most 40 characters, CR and LF as dots: enough for the short
        # greetings of servers that are not IMAP servers at all.
        return ClosedAtGreeting(match.group(1).removesuffix(".."))
    except _errors.TLSError as exc:
        raise ssl_error(exc) from exc
    except _errors.IMAP4Timeout as exc:
        raise timed_out() from exc


class ClosedAtGreeting:
    """A connection the core closed right after the greeting ``line`` (no line: the greeting
    never came); reading raises ``failure``, by default the end of the stream."""

    link = (False, False)

    def __init__(self, line: str, failure: Optional[BaseException] = None) -> None:
        self.greeting_raw = line.encode("utf-8", "surrogateescape") + b"\r\n" if line else b""
        self._failure = failure

    def read_raw(self) -> bytes:
        if self._failure is not None:
            raise self._failure
        raise _errors.ConnectionClosed(_EOF)

    def fileno(self) -> int:
        return -1

    def set_blocking(self, blocking: bool) -> None:
        pass

    def buffered(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        raise _errors.ConnectionClosed("the server closed the connection")

    def starttls(self, tls: Any) -> None:
        raise _errors.ConnectionClosed("the server closed the connection")

    def set_timeout(self, timeout: Optional[float]) -> None:
        pass

    def close(self) -> None:
        pass


def os_error(exc: BaseException) -> OSError:
    """The ``OSError`` (``ConnectionRefusedError``, ``socket.gaierror``...) for a failure
    the core reports as ``ConnectionClosed``."""
    text = str(exc)
    match = _OS_ERROR.search(text)
    if match is not None:
        code = int(match.group(1))
        return OSError(code, os.strerror(code))
    if "cannot resolve" in text:
        # The resolver's own words end the core's message, as gai_strerror() gives them.
        reason = text.rsplit(": ", 1)[-1]
        return socket.gaierror(_GAI_CODES.get(reason, socket.EAI_NONAME), reason)
    if "refused" in text:
        return ConnectionRefusedError(errno.ECONNREFUSED, text)
    return OSError(text)


def broken_pipe(exc: BaseException) -> OSError:
    """What writing to a socket the server closed raises (``[Errno 32] Broken pipe``); for a
    connection inherited through ``os.fork()``, which the core refuses to touch without
    writing a byte, the core's own words."""
    if _FORKED.search(str(exc)):
        return OSError(str(exc))
    return BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


#: How the core refuses a connection that another process opened.
_FORKED = re.compile(r"cannot be used after fork\(\)")


def read_failure(exc: BaseException) -> Optional[OSError]:
    """The ``OSError`` a socket read would have raised for the core's ``ConnectionClosed``
    (``ConnectionResetError``...), or None when the server simply closed the connection."""
    return os_error(exc) if _OS_ERROR.search(str(exc)) else None


def timed_out() -> OSError:
    """What a socket with a timeout raises when it runs out (``socket.timeout``, which is
    ``TimeoutError`` since Python 3.10)."""
    return socket.timeout("timed out")


def standard_tls() -> _tls.TLSOptions:
    """The TLS settings of the running Python's imaplib when no ``ssl_context`` is given:
    those of ``ssl._create_stdlib_context()``, which verifies nothing up to now. When they
    do not verify, a warning says so, once per process."""
    make = getattr(ssl, "_create_stdlib_context", None)
    options = _tls.tls_options(make()) if make else _tls.TLSOptions(verify=False)
    global _WARNED
    if not options.verify and not _WARNED:
        _WARNED = True
        logging.getLogger("imaprs").warning(
            "IMAP4_SSL without ssl_context does not verify the server's certificate, as "
            "the standard library's imaplib; pass ssl_context=ssl.create_default_context()"
        )
    return options


def ssl_error(exc: BaseException) -> ssl.SSLError:
    """The standard library's exception for a TLS failure of the core: a refused
    certificate is ``ssl.SSLCertVerificationError`` with ``verify_code``, ``verify_message``,
    ``reason`` and ``library`` set as CPython sets them."""
    text = str(exc)
    match = _VERIFY_FAILED.search(text)
    if match is None:
        return ssl.SSLError(text)
    message = match.group("message")
    err = ssl.SSLCertVerificationError(
        1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}"
    )
    err.verify_code = int(match.group("code"))
    err.verify_message = message
    err.reason = "CERTIFICATE_VERIFY_FAILED"
    err.library = "SSL"
    return err


def would_block(tls: bool) -> Optional[OSError]:
    """What a read finding no data raises on a non-blocking socket under imaplib: over TLS
    ``ssl.SSLWantReadError``; on a plain socket nothing (imaplib's file object then gives
    ``b""``, which imaplib reports as ``abort('socket error: EOF')``)."""
    if tls:
        return ssl.SSLWantReadError(
            ssl.SSL_ERROR_WANT_READ, "The operation did not complete (read)"
        )
    return None
