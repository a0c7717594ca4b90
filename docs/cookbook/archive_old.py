"""Move the messages of a folder that arrived more than some days ago into an archive
folder, created when missing."""

import datetime
import sys

from connect import connect

import imaprs

folder, archive, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
cutoff = datetime.date.today() - datetime.timedelta(days=days)

with connect() as imap:
    if not imap.list("", archive).data:
        imap.create(archive)
    imap.select(folder)
    uids = imap.search(imaprs.Q(before=cutoff), uid=True).data
    if uids and "MOVE" in imap.caps:
        imap.move(uids, archive, uid=True)
    elif uids:  # the same in three steps
        imap.copy(uids, archive, uid=True)
        imap.store(uids, "+FLAGS", "\\Deleted", uid=True)
        imap.expunge(uids)
    print(f"{len(uids)} message(s) from before {cutoff} moved to {archive}")
    assert imap.selected is not None  # still selected
    print(f"{folder} holds {imap.selected.exists} message(s)")
