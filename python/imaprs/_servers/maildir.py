"""Writing messages straight into a Maildir++ tree, as a delivery agent would.

Dovecot (``mail_location = maildir:~/Maildir``) keeps INBOX in ``~/Maildir`` and folder
``A/B`` in ``~/Maildir/.A.B``, names encoded in modified UTF-7. A message is written to
``tmp/`` and renamed into ``new/`` (no flags: it will be \\Recent) or ``cur/`` (with an info
part ``:2,FLAGS``). File names sort in delivery order, so Dovecot gives the messages ascending
UIDs in the order they were delivered.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Iterable, Optional, Tuple, Union

__all__ = ["Maildir", "maildir_flags"]

# IMAP system flag -> Maildir info letter (letters must appear in ASCII order in file names).
_FLAG_LETTERS = {
    "\\DRAFT": "D",
    "\\FLAGGED": "F",
    "\\ANSWERED": "R",
    "\\SEEN": "S",
    "\\DELETED": "T",
}
_LETTERS = set("DFPRST")


class Maildir:
    """The Maildir++ tree of one user.

    Args:
        root: the ``Maildir`` directory (INBOX).
        owner: ``(uid, gid)`` to give new files and directories when running as root.
    """

    _lock = threading.Lock()
    _counter = 0
    _last = (0, 0)

    def __init__(self, root: Path, owner: Optional[Tuple[int, int]] = None) -> None:
        self.root = root
        self.owner = owner

    def folder(self, name: str = "INBOX") -> Path:
        """Return the directory of folder ``name`` (``/`` separated), creating it if needed."""
        if name.upper() == "INBOX":
            path = self.root
        else:
            parts = name.split("/")
            if any(not part or "." in part for part in parts):
                raise ValueError(f"folder name not usable with Maildir++: {name!r}")
            path = self.root / ("." + ".".join(_mutf7(part) for part in parts))
        if not (path / "cur").is_dir():
            self._mkdir(path)
            for sub in ("cur", "new", "tmp"):
                self._mkdir(path / sub)
            if path != self.root:
                self._chown((path / "maildirfolder"), create=True)
        return path

    def deliver(
        self,
        message: Union[bytes, Iterable[bytes]],
        folder: str = "INBOX",
        flags: str = "",
        when: Optional[float] = None,
    ) -> Path:
        """Write one message and return its path.

        Args:
            message: the message, whole or as chunks (a huge message need not be in memory).
            folder: destination folder.
            flags: Maildir letters (``"FS"``) or IMAP system flags (``"\\\\Seen \\\\Flagged"``);
                no flags means the message arrives in ``new/`` and is \\Recent.
            when: received time (INTERNALDATE) as a Unix time; default now.
        """
        letters = maildir_flags(flags)
        base = self.folder(folder)
        unique = self._unique_name()
        tmp = base / "tmp" / unique
        size = 0
        with open(tmp, "wb") as out:
            chunks = [message] if isinstance(message, (bytes, bytearray)) else message
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        if when is not None:
            os.utime(tmp, (when, when))
        self._chown(tmp)
        name = f"{unique},S={size}"
        final = base / "cur" / f"{name}:2,{letters}" if letters else base / "new" / name
        os.rename(tmp, final)
        return final

    def _unique_name(self) -> str:
        # <seconds>.M<microseconds>P<pid>Q<counter>.<host>: strictly increasing per process.
        with Maildir._lock:
            secs, usecs = divmod(time.time_ns() // 1000, 1_000_000)
            if (secs, usecs) <= Maildir._last:
                secs, usecs = Maildir._last
                usecs += 1
                if usecs == 1_000_000:
                    secs, usecs = secs + 1, 0
            Maildir._last = (secs, usecs)
            Maildir._counter += 1
            counter = Maildir._counter
        host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"
        return f"{secs}.M{usecs}P{os.getpid()}Q{counter}.{host}"

    def _mkdir(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._chown(path)

    def _chown(self, path: Path, create: bool = False) -> None:
        if create:
            path.touch()
        if self.owner is not None:
            os.chown(path, *self.owner)


def maildir_flags(flags: str) -> str:
    """Turn ``flags`` (Maildir letters or IMAP system flags) into sorted Maildir letters."""
    if "\\" in flags:
        letters = set()
        for flag in flags.split():
            letter = _FLAG_LETTERS.get(flag.upper())
            if letter is None:
                raise ValueError(f"only system flags can be delivered directly, not {flag!r}")
            letters.add(letter)
    else:
        letters = set(flags)
        if not letters <= _LETTERS:
            raise ValueError(f"unknown Maildir flag letters in {flags!r}")
    return "".join(sorted(letters))


def _mutf7(name: str) -> str:
    """Modified UTF-7 (RFC 3501 section 5.1.3), as Dovecot stores folder names on disk."""

    def encode(run: re.Match[str]) -> str:
        data = base64.b64encode(run.group().encode("utf-16-be")).rstrip(b"=")
        return "&" + data.decode("ascii").replace("/", ",") + "-"

    return re.sub(r"[^ -~]+", encode, name.replace("&", "&-"))
