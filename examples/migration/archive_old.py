"""Move every message received before a date from INBOX to Archive.

usage: python archive_old.py HOST PORT USER PASSWORD BEFORE   (BEFORE like 01-Jun-2023)
"""

import sys

import imaprs.imaplib as imaplib  # was: import imaplib

host, port, user, password, before = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
M = imaplib.IMAP4(host, port)
M.login(user, password)
M.create("Archive")
M.select("INBOX")
typ, data = M.uid("SEARCH", None, "BEFORE", before)
uids = data[0].split()
print(f"{len(uids)} messages received before {before}")
if uids:
    message_set = b",".join(uids).decode()
    typ, data = M.uid("COPY", message_set, "Archive")
    print("copy:", typ)
    M.uid("STORE", message_set, "+FLAGS", "(\\Deleted)")
    typ, expunged = M.expunge()
    print("expunged:", len(expunged))
for folder in ("INBOX", "Archive"):
    typ, data = M.status(folder, "(MESSAGES)")
    print(data[0].decode())
M.logout()
