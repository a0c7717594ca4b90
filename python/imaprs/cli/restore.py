"""``imaprs restore SRC FOLDER``: a Maildir or mbox uploaded into a folder.

Messages go with their flags and dates in pipelined APPENDs: several messages per command
with MULTIAPPEND, else one command per message sent without waiting (with LITERAL+ the
messages follow each other without a round trip), a bounded number in flight. Each message
is streamed from its file as it is sent (a Maildir file, or its stretch of the mbox
unquoted on the way), so memory stays bounded whatever the messages' sizes.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path
from typing import Deque, Iterator, List, Optional, Tuple

from .._command import IMAP4Command
from .._imap4 import IMAP4
from ..errors import NO
from .errors import CliError
from .maildir import is_maildir, read_maildir
from .mbox import is_mbox, read_message, scan_mbox
from .progress import make_progress

__all__ = ["add_parser", "run"]

#: A message to upload: its data (chunks read as it is sent), size, flags and date.
Message = Tuple[Iterator[bytes], int, Tuple[str, ...], Optional[float]]
#: Commands in flight at once, and the most one MULTIAPPEND carries (messages and bytes).
WINDOW = 8
#: Bytes read from a message file at a time.
CHUNK = 1 << 20
BATCH_MESSAGES = 50
BATCH_BYTES = 2 << 20


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "restore",
        parents=[common],
        help="upload a Maildir or mbox into a folder",
        description="Upload the messages of SRC (a Maildir or an mbox file) into FOLDER, "
        "with their flags and dates; the folder is created when missing.",
    )
    p.add_argument("src", metavar="SRC")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--no-progress", action="store_true", help="plain progress lines only")
    return p


def run(imap: IMAP4, opts: argparse.Namespace) -> int:
    src = Path(opts.src)
    messages, count, size = _source(src)
    try:
        imap.create(opts.folder)
        print(f"created folder {opts.folder}", flush=True)
    except NO:
        pass  # it exists (or cannot be created: the APPEND says which)
    progress = make_progress(force_plain=opts.no_progress)
    try:
        progress.start(opts.folder, count, size)
        done = 0
        for sent in append_all(imap, opts.folder, messages):
            for _, nbytes, _, _ in sent:
                progress.add_bytes(nbytes)
                progress.add_message()
            done += len(sent)
        progress.finish()
    finally:
        progress.close()
    print(f"{opts.folder}: {done} message(s) restored from {src}", flush=True)
    return 0


def append_all(imap: IMAP4, folder: str, messages: Iterator[Message]) -> Iterator[List[Message]]:
    """APPENDs every message, pipelined; yields each group once the server accepted it."""
    multi = "MULTIAPPEND" in imap.caps
    in_flight: Deque[Tuple[IMAP4Command, List[Message]]] = collections.deque()
    for group in _groups(messages, multi):
        if len(in_flight) >= WINDOW:
            yield _settle(folder, *in_flight.popleft())
        args = [
            (data, flags, None if date is None else int(date), size)
            for data, size, flags, date in group
        ]
        in_flight.append((imap.multiappend(folder, args, wait=False), group))
    while in_flight:
        yield _settle(folder, *in_flight.popleft())


def _settle(folder: str, cmd: IMAP4Command, group: List[Message]) -> List[Message]:
    try:
        cmd.wait()
    except NO as exc:
        raise CliError("folder", f"cannot append to {folder!r}: {exc.args[1] or exc}") from None
    return group


def _groups(messages: Iterator[Message], multi: bool) -> Iterator[List[Message]]:
    group: List[Message] = []
    size = 0
    for msg in messages:
        group.append(msg)
        size += msg[1]
        if not multi or len(group) >= BATCH_MESSAGES or size >= BATCH_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _source(src: Path) -> Tuple[Iterator[Message], int, int]:
    """The messages of ``src`` (each read only as it is sent), their number and total size."""
    if src.is_dir() and is_maildir(src):
        files = [(path, path.stat().st_size, f, d) for path, f, d in read_maildir(src)]
        total = sum(size for _, size, _, _ in files)
        return ((_file_chunks(p), n, f, d) for p, n, f, d in files), len(files), total
    if is_mbox(src):
        entries = list(scan_mbox(src))
        total = sum(e.size for e in entries)
        return (
            ((read_message(src, e), e.size, e.flags, e.date) for e in entries),
            len(entries),
            total,
        )
    raise CliError("local", f"{src} is neither a Maildir (cur/, new/) nor an mbox file")


def _file_chunks(path: Path) -> Iterator[bytes]:
    """A message file's bytes in chunks; the file is opened at the first and closed after
    the last, so that messages waiting in a pipeline hold no descriptor."""
    with path.open("rb") as f:
        yield from iter(lambda: f.read(CHUNK), b"")
