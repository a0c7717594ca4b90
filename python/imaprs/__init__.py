"""imaprs: a fast, safe IMAP client for Python with a Rust core.

The native API follows the imaplib2 design: ``IMAP4Response`` (a ``list`` of decoded
tokens), ``IMAP4SeqSet`` (a ``set`` of message numbers), helpers for quoting, modified
UTF-7 and INTERNALDATE, and ``ResponseReader``, the sans-I/O parser for any front end.
"""

from __future__ import annotations

from ._args import Atom, Flags, Number, Number64, Secret, SequenceSet
from ._functions import group, qstr_iutf7, qstr_or_lit, response_map, ungroup
from ._imap4 import IMAP4, IMAP4Command, Raw
from ._imaprs import (
    Address,
    BodyStructure,
    Envelope,
    FetchItem,
    LiteralChunk,
    MailboxInfo,
    ResponseReader,
    SelectedMailbox,
    TransferDecoder,
    __version__,
    decode_header,
    decode_params,
    idate2unix,
    iutf7_decode,
    iutf7_encode,
    qstr,
    unix2idate,
)
from ._mailbox import MailboxName
from ._results import ESearchResult, Namespaces
from ._search import Q
from ._tls import TLSOptions
from ._types import NEED_DATA, IMAP4Response, IMAP4SeqSet
from .errors import (
    BAD,
    BYE,
    NO,
    OK,
    AccessModeError,
    AuthenticationError,
    CallbackError,
    ConnectionClosed,
    IMAP4Error,
    IMAP4Timeout,
    InvalidArgument,
    LimitError,
    ParseError,
    ProtocolError,
    StatusError,
    TLSError,
    UIDValidityError,
)

__all__ = [
    "IMAP4",
    "IMAP4Command",
    "IMAP4Response",
    "IMAP4SeqSet",
    "Raw",
    "MailboxInfo",
    "MailboxName",
    "SelectedMailbox",
    "Namespaces",
    "ESearchResult",
    "Q",
    "Atom",
    "Flags",
    "SequenceSet",
    "Number",
    "Number64",
    "Secret",
    "TLSOptions",
    "ResponseReader",
    "LiteralChunk",
    "NEED_DATA",
    "FetchItem",
    "Envelope",
    "Address",
    "BodyStructure",
    "TransferDecoder",
    "decode_header",
    "decode_params",
    "qstr",
    "qstr_or_lit",
    "qstr_iutf7",
    "iutf7_encode",
    "iutf7_decode",
    "idate2unix",
    "unix2idate",
    "group",
    "ungroup",
    "response_map",
    "IMAP4Error",
    "ProtocolError",
    "UIDValidityError",
    "LimitError",
    "ParseError",
    "AccessModeError",
    "AuthenticationError",
    "CallbackError",
    "ConnectionClosed",
    "IMAP4Timeout",
    "TLSError",
    "InvalidArgument",
    "StatusError",
    "OK",
    "NO",
    "BAD",
    "BYE",
    "__version__",
]
