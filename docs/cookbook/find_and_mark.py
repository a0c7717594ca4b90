"""Flag the unread messages from a sender whose subject holds some words, received since a
date (default: the last 30 days), and list them."""

import datetime
import sys

from connect import connect

import imaprs

folder, sender, words = sys.argv[1:4]
if len(sys.argv) > 4:
    since = datetime.date.fromisoformat(sys.argv[4])
else:
    since = datetime.date.today() - datetime.timedelta(days=30)

with connect() as imap:
    imap.select(folder)
    query = imaprs.Q(unseen=True, from_=sender, subject=words, since=since)
    uids = imap.search(query, uid=True).data
    if uids:
        imap.store(uids, "+FLAGS", "\\Flagged", uid=True)
        for uid, message in imap.fetch(uids, "FLAGS", "ENVELOPE", uid=True).data.items():
            print(uid, " ".join(message.flags), message.envelope.subject)
    print(f"{len(uids)} message(s) flagged")
