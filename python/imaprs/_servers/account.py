"""One user of a running Dovecot, with everything a client test needs to reach the mailbox."""

from __future__ import annotations

import email.message
import email.policy
import re
import ssl
from pathlib import Path
from typing import Optional, Union

from .base import User
from .dovecot import Dovecot

__all__ = ["DovecotAccount", "Message", "message_bytes"]

#: What :meth:`DovecotAccount.deliver` takes: the raw bytes, a text or an ``email`` message.
Message = Union[bytes, str, email.message.Message]

_LINE_END = re.compile(r"\r\n|\r|\n")


class DovecotAccount:
    """A user of ``server`` with an empty INBOX (and the special-use folders at first login).

    Attributes:
        host: the server's address, ``127.0.0.1``.
        port: IMAP without TLS, with STARTTLS (``LOGIN`` is allowed before it).
        ssl_port: IMAP over implicit TLS.
        ca_file: the authority that signed the server's certificate (for ``localhost`` and
            ``127.0.0.1``).
        user, password: the user's credentials.
        server: the :class:`~imaprs.testing.Dovecot` itself, for what else a test needs
            (``kick``, ``doveadm``, more users).
    """

    def __init__(self, server: Dovecot, user: User) -> None:
        self.server = server
        self.host = server.host
        self.port = server.port
        self.ssl_port = server.ssl_port
        self.ca_file = str(server.ca_file)
        self.user = user.name
        self.password = user.password

    def __repr__(self) -> str:
        return f"<DovecotAccount {self.user}@{self.host} port={self.port} ssl_port={self.ssl_port}>"

    def client_context(self) -> ssl.SSLContext:
        """A new client TLS context that verifies the server against :attr:`ca_file`."""
        return ssl.create_default_context(cafile=self.ca_file)

    def deliver(
        self,
        message: Message,
        folder: str = "INBOX",
        *,
        flags: str = "",
        when: Optional[float] = None,
    ) -> Path:
        """Put a message into one of the user's folders (created if needed), without IMAP.

        ``message`` is the raw message, a text (encoded as UTF-8) or an
        :class:`email.message.Message`; lines end in CRLF whatever they ended in. ``flags``
        are IMAP system flags (``"\\\\Seen \\\\Flagged"``) or Maildir letters (``"FS"``),
        ``when`` the INTERNALDATE as a Unix time. A selected mailbox sees the message at its
        next NOOP. Returns the path of the message's file.
        """
        return self.server.deliver(
            self.user, message_bytes(message), folder=folder, flags=flags, when=when
        )


def message_bytes(message: Message) -> bytes:
    """The bytes of a message given as bytes, text or :class:`email.message.Message`.

    Bytes are kept as they are; text and ``email`` messages get CRLF line endings.
    """
    if isinstance(message, (bytes, bytearray)):
        return bytes(message)
    if isinstance(message, str):
        return _LINE_END.sub("\r\n", message).encode("utf-8")
    if isinstance(message, email.message.Message):
        policy = message.policy.clone(linesep="\r\n")
        return message.as_bytes(policy=policy)
    raise TypeError(f"a message is bytes, str or email.message.Message, not {type(message)!r}")
