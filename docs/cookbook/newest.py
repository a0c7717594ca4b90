"""The newest messages of a folder, newest first: date, sender and subject."""

import sys

from connect import connect

folder = sys.argv[1] if len(sys.argv) > 1 else "INBOX"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10

with connect() as imap:
    last = imap.select(folder, readonly=True).data.exists
    if last:
        first = max(1, last - count + 1)
        messages = imap.fetch(f"{first}:{last}", "INTERNALDATE", "ENVELOPE").data
        for number in sorted(messages, reverse=True):
            message = messages[number]
            envelope = message.envelope
            sent = envelope.date or message.internaldate  # the Date header may be missing
            sender = envelope.from_[0].name or envelope.from_[0].email if envelope.from_ else ""
            print(f"{sent.isoformat(' ', 'minutes')}  {sender:<20}  {envelope.subject}")
