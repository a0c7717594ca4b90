"""mbox (the mboxrd variant): messages one after another, each after a ``From `` line.

The ``From `` line carries the INTERNALDATE (UTC); flags go in the ``Status`` (R seen, O
old), ``X-Status`` (A answered, F flagged, T draft, D deleted) and ``X-Keywords`` headers
added to the message's header, and taken out again when reading, so a message comes back
as it was (headers of those names that a message already had are not kept). A line of the
message that starts with ``From `` after any number of ``>`` gets one more ``>``, removed
when reading. Message bytes, line endings included, are otherwise kept as they are.

What is saved is recorded beside the file: one ``<uid> <end offset>`` line per message in a
log, written after the message; a run that was interrupted cuts the file back to the end of
the last message logged, so a half-written message never stays.
"""

from __future__ import annotations

import calendar
import os
import re
import time
from pathlib import Path
from typing import BinaryIO, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

from .flags import canonical

__all__ = ["MboxEntry", "MboxWriter", "read_message", "scan_mbox"]

_STATUS = {"\\Seen": "R"}
_XSTATUS = {"\\Answered": "A", "\\Flagged": "F", "\\Draft": "T", "\\Deleted": "D"}
_OURS = (b"status:", b"x-status:", b"x-keywords:")
_QUOTED_FROM = re.compile(rb"^>*From ")
_CHUNK = 1 << 16


