"""The two faces of imaprs for tests that run the same body through both.

``Face("blocking").IMAP4(...)`` is :class:`imaprs.IMAP4`. ``Face("aio").IMAP4(...)`` is an
:class:`imaprs.aio.IMAP4` behind a small synchronous adapter: each call runs the coroutine
it returns on the test's event loop until it is done, and each command it returns is
adapted likewise (``wait()``, iteration, ``items()``). Attributes pass through unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterator, List

import imaprs
import imaprs.aio


class Face:
    """One face; ``close()`` ends what it opened (the aio loop and its connections)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop() if name == "aio" else None
        self.opened: List[Any] = []

    def IMAP4(self, *args: Any, **kw: Any) -> Any:
        if self.loop is None:
            return imaprs.IMAP4(*args, **kw)
        imap = SyncAio(
            self.loop, self.loop.run_until_complete(imaprs.aio.IMAP4.connect(*args, **kw))
        )
        self.opened.append(imap)
        return imap

    def close(self) -> None:
        if self.loop is None:
            return
        for imap in self.opened:
            if imap.state != "logout":
                imap.logout(graceful=False)
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


class SyncAio:
    """An imaprs.aio.IMAP4 used synchronously (see the module documentation)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, imap: imaprs.aio.IMAP4) -> None:
        self._loop, self._imap = loop, imap

    def _sync(self, out: Any) -> Any:
        if hasattr(out, "__await__"):
            out = self._loop.run_until_complete(out)
        return SyncCommand(self._loop, out) if isinstance(out, imaprs.aio.AsyncCommand) else out

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._imap, name)
        if not callable(value) or isinstance(value, type) or name == "queue":
            return value

        def call(*args: Any, **kw: Any) -> Any:
            return self._sync(value(*args, **kw))

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
        else:
            setattr(self._imap, name, value)

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self._sync(self._imap(*args, **kw))

    def __enter__(self) -> SyncAio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()


class SyncCommand:
    """An imaprs.aio.AsyncCommand used synchronously."""

    def __init__(self, loop: asyncio.AbstractEventLoop, cmd: imaprs.aio.AsyncCommand) -> None:
        self._loop, self._cmd = loop, cmd

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cmd, name)

    def wait(self, *expect: str, timeout: Any = None) -> SyncCommand:
        self._loop.run_until_complete(self._cmd.wait(*expect, timeout=timeout))
        return self

    def __iter__(self) -> Iterator[Any]:
        return self._drain(self._cmd.__aiter__())

    def items(self) -> Iterator[Any]:
        return self._drain(self._cmd.items())

    def _drain(self, source: Any) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.run_until_complete(source.__anext__())
            except StopAsyncIteration:
                return
