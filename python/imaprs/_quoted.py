"""The ``string`` argument marker: text that must not go as an atom."""

from __future__ import annotations

__all__ = ["Quoted"]


class Quoted:
    """A ``string`` argument (RFC 3501): sent quoted, or as a literal where it must be, never
    as an atom, where the grammar wants ``string`` rather than ``astring`` (ID's fields,
    METADATA values) or where servers expect it (LOGIN's user name and password). The
    command encoder recognises it by its ``quoted`` attribute."""

    __slots__ = ("quoted",)

    def __init__(self, quoted: str) -> None:
        self.quoted = quoted

    def __repr__(self) -> str:
        return f"Quoted({self.quoted!r})"
