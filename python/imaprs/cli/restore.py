"""``imaprs restore SRC FOLDER``: a Maildir or mbox uploaded into a folder.

Messages go with their flags and dates in pipelined APPENDs: several messages per command
with MULTIAPPEND, else one command per message sent without waiting (with LITERAL+ the
messages follow each other without a round trip), a bounded number in flight.
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
from .mbox import is_mbox, read_mbox
from .progress import make_progress

__all__ = ["add_parser", "run"]

Message = Tuple[bytes, Tuple[str, ...], Optional[float]]
#: Commands in flight at once, and the most one MULTIAPPEND carries: a command keeps its
#: messages until it completes, so these bound the memory a restore needs (besides the
#: largest message, which is read whole).
WINDOW = 8
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
            for data, _, _ in sent:
                progress.add_bytes(len(data))
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
        args = [(data, flags, None if date is None else int(date)) for data, flags, date in group]
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
        size += len(msg[0])
        if not multi or len(group) >= BATCH_MESSAGES or size >= BATCH_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _source(src: Path) -> Tuple[Iterator[Message], int, int]:
    """The messages of ``src`` (read one at a time), their number and total size."""
    if src.is_dir() and is_maildir(src):
        files = list(read_maildir(src))
        total = sum(path.stat().st_size for path, _, _ in files)
        return ((p.read_bytes(), f, d) for p, f, d in files), len(files), total
    if is_mbox(src):
        count = sum(1 for _ in read_mbox(src))
        return read_mbox(src), count, src.stat().st_size
    raise CliError("local", f"{src} is neither a Maildir (cur/, new/) nor an mbox file")
