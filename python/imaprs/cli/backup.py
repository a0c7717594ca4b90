"""``imaprs backup FOLDER... DEST``: folders to Maildir or mbox, incrementally.

Each folder is examined (read-only), the UIDs and sizes of its messages fetched, and the
messages not yet saved downloaded with streamed UID FETCHes: every body goes to a file in the
destination while it arrives (:class:`Spool`), so memory stays bounded whatever the message
sizes, and each message is committed to the store as soon as its FETCH response completes.
A run that is interrupted leaves only whole messages; the next run goes on from there.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import sys
from pathlib import Path
from typing import IO, Deque, Iterator, List, Optional, Sequence, Tuple

from .._imap4 import IMAP4
from .mail import fetch_raw, open_folder, uid_sizes
from .progress import Progress, make_progress
from .store import open_store

__all__ = ["BATCH", "Spool", "add_parser", "run"]

#: UIDs per UID FETCH command.
BATCH = 1000


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "backup",
        parents=[common],
        help="save folders to a Maildir or mbox directory (incremental)",
        description="Download FOLDERs into DEST; a second run fetches only what is new.",
    )
    p.add_argument("folders", nargs="+", metavar="FOLDER")
    p.add_argument("dest", metavar="DEST", help="the backup directory (created if needed)")
    p.add_argument("--format", choices=("maildir", "mbox"), default="maildir")
    p.add_argument("--no-progress", action="store_true", help="plain progress lines only")
    return p


def run(imap: IMAP4, opts: argparse.Namespace) -> int:
    dest = Path(opts.dest)
    dest.mkdir(parents=True, exist_ok=True)
    progress = make_progress(force_plain=opts.no_progress)
    try:
        for folder in opts.folders:
            saved, total = backup_folder(imap, folder, dest, opts.format, progress)
            print(f"{folder}: {saved} new message(s) saved, {total} in the backup", flush=True)
    finally:
        progress.close()
    return 0


def backup_folder(
    imap: IMAP4, folder: str, dest: Path, fmt: str, progress: Progress
) -> Tuple[int, int]:
    """Saves what is new in ``folder``; returns (messages saved now, messages in the backup)."""
    status = open_folder(imap, folder, readonly=True)
    writer, note = open_store(dest, folder, fmt, status.uidvalidity)
    if note:
        print(note, file=sys.stderr, flush=True)
    spool = Spool(writer.spool_dir, progress)
    count = 0
    try:
        sizes = uid_sizes(imap) if status.exists else {}
        new = sorted(uid for uid in sizes if uid not in writer.saved)
        progress.start(folder, len(new), sum(sizes[uid] for uid in new))
        for batch in _batches(new, BATCH):
            for msg in fetch_raw(imap, batch, spool.write, spool.done):
                writer.add(msg.uid, msg.flags, msg.date, spool.take(msg.seq))
                progress.add_message()
                count += 1
        progress.finish()
        return count, len(writer.saved)
    finally:
        spool.discard()
        writer.close()


class Spool:
    """Receives streamed message bodies: each into its own file in ``directory``, handed
    out by message sequence number once complete."""

    def __init__(self, directory: Path, progress: Progress) -> None:
        self.directory = directory
        self.progress = progress
        self._names = itertools.count()
        self._current: Optional[Tuple[int, IO[bytes], Path]] = None
        self._complete: Deque[Tuple[int, Path]] = collections.deque()

    def write(self, head: bytes, data: bytes) -> None:
        """The FETCH sink: ``head`` is the response up to the literal (``* 7 FETCH (...``)."""
        if self._current is None:
            path = self.directory / f"imaprs.{os.getpid()}.{next(self._names)}"
            self._current = (int(head.split(b" ", 2)[1]), path.open("wb"), path)
        self._current[1].write(data)
        self.progress.add_bytes(len(data))

    def done(self, received: int, total: int) -> None:
        """The FETCH progress callback: the literal is complete when all bytes are in."""
        if received >= total and self._current is not None:
            seq, file, path = self._current
            file.close()
            self._complete.append((seq, path))
            self._current = None

    def take(self, seq: int) -> Optional[Path]:
        """The body of message ``seq`` (None when it had none: an empty message)."""
        if self._complete and self._complete[0][0] == seq:
            return self._complete.popleft()[1]
        return None

    def discard(self) -> None:
        """Removes what was received and not taken (after a failure or interruption)."""
        if self._current is not None:
            self._current[1].close()
            self._current[2].unlink(missing_ok=True)
            self._current = None
        while self._complete:
            self._complete.popleft()[1].unlink(missing_ok=True)


def _batches(items: Sequence[int], size: int) -> Iterator[List[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
