"""Wait for new mail in a folder (IDLE) and print each new message's sender and subject,
until Ctrl-C (or until a given number of messages came)."""

import sys

from connect import connect

folder = sys.argv[1] if len(sys.argv) > 1 else "INBOX"
wanted = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # 0: for ever

with connect() as imap:
    imap.select(folder, readonly=True)
    mailbox = imap.selected  # kept current by what the server says
    assert mailbox is not None  # select() succeeded, or it raised
    known = mailbox.exists
    print(f"watching {folder}, {known} message(s)", flush=True)
    shown = 0
    try:
        while not wanted or shown < wanted:
            with imap.idle(timeout=300) as idle:
                for _news in idle:
                    if mailbox.exists != known:
                        break
            exists = mailbox.exists
            if exists > known:
                for message in imap.fetch(f"{known + 1}:{exists}", "ENVELOPE").data.values():
                    sender = message.envelope.from_[0] if message.envelope.from_ else ""
                    print(f"new: {sender}: {message.envelope.subject}", flush=True)
                    shown += 1
            known = exists
    except KeyboardInterrupt:
        pass
