"""Mailbox names of the native API, and how commands send them.

The rule. The native API speaks ``str``: a command takes a mailbox name as text and sends it
in modified UTF-7 (RFC 3501 §5.1.3), or as UTF-8 once ``ENABLE UTF8=ACCEPT`` is in force
(RFC 6855). The names it gives back (``MailboxInfo.name`` from LIST and LSUB, the names in
STATUS, NAMESPACE, ACL ... answers) are decoded the same way, so that any of them, passed to
SELECT, EXAMINE, STATUS, RENAME, DELETE, CREATE, SUBSCRIBE, APPEND, COPY, MOVE or LIST,
reaches the mailbox it came from.

A name the server sends that is not valid in the encoding in force (``Foo&bar``, raw 8-bit
bytes) has no text that would encode back to it. It is given as a :class:`MailboxName`: a
``str`` holding the wire bytes (read as UTF-8, undecodable bytes kept by
``surrogateescape``), which commands send back byte for byte. Text built from it
(``name + '/sub'``) is a plain ``str`` again and is encoded as usual.

The raw ``IMAP4Response`` of LIST keeps the wire form: it is the raw truth of what the server
sent, and ``MailboxInfo.raw`` gives the same.
"""

from __future__ import annotations

from typing import Union

from ._command import Raw
from ._imaprs import MAILBOX_NEWS_KINDS, iutf7_encode, qstr

__all__ = ["MAILBOX_NEWS", "MailboxName", "encode_mailbox"]

#: The kinds of response (``dtype``) that change the selected mailbox's state, wherever they
#: are routed (``IMAP4.selected``); CLOSED (QRESYNC) starts the next mailbox's.
MAILBOX_NEWS = frozenset(MAILBOX_NEWS_KINDS)


class MailboxName(str):
    """A mailbox name exactly as the server sent it, because it is not valid modified UTF-7
    (or UTF-8 after ``ENABLE UTF8=ACCEPT``). Commands send its bytes back unchanged.

        >>> name = MailboxName("Foo&bar")
        >>> name.raw
        b'Foo&bar'
    """

    __slots__ = ()

    @property
    def raw(self) -> bytes:
        """The wire bytes of the name."""
        return self.encode("utf-8", "surrogateescape")

    def __repr__(self) -> str:
        return f"MailboxName({str.__repr__(self)})"


def encode_mailbox(name: str, utf8: bool) -> Union[Raw, bytes]:
    """The argument that sends mailbox ``name``: a quoted string, or a literal (bytes) for a
    wire form that cannot be quoted. ``utf8``: ENABLE UTF8=ACCEPT is in force."""
    if isinstance(name, MailboxName):
        raw = name.raw
        if all(0x20 <= b < 0x7F for b in raw):
            return Raw(qstr(name))
        return raw
    if utf8:
        if any(c in name for c in "\r\n\0"):
            raise ValueError("mailbox names cannot hold CR, LF or NUL")
        return Raw('"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return Raw(qstr(iutf7_encode(name)))
