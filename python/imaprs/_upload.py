"""Uploads: literal data the engine writes itself (an APPEND's message) from the caller's
buffer, file or chunks, in bounded memory.

The encoder builds and checks the command with an empty placeholder literal for each message;
``splice`` replaces each placeholder's header with one announcing the real size (the core
decides between ``{n}`` and ``{n+}``), and the engine then writes the data piece by piece,
reporting progress. Nothing of a message is copied whole.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator, List, Optional, Tuple

from .errors import CallbackError

__all__ = ["UPLOAD_PIECE", "CallbackFailed", "Progress", "Upload", "splice"]

#: Bytes an upload writes at a time (and between two progress reports).
UPLOAD_PIECE = 1024 * 1024
#: The header the encoder writes for an upload's empty placeholder literal.
_PLACEHOLDER = re.compile(rb"~?\{0\+?\}\r\n$")


class Upload:
    """The data of one literal that the engine writes itself (an APPEND's message): bytes-like,
    a binary file object (read from its current position) or an iterable of bytes-like chunks,
    and its size in bytes, announced in the literal's header before any of it is read."""

    __slots__ = ("source", "size")

    def __init__(self, source: Any, size: int) -> None:
        if size < 0:
            raise ValueError("an upload's size cannot be negative")
        self.source = source
        self.size = size

    def pieces(self) -> Iterator[bytes]:
        """The data, at most ``UPLOAD_PIECE`` bytes at a time (larger iterator chunks are
        cut). Bytes-like data is sliced, not copied whole."""
        src = self.source
        if isinstance(src, (bytes, bytearray, memoryview)):
            view = memoryview(src).cast("B")
            if isinstance(src, bytes) and len(view) <= UPLOAD_PIECE:
                yield src
                return
            for at in range(0, len(view), UPLOAD_PIECE):
                yield bytes(view[at : at + UPLOAD_PIECE])
            return
        if hasattr(src, "read"):
            left = self.size
            while left > 0:
                piece = src.read(min(left, UPLOAD_PIECE))
                if not piece:
                    return
                left -= len(piece)
                yield bytes(piece)
            return
        for chunk in src:
            view = memoryview(chunk).cast("B")
            for at in range(0, len(view), UPLOAD_PIECE):
                yield bytes(view[at : at + UPLOAD_PIECE])


def splice(
    parts: List[Any], uploads: List[Upload], header: Callable[[int], Tuple[bytes, bool]]
) -> List[Any]:
    """``parts`` (the encoder's) with ``uploads`` in the place of their empty placeholder
    literals, in order, each announced by ``header(size)`` -> ``(header, sync)``; literals
    that carry data (other arguments sent as literals) stay as they are."""
    out: List[Any] = []
    left = iter(uploads)
    for part in parts:
        if isinstance(part, bytes) or part[0]:
            out.append(part)  # command text, or a literal argument (a mailbox name)
            continue
        upload = next(left, None)
        text = out[-1] if out and isinstance(out[-1], bytes) else b""
        match = _PLACEHOLDER.search(text)
        if upload is None or match is None:
            raise RuntimeError("an upload placeholder was not encoded as expected")
        announce, sync = header(upload.size)
        out[-1] = text[: match.start()] + announce
        out.append((upload, sync))
    if next(left, None) is not None:
        raise RuntimeError("more uploads than placeholders")
    return out


class CallbackFailed(Exception):
    """Carries a CallbackError out of an upload (the original is its ``__cause__``)."""

    def __init__(self, error: CallbackError) -> None:
        super().__init__(str(error))
        self.error = error


class Progress:
    """Reports ``(done, total)`` bytes of a command's uploads to the caller's callback."""

    __slots__ = ("callback", "done", "total")

    def __init__(self, callback: Optional[Callable[[int, int], None]], total: int) -> None:
        self.callback, self.done, self.total = callback, 0, total

    def add(self, n: int) -> None:
        self.done += n
        if self.callback is None:
            return
        try:
            self.callback(self.done, self.total)
        except Exception as exc:
            error = CallbackError(f"the progress callback raised {type(exc).__name__}")
            error.__cause__ = exc
            failed = CallbackFailed(error)
            failed.__cause__ = exc
            raise failed from exc
