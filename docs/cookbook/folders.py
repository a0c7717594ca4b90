"""Every folder with its number of messages and of unseen ones, and its role."""

from connect import connect

with connect() as imap:
    # The roles (Sent, Trash ...) and the counts come with the list when the server can.
    ret = ["SPECIAL-USE"] if "SPECIAL-USE" in imap.caps else []
    if "LIST-STATUS" in imap.caps:
        ret.append("STATUS (MESSAGES UNSEEN)")
    for folder in imap.list(ret=ret).data:
        if not folder.selectable:
            continue  # a level of the hierarchy, not a folder
        counts = folder.status or imap.status(folder.name, "MESSAGES", "UNSEEN").data
        role = folder.special_use or ""
        print(f"{folder.name:<24} {counts['MESSAGES']:>6} {counts['UNSEEN']:>6}  {role}")
