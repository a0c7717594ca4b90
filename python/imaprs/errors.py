"""The exception hierarchy of imaprs.

::

    IMAP4Error
    ├── ProtocolError          the server broke the protocol
    │   ├── UIDValidityError   UIDVALIDITY changed while a mailbox was selected
    │   └── LimitError         a configured limit was exceeded
    ├── ParseError             a response or value could not be parsed (also a ValueError)
    ├── AccessModeError        READ-ONLY / READ-WRITE changed unexpectedly
    ├── AuthenticationError    a SASL exchange failed on the client side
    ├── CallbackError          a callback of the caller (monitor, sink, progress) raised
    └── StatusError            a command completed with a status the caller did not accept
        ├── OK
        ├── NO
        ├── BAD                (also a ProtocolError)
        └── BYE                the server closed the connection

    InvalidArgument            a caller's argument was refused before anything was sent
                               (a ValueError, not an IMAP4Error: the caller is at fault)
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "IMAP4Error",
    "ProtocolError",
    "UIDValidityError",
    "LimitError",
    "ParseError",
    "AccessModeError",
    "AuthenticationError",
    "CallbackError",
    "StatusError",
    "OK",
    "NO",
    "BAD",
    "BYE",
    "IMAP4Timeout",
    "TLSError",
    "ConnectionClosed",
    "InvalidArgument",
]


class IMAP4Error(Exception):
    """Base class of every imaprs error; ``str()`` is ``"msg [reason]"`` given a reason."""

    def __str__(self) -> str:
        if len(self.args) >= 2 and self.args[1] is not None:
            return f"{self.args[0]} [{self.args[1]}]"
        return super().__str__()


class ProtocolError(IMAP4Error):
    """The server sent something the protocol does not allow."""


class UIDValidityError(ProtocolError):
    """UIDVALIDITY changed while a mailbox was selected."""


class LimitError(ProtocolError):
    """A configured limit was exceeded.

    Attributes:
        limit: the option name, e.g. ``"max_literal"``.
        max: its configured value.
        actual: the size seen or announced.
        offset: byte offset in the response where it was noticed.
    """

    offset: int
    raw: Optional[bytes]

    def __init__(self, message: str, limit: str = "", max: int = 0, actual: int = 0) -> None:
        super().__init__(message)
        self.limit = limit
        self.max = max
        self.actual = actual

    def __str__(self) -> str:
        return str(self.args[0])


class IMAP4Timeout(IMAP4Error, TimeoutError):
    """A deadline passed while waiting for the server; the connection stays usable."""


class TLSError(IMAP4Error):
    """TLS failed: handshake, certificate verification, or an unsafe STARTTLS."""


class ConnectionClosed(IMAP4Error):
    """The connection is closed (by the server, the network, or after a fatal error)."""


class InvalidArgument(ValueError):
    """A command argument does not fit its grammar (a flag that is not an atom, a sequence
    set with a space, a number out of range, NUL or CR/LF where they cannot go); raised
    before any byte of the command is written, so the connection stays usable."""


class ParseError(IMAP4Error, ValueError):
    """A response or value could not be parsed.

    Attributes:
        offset: byte offset of the fault, when known.
        raw: the bytes of the response that failed, when known.
    """

    offset: Optional[int]
    raw: Optional[bytes]


class AccessModeError(IMAP4Error):
    """The mailbox access mode (READ-ONLY / READ-WRITE) is not what was asked for."""


class AuthenticationError(IMAP4Error):
    """A SASL exchange failed on the client side (a challenge refused, too many rounds, a
    server proof that does not match); the exchange was cancelled."""


class CallbackError(IMAP4Error):
    """A callback given by the caller (a monitor, a sink, a progress callback) raised; the
    original exception is the ``__cause__``."""


class StatusError(IMAP4Error):
    """A command completed with a status the caller did not accept.

    Attributes:
        response: the completion response.
        command: the command it completed.
    """

    def __init__(
        self,
        msg: str,
        reason: Optional[str] = None,
        response: Any = None,
        command: Any = None,
    ) -> None:
        super().__init__(msg, reason)
        self.response = response
        self.command = command


class OK(StatusError):
    """The command completed with OK, which the caller did not accept."""


class NO(StatusError):
    """The command completed with NO."""


class BAD(StatusError, ProtocolError):
    """The command completed with BAD, or the server sent an untagged BAD."""


class BYE(StatusError):
    """The server closed the connection (outside LOGOUT)."""
