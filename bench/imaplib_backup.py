"""A folder to a Maildir with the standard library's imaplib: the comparison point for
``imaprs backup``.

As fast as plain imaplib goes: one UID SEARCH, then UID FETCH (UID FLAGS INTERNALDATE
BODY.PEEK[]) in batches of 500 messages (imaplib keeps a whole answer in memory), each body
written to ``cur/`` with its flags in the name and its INTERNALDATE as the file's time.

usage: python bench/imaplib_backup.py HOST PORT USER FOLDER DEST   (password in IMAPRS_PASSWORD)
"""

from __future__ import annotations

import imaplib
import os
import re
import sys
import time
from pathlib import Path

BATCH = 500
LETTERS = {
    b"\\Draft": "D",
    b"\\Flagged": "F",
    b"\\Answered": "R",
    b"\\Seen": "S",
    b"\\Deleted": "T",
}
HEAD = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"")


def main() -> None:
    host, port, user, folder, dest = sys.argv[1:6]
    cur = Path(dest) / "cur"
    for sub in ("cur", "new", "tmp"):
        (Path(dest) / sub).mkdir(parents=True, exist_ok=True)
    conn = imaplib.IMAP4(host, int(port))
    conn.login(user, os.environ["IMAPRS_PASSWORD"])
    conn.select(folder, readonly=True)
    _, data = conn.uid("SEARCH", "ALL")
    uids = data[0].split()
    count = 0
    for start in range(0, len(uids), BATCH):
        batch = b",".join(uids[start : start + BATCH]).decode()
        _, data = conn.uid("FETCH", batch, "(UID FLAGS INTERNALDATE BODY.PEEK[])")
        for item in data:
            if not isinstance(item, tuple):
                continue
            head, body = item
            uid, flags, date = b"", b"", b""
            for m in HEAD.finditer(head):
                uid = m.group(1) or uid
                flags = m.group(2) if m.group(2) is not None else flags
                date = m.group(3) or date
            stamp = time.mktime(imaplib.Internaldate2tuple(b'INTERNALDATE "' + date + b'"'))
            info = "".join(sorted(LETTERS[f] for f in flags.split() if f in LETTERS))
            path = cur / f"{int(stamp)}.U{uid.decode()}.imaplib:2,{info}"
            path.write_bytes(body)
            os.utime(path, (stamp, stamp))
            count += 1
    conn.logout()
    print(count)


if __name__ == "__main__":
    main()
