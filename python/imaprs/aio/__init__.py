"""imaprs.aio: the asyncio face, on the same core and the same commands as the blocking
:class:`imaprs.IMAP4`.

Every command method of the blocking face is a coroutine here, with the same name and
arguments; it returns an :class:`AsyncCommand` once the command completed (NO/BAD raise), or
with ``wait=False`` once it is sent, so that commands pipeline::

    async with imaprs.aio.IMAP4(("imap.example.org", 993), ssl_ctx=ctx) as imap:
        await imap.login("user", "password")
        await imap.select("INBOX", readonly=True)
        cmd = await imap.fetch("1:*", "ENVELOPE")
        for number, item in cmd.data.items():
            ...
"""

from ._command import AsyncCommand
from ._idle import AsyncIdle
from ._imap4 import IMAP4

__all__ = ["AsyncCommand", "AsyncIdle", "IMAP4"]
