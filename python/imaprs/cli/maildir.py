"""Maildir: one file per message, flags in the file name, INTERNALDATE as its time.

A message file is named ``<date>.V<uidvalidity>U<uid>.imaprs:2,<flags>``: the UID it had on
the server is in its name, so the folder itself records what is saved, and a file appears in
``cur/`` only once complete (written in ``tmp/``, then renamed). System flags are the Maildir
letters (D draft, F flagged, R answered, S seen, T deleted); keywords are the letters ``a``
to ``z`` listed in ``dovecot-keywords``, as Dovecot does. The modification time is the
message's INTERNALDATE.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from .flags import canonical

__all__ = ["MaildirWriter", "read_maildir"]

_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}
_FLAGS = {letter: flag for flag, letter in _LETTERS.items()}
_NAME = re.compile(r"\.V(\d+)U(\d+)\.imaprs(?::2,|$)")
_KEYWORDS = "dovecot-keywords"

Message = Tuple[Path, Tuple[str, ...], Optional[float]]


class MaildirWriter:
    """Adds messages to the Maildir at ``path`` for one UIDVALIDITY."""

    def __init__(self, path: Path, uidvalidity: int) -> None:
        self.path = path
        self.uidvalidity = uidvalidity
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self.spool_dir = path / "tmp"
        self._tmp, self._cur = str(path / "tmp"), str(path / "cur")
        for stale in self.spool_dir.glob("imaprs.*"):  # left by an interrupted run
            stale.unlink()
        self.keywords = _read_keywords(path)
        self.saved: Set[int] = set()
        for sub in ("cur", "new"):
            for entry in os.scandir(path / sub):
                match = _NAME.search(entry.name)
                if match and int(match.group(1)) == uidvalidity:
                    self.saved.add(int(match.group(2)))

    def add(
        self, uid: int, flags: Tuple[str, ...], date: Optional[int], body: Optional[str]
    ) -> None:
        """Moves the downloaded ``body`` (a file in ``spool_dir``; None: empty) into ``cur/``."""
        if body is None:
            body = os.path.join(self._tmp, f"imaprs.empty.{uid}")
            os.close(os.open(body, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        if date is not None:
            os.utime(body, (date, date))
        stamp = date if date is not None else 0
        name = f"{stamp}.V{self.uidvalidity}U{uid}.imaprs:2,{self._letters(flags)}"
        os.replace(body, os.path.join(self._cur, name))
        self.saved.add(uid)

    def close(self) -> None:
        """Nothing is held open."""

    def _letters(self, flags: Tuple[str, ...]) -> str:
        letters = [_LETTERS[canonical(f)] for f in flags if canonical(f) in _LETTERS]
        for flag in flags:
            if flag.startswith("\\"):
                continue  # \Recent and unknown system flags are not kept
            if flag not in self.keywords and len(self.keywords) < 26:
                self.keywords.append(flag)
                _write_keywords(self.path, self.keywords)
            if flag in self.keywords:
                letters.append(chr(ord("a") + self.keywords.index(flag)))
        return "".join(sorted(set(letters)))


def read_maildir(path: Path) -> Iterator[Message]:
    """``(file, flags, mtime)`` of every message in the Maildir, oldest first."""
    keywords = _read_keywords(path)
    found: List[Tuple[float, str, Path, Tuple[str, ...]]] = []
    for sub in ("new", "cur"):
        folder = path / sub
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if not entry.is_file() or entry.name.startswith("."):
                continue
            info = entry.name.partition(":2,")[2] if sub == "cur" else ""
            flags = [_FLAGS[c] for c in info if c in _FLAGS]
            flags += [
                keywords[ord(c) - ord("a")] for c in info if "a" <= c < chr(97 + len(keywords))
            ]
            found.append((entry.stat().st_mtime, entry.name, Path(entry.path), tuple(flags)))
    found.sort(key=lambda item: (item[0], item[1]))
    for mtime, _, file, kept in found:
        yield file, kept, mtime


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _read_keywords(path: Path) -> List[str]:
    table: Dict[int, str] = {}
    try:
        text = (path / _KEYWORDS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        number, _, word = line.partition(" ")
        if number.isdigit() and word and int(number) < 26:
            table[int(number)] = word
    return [table[i] for i in range(len(table)) if i in table]


def _write_keywords(path: Path, keywords: List[str]) -> None:
    tmp = path / (_KEYWORDS + ".tmp")
    tmp.write_text("".join(f"{i} {k}\n" for i, k in enumerate(keywords)), encoding="utf-8")
    os.replace(tmp, path / _KEYWORDS)
