"""Where a backup keeps each folder, and what it remembers about it.

Under the destination directory, folder ``F`` is saved as the Maildir ``F/`` or the mbox
file ``F.mbox`` (the name percent-encoded where it holds characters a file name cannot),
and ``.imaprs/F.json`` records the folder's name, format and UIDVALIDITY. When the server's
UIDVALIDITY is no longer the one recorded, the UIDs saved mean nothing any more: the old
copy is moved aside to ``F.uidvalidity-<old>`` and the folder is saved afresh.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Protocol, Set, Tuple, Union

from .errors import CliError
from .maildir import MaildirWriter
from .mbox import MboxWriter

__all__ = ["Writer", "open_store", "safe_name"]

STATE_DIR = ".imaprs"


class Writer(Protocol):
    saved: Set[int]
    spool_dir: Path

    def add(
        self, uid: int, flags: Tuple[str, ...], date: Optional[int], body: Optional[str]
    ) -> None: ...

    def close(self) -> None: ...


def safe_name(folder: str) -> str:
    """A file name for ``folder``: the name itself, with ``/``, ``\\``, ``%``, control
    characters and a leading dot percent-encoded, so it is never a path and always reversible."""
    name = "".join(
        f"%{ord(c):02X}" if c in "/\\%" or ord(c) < 32 or ord(c) == 127 else c for c in folder
    )
    return "%2E" + name[1:] if name.startswith(".") else name


def open_store(dest: Path, folder: str, fmt: str, uidvalidity: int) -> Tuple[Writer, Optional[str]]:
    """The writer for ``folder`` and, when its old copy was moved aside, a note saying so."""
    name = safe_name(folder)
    state_dir = dest / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    state_file = state_dir / f"{name}.json"
    data = dest / (name if fmt == "maildir" else f"{name}.mbox")
    log = state_dir / f"{name}.uids"
    note = None
    if state_file.exists():
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state.get("format") != fmt:
            raise CliError(
                "local",
                f"{dest} holds folder {folder!r} as {state.get('format')}; "
                f"use --format {state.get('format')} or another destination",
            )
        old = state.get("uidvalidity")
        if old != uidvalidity:
            aside = data.with_name(f"{data.name}.uidvalidity-{old}")
            if data.exists():
                os.replace(data, aside)
            if log.exists():
                os.replace(log, log.with_name(f"{log.name}.uidvalidity-{old}"))
            note = (
                f"{folder}: UIDVALIDITY changed ({old} -> {uidvalidity}): the old copy is "
                f"kept in {aside.name}, the folder is saved afresh"
            )
    tmp = state_file.with_suffix(".json.tmp")
    tmp.write_text(
        json.dumps({"folder": folder, "format": fmt, "uidvalidity": uidvalidity}),
        encoding="utf-8",
    )
    os.replace(tmp, state_file)
    writer: Union[MaildirWriter, MboxWriter]
    if fmt == "maildir":
        writer = MaildirWriter(data, uidvalidity)
    else:
        writer = MboxWriter(data, log, state_dir / "spool")
    return writer, note
