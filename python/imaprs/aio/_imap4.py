"""``imaprs.aio.IMAP4``: the commands of the asyncio face (see the package documentation)."""

from __future__ import annotations

import ssl
from typing import Any, List, Optional, Union

from .._command import Raw
from .._commands import SeqSet, _seqset
from .._imap4 import Address, _address
from .._tls import TLSOptions, tls_options
from ..errors import IMAP4Error, ProtocolError
from ._engine import AsyncCommand, Driver
from ._idle import AsyncIdle

__all__ = ["IMAP4"]


class IMAP4(Driver):
    """One IMAP connection driven by the running event loop.

    ``async with IMAP4(addr) as imap`` connects on entry and logs out on exit; ``await
    IMAP4.connect(addr)`` connects without a block. ``ssl_ctx`` (an ``ssl.SSLContext`` or
    :class:`imaprs.TLSOptions`) means implicit TLS, port 993 by default, verified as the
    blocking face verifies. Every command method returns once the command completed
    (NO/BAD raise), or with ``wait=False`` once it is sent, so that commands pipeline.
    """

    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Union[ssl.SSLContext, TLSOptions, None] = None,
        *,
        max_line: Optional[int] = None,
    ) -> None:
        self._addr, self._ssl_ctx = addr, ssl_ctx
        self.timeout, self._max_line = timeout, max_line
        self.greeting: Any = None
        self.readonly: Optional[bool] = None

    @classmethod
    async def connect(cls, addr: Address, *args: Any, **kw: Any) -> IMAP4:
        """A connected IMAP4 (see the class documentation)."""
        imap = cls(addr, *args, **kw)
        await imap._connect()
        return imap

    async def __aenter__(self) -> IMAP4:
        await self._connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.logout()

    async def _connect(self) -> None:
        implicit = self._ssl_ctx is not None
        host, port = _address(self._addr, 993 if implicit else 143)
        self._driver_init(host, tls_options(self._ssl_ctx) if implicit else None, self._max_line)
        try:
            greeting = await self._open(host, port, self.timeout)
            self.greeting = greeting.info
            if greeting.status == "BYE":
                raise IMAP4Error(f"server greeted with BYE: {greeting.info!r}")
            self.state = "auth" if greeting.status == "PREAUTH" else "!auth"
            if not self.caps:
                await self.capability()
            if "IMAP4REV1" not in self.caps and "IMAP4REV2" not in self.caps:
                raise ProtocolError("server does not speak IMAP4rev1")
        except BaseException:
            self.state = "logout"
            await self._close()
            raise

    async def __call__(
        self, name: str, *args: Any, wait: bool = True, seqset: Optional[str] = None
    ) -> AsyncCommand:
        """Sends command ``name`` with ``args`` (as ``imaprs.IMAP4.__call__`` takes them);
        returns it completed, or sent when not ``wait``."""
        cmd = await self._send(name, *args, seqset=seqset)
        if wait:
            await cmd.wait()
        return cmd

    async def capability(self) -> AsyncCommand:
        """CAPABILITY; ``caps`` follows what the server says."""
        return await self("CAPABILITY")

    async def noop(self, *, wait: bool = True) -> AsyncCommand:
        """NOOP: news goes to the unclaimed ``queue``."""
        return await self("NOOP", wait=wait)

    async def login(self, username: str, password: str) -> AsyncCommand:
        """LOGIN; capabilities the server sends with its answer replace ``caps``."""
        if "LOGINDISABLED" in self.caps:
            raise IMAP4Error("the server refuses LOGIN on this link (LOGINDISABLED)")
        cmd = await self("LOGIN", username, password)
        self.state = "auth"
        return cmd

    async def select(self, mbox: str = "INBOX", readonly: bool = False) -> AsyncCommand:
        """SELECT (EXAMINE when ``readonly``)."""
        self.queue.clear()
        try:
            cmd = await self("EXAMINE" if readonly else "SELECT", mbox)
        except BaseException:
            if self.state == "selected":
                self.state, self.readonly = "auth", None  # RFC 3501 6.3.1
            raise
        self.state = "selected"
        code = cmd.result.dtype if cmd.result is not None else None
        self.readonly = code == "READ-ONLY" if code in ("READ-ONLY", "READ-WRITE") else readonly
        return cmd

    async def examine(self, mbox: str = "INBOX") -> AsyncCommand:
        """EXAMINE: SELECT read-only."""
        return await self.select(mbox, readonly=True)

    async def fetch(
        self, seqset: SeqSet, *attrs: str, wait: bool = True, uid: bool = False
    ) -> AsyncCommand:
        """[UID] FETCH ``seqset`` (attrs); ``.data`` maps message numbers to items."""
        text, claim = _seqset(seqset)
        args: List[Any] = [Raw(text), Raw("(" + " ".join(attrs or ("FLAGS",)) + ")")]
        cmd = await self._send("UID FETCH" if uid else "FETCH", *args, seqset=claim)
        if wait:
            await cmd.wait()
        return cmd

    async def logout(self) -> Optional[AsyncCommand]:
        """LOGOUT, then closes the connection."""
        if self.state == "logout" or self._error is not None:
            await self._close()
            return None
        try:
            cmd = await self("LOGOUT")
        finally:
            self.state = "logout"
            await self._close()
        return cmd

    def idle(self, timeout: Optional[float] = None, renew: float = 29 * 60) -> AsyncIdle:
        """IDLE as an async context manager and iterator::

            async with imap.idle(timeout=60) as idle:
                async for rsp in idle:  # each response; ends after `timeout` s of silence
                    ...

        DONE is sent on leaving the block (cancelled or not); IDLE is renewed every ``renew``
        seconds. Other tasks' commands wait until the block ends."""
        return AsyncIdle(self, timeout, renew)
