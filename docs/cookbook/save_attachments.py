"""Save the attachments of every message in a folder into a directory, each file named
``<uid>-<its name>``; the parts are decoded while they download, in bounded memory."""

import sys
from pathlib import Path

from connect import connect

folder, dest = sys.argv[1], Path(sys.argv[2])
dest.mkdir(parents=True, exist_ok=True)

with connect() as imap:
    imap.select(folder, readonly=True)
    for uid, message in imap.fetch("1:*", "BODYSTRUCTURE", uid=True).data.items():
        for part in message.bodystructure.attachments():
            # The sender chooses the name: keep its last component, never a path.
            name = Path(part.filename or "").name.lstrip(".") or f"part-{part.part}"
            path = dest / f"{uid}-{name}"
            with open(path, "wb") as out:
                imap.fetch_part(uid, part, out)
            print(f"{path.name} ({part.content_type}, {path.stat().st_size} bytes)")
