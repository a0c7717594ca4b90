"""Servers for the tests: a real Dovecot and a real Cyrus on loopback and a realistic mail
corpus."""

from .base import LoopbackServer, ServerError, User
from .corpus import iter_big_message, make_big_message, make_messages, seed_mailbox
from .cyrus import Cyrus, CyrusError
from .dovecot import Dovecot, DovecotError

__all__ = [
    "Cyrus",
    "CyrusError",
    "Dovecot",
    "DovecotError",
    "LoopbackServer",
    "ServerError",
    "User",
    "iter_big_message",
    "make_big_message",
    "make_messages",
    "seed_mailbox",
]
