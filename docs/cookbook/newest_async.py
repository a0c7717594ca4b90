"""The newest messages of a folder with asyncio, newest first: date, sender and subject."""

import asyncio
import os
import ssl
import sys

import imaprs.aio


async def newest(folder: str, count: int) -> None:
    context = ssl.create_default_context(cafile=os.environ.get("IMAP_CAFILE"))
    address = (os.environ["IMAP_HOST"], int(os.environ.get("IMAP_PORT", "993")))
    async with imaprs.aio.IMAP4(address, ssl_ctx=context) as imap:
        await imap.login(os.environ["IMAP_USER"], os.environ["IMAP_PASSWORD"])
        last = (await imap.examine(folder)).data.exists
        if not last:
            return
        first = max(1, last - count + 1)
        fetched = await imap.fetch(f"{first}:{last}", "INTERNALDATE", "ENVELOPE")
        messages = fetched.data
        for number in sorted(messages, reverse=True):
            message = messages[number]
            envelope = message.envelope
            sent = envelope.date or message.internaldate
            sender = envelope.from_[0].name or envelope.from_[0].email if envelope.from_ else ""
            print(f"{sent.isoformat(' ', 'minutes')}  {sender:<20}  {envelope.subject}")


folder = sys.argv[1] if len(sys.argv) > 1 else "INBOX"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
asyncio.run(newest(folder, count))