class MboxWriter:
    """Appends messages to the mbox file ``path``; ``log`` records their UIDs."""

    def __init__(self, path: Path, log: Path, spool_dir: Path) -> None:
        self.path, self.log_path, self.spool_dir = path, log, spool_dir
        spool_dir.mkdir(parents=True, exist_ok=True)
        for stale in spool_dir.glob("imaprs.*"):
            stale.unlink()
        self.saved: Set[int] = set()
        end = 0
        if log.exists():
            with log.open("rb") as f:
                for line in f:
                    fields = line.split()
                    if (
                        line.endswith(b"\n")
                        and len(fields) == 2
                        and all(x.isdigit() for x in fields)
                    ):
                        self.saved.add(int(fields[0]))
                        end = int(fields[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        self.out: BinaryIO = path.open("ab")
        if self.out.tell() > end:  # the tail of an interrupted run
            self.out.truncate(end)
            self.out.seek(end)
        self.log: BinaryIO = log.open("ab")

    def add(
        self, uid: int, flags: Tuple[str, ...], date: Optional[int], body: Optional[str]
    ) -> None:
        """Appends the downloaded ``body`` (None: empty) and records ``uid``."""
        out = self.out
        when = time.asctime(time.gmtime(date if date is not None else 0))
        out.write(f"From imaprs {when}\n".encode("ascii"))
        if body is None:
            _write_message(out, iter(()), flags)
        else:
            with open(body, "rb") as f:
                _write_message(out, iter(lambda: f.readline(_CHUNK), b""), flags)
            os.unlink(body)
        out.flush()
        self.log.write(f"{uid} {out.tell()}\n".encode("ascii"))
        self.log.flush()
        self.saved.add(uid)

    def close(self) -> None:
        self.out.close()
        self.log.close()


class MboxEntry(NamedTuple):
    """One message of an mbox file: where its lines lie (after its ``From `` line, before
    the blank line that separates it from the next), its size once unquoted and without our
    status headers, the flags those headers held, and the date of its ``From `` line."""

    start: int
    end: int
    size: int
    flags: Tuple[str, ...]
    date: Optional[float]


def scan_mbox(path: Path) -> Iterator[MboxEntry]:
    """Every message of the mbox file, in order, read a piece at a time: a message of any
    size is never held in memory."""
    with path.open("rb") as f:
        offset = 0
        start = -1  # no message yet
        date: Optional[float] = None
        unquote = _Unquote()
        pending = b""  # the message's last piece so far: a separator if a From line follows
        blank = in_from = at_start = False  # blank: pending is a whole empty line
        for piece in iter(lambda: f.readline(_CHUNK), b""):
            here, offset = offset, offset + len(piece)
            starts_line, at_start = at_start or here == 0, piece.endswith(b"\n")
            if not starts_line:
                if in_from:
                    start = offset  # the rest of a long From line
                elif start >= 0:
                    unquote.feed(pending)
                    pending, blank = piece, False
                continue
            in_from = False
            if piece.startswith(b"From ") and (start < 0 or blank):
                if start >= 0:
                    yield MboxEntry(start, here - len(pending), unquote.size, unquote.flags(), date)
                start, date, unquote = offset, _from_date(piece), _Unquote()
                pending, blank = b"", False
                in_from = not at_start
                continue
            if start >= 0:
                unquote.feed(pending)
                pending, blank = piece, piece in (b"\n", b"\r\n")
        if start >= 0:
            if pending != b"\n":
                unquote.feed(pending)
                pending = b""
            yield MboxEntry(start, offset - len(pending), unquote.size, unquote.flags(), date)


def read_message(path: Path, entry: MboxEntry) -> Iterator[bytes]:
    """The bytes of one message of the mbox file, unquoted, in chunks of about ``_CHUNK``
    bytes; the file is opened at the first chunk and closed after the last."""
    unquote = _Unquote()
    out = bytearray()
    with path.open("rb") as f:
        f.seek(entry.start)
        at = entry.start
        while at < entry.end:
            piece = f.readline(min(_CHUNK, entry.end - at))
            if not piece:
                break
            at += len(piece)
            out += unquote.feed(piece)
            if len(out) >= _CHUNK:
                yield bytes(out)
                out.clear()
    if out:
        yield bytes(out)


class _Unquote:
    """Turns the pieces of a message's lines in an mbox into the message's bytes: a quoted
    ``From `` line loses one ``>``, and our status headers go (their flags are kept)."""

    def __init__(self) -> None:
        self.size = 0
        self.found: List[str] = []
        self.in_header = True
        self.at_start = True
        self.dropping = False

    def feed(self, piece: bytes) -> bytes:
        """The message bytes of ``piece`` (the next piece of the mbox's lines)."""
        if not piece:
            return b""
        at_start, self.at_start = self.at_start, piece.endswith(b"\n")
        if not at_start:
            out = b"" if self.dropping else piece
        else:
            self.dropping = False
            out = piece
            if self.in_header:
                lower = piece.lower()
                if piece in (b"\r\n", b"\n"):
                    self.in_header = False
                elif lower.startswith(_OURS):
                    self._flags(lower, piece)
                    self.dropping, out = True, b""
            if out and _QUOTED_FROM.match(piece) and piece.startswith(b">"):
                out = piece[1:]
        self.size += len(out)
        return out

    def flags(self) -> Tuple[str, ...]:
        return tuple(self.found)

    def _flags(self, lower: bytes, line: bytes) -> None:
        if lower.startswith(b"status:"):
            self.found += _letters_to_flags(_STATUS, line[7:])
        elif lower.startswith(b"x-status:"):
            self.found += _letters_to_flags(_XSTATUS, line[9:])
        else:
            self.found += line[11:].decode("utf-8", "replace").split()


def _write_message(out: BinaryIO, lines: Iterator[bytes], flags: Tuple[str, ...]) -> None:
    eol = b"\n"
    in_header = at_start = True
    last = b"\n"
    for piece in lines:
        if at_start:
            if in_header:
                if piece in (b"\r\n", b"\n"):
                    out.write(_flag_headers(flags, eol))
                    in_header = False
                elif piece.lower().startswith(_OURS):
                    continue  # the message's own status headers give way to ours
                elif piece.endswith(b"\r\n"):
                    eol = b"\r\n"
            if _QUOTED_FROM.match(piece):
                piece = b">" + piece
        out.write(piece)
        at_start = piece.endswith(b"\n")
        last = piece
    if in_header:
        if not last.endswith(b"\n"):
            out.write(eol)
        out.write(_flag_headers(flags, eol))
    elif not last.endswith(b"\n"):
        out.write(b"\n")
    out.write(b"\n")


def _flag_headers(flags: Tuple[str, ...], eol: bytes) -> bytes:
    names = {canonical(f) for f in flags}
    status = "".join(v for k, v in _STATUS.items() if k in names) + "O"
    xstatus = "".join(v for k, v in _XSTATUS.items() if k in names)
    keywords = " ".join(f for f in flags if not f.startswith("\\"))
    out = b"Status: " + status.encode() + eol
    if xstatus:
        out += b"X-Status: " + xstatus.encode() + eol
    if keywords:
        out += b"X-Keywords: " + keywords.encode("utf-8") + eol
    return out


def _letters_to_flags(table: Dict[str, str], value: bytes) -> List[str]:
    letters = value.decode("ascii", "replace")
    return [flag for flag, letter in table.items() if letter in letters]


def _from_date(line: bytes) -> Optional[float]:
    text = line.decode("ascii", "replace").rstrip("\r\n")
    try:
        return float(calendar.timegm(time.strptime(text[-24:], "%a %b %d %H:%M:%S %Y")))
    except ValueError:
        return None


def is_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(5) == b"From " or os.path.getsize(path) == 0
