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
from typing import Deque, Iterator, List, Optional, Sequence, Tuple

from .._imap4 import IMAP4
from .mail import fetch_raw, open_folder, uid_sizes
from .progress import Progress, make_progress
from .store import open_store

__all__ = ["Spool", "add_parser", "run"]


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
        for batch in _batches(new):
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
    out by message sequence number once complete. (Plain ``os`` calls on ``str`` paths:
    this runs once per message and per chunk.)"""

    def __init__(self, directory: Path, progress: Progress) -> None:
        self.prefix = os.path.join(str(directory), f"imaprs.{os.getpid()}.")
        self.progress = progress
        self._names = itertools.count()
        self._current: Optional[Tuple[int, int, str]] = None  # seq, fd, path
        self._complete: Deque[Tuple[int, str]] = collections.deque()
        self._closed = False

    def write(self, head: bytes, data: bytes) -> None:
        """The FETCH sink: ``head`` is the response up to the literal (``* 7 FETCH (...``)."""
        if self._closed:  # the backup has ended: the engine drops the rest of the stream
            raise RuntimeError("the backup of this folder has ended")
        if self._current is None:
            path = f"{self.prefix}{next(self._names)}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._current = (int(head.split(b" ", 2)[1]), fd, path)
        fd = self._current[1]
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        self.progress.add_bytes(len(data))

    def done(self, received: int, total: int) -> None:
        """The FETCH progress callback: the literal is complete when all bytes are in."""
        if received >= total and self._current is not None:
            seq, fd, path = self._current
            os.close(fd)
            self._complete.append((seq, path))
            self._current = None

    def take(self, seq: int) -> Optional[str]:
        """The body of message ``seq`` (None when it had none: an empty message)."""
        if self._complete and self._complete[0][0] == seq:
            return self._complete.popleft()[1]
        return None

    def discard(self) -> None:
        """Removes what was received and not taken (after a failure or interruption); what
        still arrives is refused."""
        self._closed = True
        if self._current is not None:
            os.close(self._current[1])
            os.unlink(self._current[2])
            self._current = None
        while self._complete:
            os.unlink(self._complete.popleft()[1])


def _batches(uids: Sequence[int], max_text: int = 4000) -> Iterator[List[int]]:
    """``uids`` (ascending) in groups whose sequence set stays under ``max_text`` characters
    on the wire: runs of consecutive UIDs cost one ``a:b`` each, so a folder saved from
    scratch goes in one streamed command."""
    group: List[int] = []
    text = 0
    for i, uid in enumerate(uids):
        if not group or uid != group[-1] + 1:
            text += len(str(uid)) + 1  # a new run: ",uid"
        elif i + 1 == len(uids) or uids[i + 1] != uid + 1:
            text += len(str(uid)) + 1  # the end of a run: ":uid"
        group.append(uid)
        if text >= max_text:
            yield group
            group, text = [], 0
    if group:
        yield group
