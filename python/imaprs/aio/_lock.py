"""The asyncio face's send lock (see :class:`TaskLock`)."""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Deque, Optional, Tuple

__all__ = ["TaskLock"]


class TaskLock:
    """The send lock: one task sends at a time, in the order they asked; the task holding it
    may take it again (an operation such as AUTHENTICATE holds it across the commands it
    sends). Taking a free lock does not suspend."""

    def __init__(self) -> None:
        self._owner: Optional[asyncio.Task[Any]] = None
        self._depth = 0
        self._waiting: Deque[Tuple[asyncio.Future[None], Optional[asyncio.Task[Any]]]] = (
            collections.deque()
        )

    def take_now(self) -> bool:
        """Takes the lock if that needs no wait (free, or held by this task)."""
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            self._depth += 1
            return True
        if self._owner is None and not self._waiting:
            self._owner, self._depth = task, 1
            return True
        return False

    async def __aenter__(self) -> None:
        if self.take_now():
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((turn, asyncio.current_task()))
        try:
            await turn  # the lock is handed over with the result
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release()  # handed over, then cancelled: pass it on
            else:
                turn.cancel()  # skipped when the lock is next let go
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        self._owner = None
        while self._waiting:
            turn, task = self._waiting.popleft()
            if not turn.done():
                self._owner, self._depth = task, 1
                turn.set_result(None)
                return

    def hand_to(self, task: asyncio.Task[Any]) -> None:
        """Gives the held lock to ``task`` (which will let it go)."""
        self._owner = task
