"""Servers for the tests: a real Dovecot on loopback and a realistic mail corpus."""

from .corpus import iter_big_message, make_big_message, make_messages, seed_mailbox
from .dovecot import Dovecot, DovecotError, User

__all__ = [
    "Dovecot",
    "DovecotError",
    "User",
    "iter_big_message",
    "make_big_message",
    "make_messages",
    "seed_mailbox",
]
