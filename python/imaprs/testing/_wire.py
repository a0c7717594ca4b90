"""What a client sent, cut into commands the way a server reads them (literal-aware)."""

from __future__ import annotations

import re
from typing import List, NamedTuple, Tuple

__all__ = ["Command", "parse_commands"]

_LITERAL = re.compile(rb"(~?)\{(\d+)(\+?)\}\r?\n?$")


class Command(NamedTuple):
    """One command read from the client.

    ``name`` is the command word in upper case, with the sub-command for ``UID`` (``"UID
    FETCH"``). ``args`` is the rest of the command text, decoded as UTF-8 with
    ``surrogateescape``; literal headers such as ``{5}`` stay in it where the client sent them and
    the literal data is in ``literals``, in order.
    """

    tag: str
    name: str
    args: str
    literals: List[bytes]


def parse_commands(data: bytes) -> Tuple[List[Command], bytes]:
    """The complete commands in ``data`` (every byte a client sent, in order) and the bytes
    after the last one: a line ending in a literal header ``{n}``, ``{n+}`` or ``~{n}`` is
    followed by ``n`` bytes of data that are never read as command text.

    Lines that are not commands (AUTHENTICATE answers, ``DONE``) come out as commands too:
    their first word is the tag.
    """
    commands: List[Command] = []
    pos = 0
    while True:
        start = pos
        text = bytearray()
        literals: List[bytes] = []
        while True:
            end = data.find(b"\n", pos)
            if end < 0:
                return commands, data[start:]
            line = data[pos : end + 1]
            pos = end + 1
            match = _LITERAL.search(line)
            if match is None:
                text += line.rstrip(b"\r\n")
                break
            size = int(match.group(2))
            if len(data) - pos < size:
                return commands, data[start:]
            text += line[: match.end(3) + 1]
            literals.append(data[pos : pos + size])
            pos += size
        commands.append(split_command(bytes(text), literals))


def split_command(text: bytes, literals: List[bytes]) -> Command:
    """A command from its text (literal headers kept) and its literals."""
    decoded = text.decode("utf-8", "surrogateescape")
    tag, _, rest = decoded.partition(" ")
    name, _, args = rest.partition(" ")
    name = name.upper()
    if name == "UID" and args:
        sub, _, args = args.partition(" ")
        name = f"UID {sub.upper()}"
    return Command(tag, name, args, literals)
