"""``imaprs.aio.IMAP4``: the asyncio face (see the package documentation).

The commands are the blocking face's own (``imaprs._session``, ``imaprs._commands``): each
method returns an awaitable here because this face's ``_run`` and ``_drive`` are coroutines.
This module only connects.
"""

from __future__ import annotations

from typing import Any, Optional

from .._commands import Commands
from .._imap4 import Address, endpoint
from .._session import SessionCommands, SSLContext
from ._command import AsyncNoop
from ._engine import Driver
from ._idle import AsyncIdle

__all__ = ["IMAP4"]


class IMAP4(SessionCommands, Commands, Driver):
    """One IMAP connection driven by the running event loop.

    ``async with IMAP4(addr) as imap`` connects on entry and logs out on exit; ``await
    IMAP4.connect(addr)`` connects without a block. The arguments are the blocking
    :class:`imaprs.IMAP4`'s: ``ssl_ctx`` (an ``ssl.SSLContext`` or :class:`imaprs.TLSOptions`)
    means implicit TLS (port 993 by default), or TLS after STARTTLS when ``starttls``,
    verified as the blocking face verifies. Every command method of the blocking face is
    here with the same arguments, as a coroutine: it returns once the command completed
    (NO/BAD raise), or with ``wait=False`` once it is sent, so that commands pipeline.
    ``timeout`` bounds each wait for the server (IMAP4Timeout; the connection stays usable).
    """

    _noop_class = AsyncNoop

    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Optional[SSLContext] = None,
        *,
        starttls: bool = False,
        max_line: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> None:
        self._host_port_tls = endpoint(addr, timeout, ssl_ctx, starttls, deadline)
        self._ssl_ctx, self._use_starttls = ssl_ctx, starttls
        self.timeout, self._max_line, self.deadline = timeout, max_line, deadline
        self.host = self._host_port_tls[0]
        self.greeting: Any = None
        self._connected = False

    @classmethod
    async def connect(cls, *args: Any, **kw: Any) -> IMAP4:
        """A connected IMAP4 (arguments as for the class)."""
        imap = cls(*args, **kw)
        await imap._connect()
        return imap

    async def __aenter__(self) -> IMAP4:
        if not self._connected:
            await self._connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.logout()

    async def _connect(self) -> None:
        host, port, tls, deadline = self._host_port_tls
        self._driver_init(host, tls, self._max_line, self.timeout, deadline)
        self._connected = True
        try:
            greeting = await self._open(host, port)
        except BaseException:
            await self._close_link()
            raise
        await self._drive(self._greeted(greeting, self._use_starttls, self._ssl_ctx))

    async def __call__(self, name: str, *args: Any, wait: bool = False, **kw: Any) -> Any:
        """Sends command ``name`` with ``args`` as ``imaprs.IMAP4.__call__`` takes them (and
        its keywords ``seqset``, ``sink``, ``progress``, ``check``); returns it once sent, as
        the blocking face does, or completed with ``wait=True``."""
        return await self._run(wait, name, *args, **kw)

    def idle(self, timeout: Optional[float] = None, renew: float = 29 * 60) -> AsyncIdle:
        """IDLE as an async context manager and iterator::

            async with imap.idle(timeout=60) as idle:
                async for rsp in idle:  # each response; ends after `timeout` s of silence
                    ...

        DONE is sent on leaving the block (cancelled or not); IDLE is renewed every ``renew``
        seconds. Other tasks' commands wait until the block ends."""
        return AsyncIdle(self, timeout, renew)

    def __repr__(self) -> str:
        state = self._session.state if self._connected else "unconnected"
        return f"<imaprs.aio.IMAP4 {self.host!r} {state}>"
