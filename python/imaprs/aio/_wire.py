"""The transport's side of an ``imaprs.aio`` connection: an ``asyncio.Protocol`` that hands
what arrives to the driver from its callback (no task reads) and holds writers back while the
transport's buffer is full."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Optional

from ..errors import ConnectionClosed

if TYPE_CHECKING:
    from ._engine import Driver

__all__ = ["Wire"]


class Wire(asyncio.Protocol):
    """See the module documentation."""

    def __init__(self, driver: Driver, loop: asyncio.AbstractEventLoop) -> None:
        self.driver = driver
        self.loop = loop
        self.transport: Optional[asyncio.Transport] = None
        self.paused = False
        self._drained: Optional[asyncio.Future[None]] = None
        self.lost: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.driver._received(data)

    def eof_received(self) -> None:
        self.driver._fail(ConnectionClosed("the server closed the connection"))

    def connection_lost(self, exc: Optional[Exception]) -> None:
        reason = f"the connection was lost: {exc}" if exc else "the server closed the connection"
        self.driver._fail(ConnectionClosed(reason))
        self.resume_writing()
        if not self.lost.done():
            self.lost.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    async def drain(self) -> None:
        """Returns once the transport takes more (at once when it is not full)."""
        if self.paused:
            if self._drained is None:
                self._drained = self.loop.create_future()
            await asyncio.shield(self._drained)
