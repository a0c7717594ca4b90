"""Back up a folder into a directory, one ``.eml`` file per message (its time the
message's arrival time); a second run downloads only the messages not saved yet."""

import os
import sys
from pathlib import Path

from connect import connect

folder, dest = sys.argv[1], Path(sys.argv[2])
dest.mkdir(parents=True, exist_ok=True)

with connect() as imap:
    mailbox = imap.select(folder, readonly=True).data
    prefix = f"{mailbox.uidvalidity}-"  # UIDs hold while UIDVALIDITY does
    saved = {int(path.stem[len(prefix) :]) for path in dest.glob(f"{prefix}*.eml")}
    new = [uid for uid in imap.search(uid=True).data if uid not in saved]
    if new:
        fetch = imap.fetch(new, "INTERNALDATE", "BODY.PEEK[]", uid=True, wait=False)
        for uid, message in fetch.items():  # each message as it arrives
            path = dest / f"{prefix}{uid}.eml"
            path.write_bytes(message["BODY[]"])
            arrived = message.internaldate.timestamp()
            os.utime(path, (arrived, arrived))
    print(f"{len(new)} new message(s) saved, {len(saved) + len(new)} in {dest}")
