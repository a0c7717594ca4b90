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
from typing import BinaryIO, Dict, Iterator, List, Optional, Set, Tuple

from .flags import canonical

__all__ = ["MboxWriter", "read_mbox"]

_STATUS = {"\\Seen": "R"}
_XSTATUS = {"\\Answered": "A", "\\Flagged": "F", "\\Draft": "T", "\\Deleted": "D"}
_OURS = (b"status:", b"x-status:", b"x-keywords:")
_QUOTED_FROM = re.compile(rb"^>*From ")
_CHUNK = 1 << 16

Message = Tuple[bytes, Tuple[str, ...], Optional[float]]


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


def read_mbox(path: Path) -> Iterator[Message]:
    """``(message, flags, date)`` of every message in the mbox file, in order."""
    with path.open("rb") as f:
        date: Optional[float] = None
        lines: List[bytes] = []
        started = False
        for line in f:
            if line.startswith(b"From ") and (not started or lines[-1:] in ([b"\n"], [b"\r\n"])):
                if started:
                    yield _message(lines[:-1], date)
                started, lines = True, []
                date = _from_date(line)
                continue
            if started:
                lines.append(line)
        if started:
            yield _message(lines[:-1] if lines[-1:] == [b"\n"] else lines, date)


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


def _message(lines: List[bytes], date: Optional[float]) -> Message:
    flags: List[str] = []
    body = bytearray()
    in_header = True
    for line in lines:
        if in_header:
            lower = line.lower()
            if line in (b"\r\n", b"\n"):
                in_header = False
            elif lower.startswith(b"status:"):
                flags += [k for k, v in _STATUS.items() if v in line[7:].decode("ascii", "replace")]
                continue
            elif lower.startswith(b"x-status:"):
                flags += [
                    k for k, v in _XSTATUS.items() if v in line[9:].decode("ascii", "replace")
                ]
                continue
            elif lower.startswith(b"x-keywords:"):
                flags += line[11:].decode("utf-8", "replace").split()
                continue
        body += line[1:] if _QUOTED_FROM.match(line) and line.startswith(b">") else line
    return bytes(body), tuple(flags), date


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
