"""imaprs.aio: the asyncio face, on the same core as the blocking :class:`imaprs.IMAP4`.

A first driver: connecting (clear text or implicit TLS), LOGIN, SELECT/EXAMINE, FETCH,
NOOP, CAPABILITY, LOGOUT and any command by name, pipelined with ``wait=False``::

    async with imaprs.aio.IMAP4(("imap.example.org", 993), ssl_ctx=ctx) as imap:
        await imap.login("user", "password")
        await imap.select("INBOX", readonly=True)
        cmd = await imap.fetch("1:*", "ENVELOPE")
        for number, item in cmd.data.items():
            ...
"""

from ._engine import AsyncCommand
from ._idle import AsyncIdle
from ._imap4 import IMAP4

__all__ = ["AsyncCommand", "AsyncIdle", "IMAP4"]
