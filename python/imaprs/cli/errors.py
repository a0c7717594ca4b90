"""Exit codes of the command line, and the one-line message for each failure users cause.

Every failure that a user can cause or fix (a wrong password, an unknown folder, a server
that cannot be reached, a certificate that does not verify) ends the program with a line on
stderr and its own exit code; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import errno
import socket
from typing import Optional, Tuple

from ..errors import (
    BAD,
    BYE,
    NO,
    ConnectionClosed,
    IMAP4Error,
    IMAP4Timeout,
    ProtocolError,
    TLSError,
)

__all__ = ["EXIT", "CliError", "describe"]

#: Exit codes by cause.
EXIT = {
    "ok": 0,
    "usage": 2,  # argparse's own code for a bad command line
    "auth": 3,  # wrong user name or password, no password, OAuth2 token refused
    "connect": 4,  # host unknown or unreachable, connection refused or cut, timeout
    "tls": 5,  # handshake or certificate verification failed, STARTTLS refused
    "folder": 6,  # the folder does not exist or cannot be opened
    "refused": 7,  # this program refused to do something unsafe (cleartext password)
    "server": 8,  # the server refused a command or broke the protocol
    "local": 9,  # a local file or directory could not be read or written
    "interrupted": 130,  # Ctrl-C
}


class CliError(Exception):
    """A failure to report in one line, with the exit code for its cause."""

    def __init__(self, cause: str, message: str) -> None:
        super().__init__(message)
        self.cause = cause

    @property
    def code(self) -> int:
        return EXIT[self.cause]


def describe(exc: BaseException, where: str) -> Optional[Tuple[str, str]]:
    """``(cause, message)`` for an exception a user can cause, or None for a bug.

    ``where`` names the server (``host:port``) for the message.
    """
    if isinstance(exc, CliError):
        return exc.cause, str(exc)
    if isinstance(exc, TLSError):
        return "tls", f"TLS with {where} failed: {exc}"
    if isinstance(exc, IMAP4Timeout):
        return "connect", f"{where} did not answer in time"
    if isinstance(exc, socket.gaierror):
        return "connect", f"cannot resolve the host of {where}: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connect", f"{where} refused the connection"
    if isinstance(exc, BYE):
        return "connect", f"{where} closed the connection: {exc}"
    if isinstance(exc, (ConnectionClosed, ConnectionError, TimeoutError)):
        return "connect", f"lost the connection to {where}: {exc}"
    if isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS:
        return "connect", f"cannot reach {where}: {exc.strerror or exc}"
    if isinstance(exc, OSError):
        name = f" {exc.filename}" if exc.filename else ""
        return "local", f"cannot use{name}: {exc.strerror or exc}"
    if isinstance(exc, (NO, BAD)):
        return "server", f"the server refused: {exc}"
    if isinstance(exc, ProtocolError):
        return "server", f"{where} broke the IMAP protocol: {exc}"
    if isinstance(exc, IMAP4Error):
        return "server", str(exc)
    return None


_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
