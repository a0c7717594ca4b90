"""Print the sender and decoded subject of every unread message, without marking it read.

usage: python unread_subjects.py HOST PORT USER PASSWORD
"""

import email
import email.header
import sys

import imaprs.imaplib as imaplib  # was: import imaplib

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def decode(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


M = imaplib.IMAP4(host, port)
M.login(user, password)
M.select("INBOX", readonly=True)
typ, data = M.search(None, "UNSEEN")
numbers = data[0].split()
print(f"{len(numbers)} unread")
for num in numbers:
    typ, msg_data = M.fetch(num, "(BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])")
    headers = email.message_from_bytes(msg_data[0][1])
    sender, subject = decode(headers["From"] or ""), decode(headers["Subject"] or "")
    print(f"{num.decode():>4}  {sender[:30]:30}  {subject}")
M.logout()
