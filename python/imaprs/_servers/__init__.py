"""Real IMAP servers on loopback for tests: a throw-away Dovecot or Cyrus IMAP with its own
configuration, users and certificate authority, and a realistic, deterministic mail corpus.

The public names are re-exported by :mod:`imaprs.testing`; the ``imap_dovecot`` pytest fixture
is built on them. Only the standard library is imported here.
"""

from .account import DovecotAccount, message_bytes
from .base import LoopbackServer, ServerError, User
from .corpus import iter_big_message, make_big_message, make_messages, seed_mailbox
from .cyrus import Cyrus, CyrusError
from .dovecot import Dovecot, DovecotError, DovecotNotInstalled

__all__ = [
    "Cyrus",
    "CyrusError",
    "Dovecot",
    "DovecotAccount",
    "DovecotError",
    "DovecotNotInstalled",
    "LoopbackServer",
    "ServerError",
    "User",
    "iter_big_message",
    "make_big_message",
    "make_messages",
    "message_bytes",
    "seed_mailbox",
]
