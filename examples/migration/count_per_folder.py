"""Count the messages and unseen messages of every folder.

usage: python count_per_folder.py HOST PORT USER PASSWORD
"""

import re
import sys

import imaprs.imaplib as imaplib  # was: import imaplib

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
M = imaplib.IMAP4(host, port)
M.login(user, password)
typ, folders = M.list()
for line in sorted(folders):
    name = line.decode().split(' "/" ')[-1]
    typ, data = M.status(name, "(MESSAGES UNSEEN)")
    counts = dict(re.findall(r"(MESSAGES|UNSEEN) (\d+)", data[0].decode()))
    print(
        f"{name.strip(chr(34)):12} {counts['MESSAGES']:>5} messages, {counts['UNSEEN']:>4} unseen"
    )
M.logout()
