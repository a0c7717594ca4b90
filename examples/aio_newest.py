"""The 20 newest messages of a folder, newest first, with decoded sender and subject,
through ``imaprs.aio`` over verified TLS.

usage: IMAPRS_PASSWORD=... python examples/aio_newest.py HOST USER [FOLDER]
       [--port 993] [--cafile CA.pem] [--count 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
from typing import List, Optional, Sequence, Tuple

import imaprs.aio


async def newest(
    addr: Tuple[str, int], user: str, password: str, folder: str, count: int, ctx: ssl.SSLContext
) -> List[Tuple[str, str]]:
    """``(sender, subject)`` of the ``count`` newest messages of ``folder``, newest first."""
    async with imaprs.aio.IMAP4(addr, ssl_ctx=ctx) as imap:
        await imap.login(user, password)
        last = (await imap.examine(folder)).data.exists
        if not last:
            return []
        messages = (await imap.fetch(f"{max(1, last - count + 1)}:{last}", "ENVELOPE")).data
        rows = []
        for number in sorted(messages, reverse=True):
            env = messages[number].envelope
            sender = env.from_[0].name or env.from_[0].email if env.from_ else ""
            rows.append((sender or "", env.subject or "(no subject)"))
        return rows


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("user")
    parser.add_argument("folder", nargs="?", default="INBOX")
    parser.add_argument("--port", type=int, default=993)
    parser.add_argument("--cafile", help="trust this authority instead of the system's")
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args(argv)
    ctx = ssl.create_default_context(cafile=args.cafile)
    password = os.environ["IMAPRS_PASSWORD"]
    rows = asyncio.run(
        newest((args.host, args.port), args.user, password, args.folder, args.count, ctx)
    )
    for sender, subject in rows:
        print(f"{sender:30.30}  {subject}")


if __name__ == "__main__":
    main()
