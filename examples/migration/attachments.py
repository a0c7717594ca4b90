"""Save every attachment of the messages in INBOX to a folder; print what was saved.

usage: python attachments.py HOST PORT USER PASSWORD DIRECTORY
"""

import email
import hashlib
import os
import sys

import imaprs.imaplib as imaplib  # was: import imaplib

host, port, user, password, target = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
os.makedirs(target, exist_ok=True)
M = imaplib.IMAP4(host, port)
M.login(user, password)
M.select("INBOX", readonly=True)
typ, data = M.search(None, "ALL")
saved = 0
for num in data[0].split():
    typ, msg_data = M.fetch(num, "(RFC822)")
    message = email.message_from_bytes(msg_data[0][1])
    for part in message.walk():
        name = part.get_filename()
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        path = os.path.join(target, f"{num.decode()}-{name}")
        with open(path, "wb") as out:
            out.write(payload)
        saved += 1
        digest = hashlib.sha1(payload).hexdigest()[:12]
        print(f"{num.decode():>4} {name:30} {len(payload):>8} bytes  {digest}")
print(f"{saved} attachments saved")
M.logout()
