"""Argument kinds: how a command says what grammar each of its arguments follows.

The core's command encoder checks every argument against its kind before a byte is written
and raises :class:`~imaprs.errors.InvalidArgument` (a ``ValueError``) otherwise:

- a plain ``str`` goes as an atom, quoted string or literal as needed (any text but NUL);
  ``bytes`` as a literal (no NUL); ``None`` as NIL; a ``list``/``tuple`` as a
  parenthesised list; a plain ``int`` as a number of up to 63 bits;
- :class:`Atom` only as an atom (command words, search keys, STATUS items);
- :class:`Quoted` as a ``string`` (RFC 3501): quoted, or a literal where it must be, never an
  atom (ID's fields, METADATA values, LOGIN's user name and password);
- :class:`Flags` as a parenthesised list of flags (``\\Seen`` or a keyword atom);
- :class:`SequenceSet` as a sequence or UID set (``1``, ``1:5``, ``1,3:*``, ``$``);
- :class:`Number` as a 32-bit number, :class:`Number64` as a 63-bit one (mod-sequences,
  quota limits); both refuse anything but an ``int``, so ``"1\\r\\n"`` never becomes ``1``;
- :class:`Secret` as the argument it wraps (a ``str``, ``Raw``...), whose value is forgotten
  once encoded: a password or token left on a command (``e.command.args``) reads
  ``<secret>``;
- ``Raw`` (``imaprs.Raw``) as it is, refused when it holds CR, LF or NUL or ends like a
  literal header.
"""

from __future__ import annotations

from typing import Iterable, Optional

from .errors import InvalidArgument

__all__ = ["Atom", "Flags", "Number", "Number64", "Quoted", "SequenceSet", "Secret"]


class Atom(str):
    """Text sent only as an atom."""

    __slots__ = ()


class Quoted(str):
    """Text sent as a ``string``: quoted, or a literal where it must be, never as an atom."""

    __slots__ = ()


class SequenceSet(str):
    """A sequence or UID set, checked by its grammar."""

    __slots__ = ()


class Flags(tuple):  # type: ignore[type-arg]
    """A parenthesised list of flags and keywords, each checked."""

    __slots__ = ()

    def __new__(cls, flags: Iterable[str] = ()) -> Flags:
        return super().__new__(cls, flags)


def _int(value: object, kind: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{kind} must be an int, not {type(value).__name__}")
    return value


class Number(int):
    """A ``number`` (RFC 3501): 0 to 4294967295."""

    __slots__ = ()

    def __new__(cls, value: int) -> Number:
        return super().__new__(cls, _int(value, "a number"))


class Number64(int):
    """A 63-bit number (RFC 7162 mod-sequence, RFC 9208 ``number64``)."""

    __slots__ = ()

    def __new__(cls, value: int) -> Number64:
        return super().__new__(cls, _int(value, "a number"))


class Secret:
    """A password or token: sent as the argument it wraps, then forgotten."""

    __slots__ = ("_value",)

    def __init__(self, value: object) -> None:
        self._value: Optional[object] = value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__
