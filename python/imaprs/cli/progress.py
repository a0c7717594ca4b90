"""Progress of a transfer: a ``rich`` bar on a terminal, plain periodic lines otherwise.

Both show messages done out of all, bytes, the rate and the time left. ``rich`` is imported
only when a bar is drawn, so the plain display (and ``import imaprs``) never needs it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Optional, TextIO

__all__ = ["Progress", "make_progress"]


class Progress:
    """Plain lines on ``stream``: one every ``every`` seconds and one at the end."""

    def __init__(self, stream: TextIO, every: float = 2.0) -> None:
        self.stream = stream
        self.every = every
        self.label = ""
        self.messages = self.total_messages = 0
        self.bytes = self.total_bytes = 0
        self._start = self._last = time.monotonic()

    def start(self, label: str, messages: int, size: int) -> None:
        """A new transfer of ``messages`` messages, ``size`` bytes in all."""
        self.label, self.total_messages, self.total_bytes = label, messages, size
        self.messages = self.bytes = 0
        self._start = self._last = time.monotonic()

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        self._tick()

    def add_message(self) -> None:
        self.messages += 1
        self._tick()

    def finish(self) -> None:
        self._line()

    def close(self) -> None:
        """Ends the display (the plain one has nothing to end)."""

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._line()

    def _line(self) -> None:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        rate = self.bytes / elapsed
        left = ""
        if rate > 0 and self.total_bytes > self.bytes:
            left = f", {_duration((self.total_bytes - self.bytes) / rate)} left"
        print(
            f"{self.label}: {self.messages}/{self.total_messages} messages, "
            f"{_size(self.bytes)}/{_size(self.total_bytes)}, {_size(rate)}/s{left}",
            file=self.stream,
            flush=True,
        )


class RichProgress(Progress):
    """A ``rich`` progress bar (one per folder) on the terminal."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[messages]}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._bar.start()
        self._task: Optional[Any] = None

    def start(self, label: str, messages: int, size: int) -> None:
        super().start(label, messages, size)
        self._task = self._bar.add_task(label, total=max(size, 1), messages=self._count())

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self._task is not None:
            self._bar.update(self._task, completed=self.bytes)

    def add_message(self) -> None:
        self.messages += 1
        if self._task is not None:
            self._bar.update(self._task, messages=self._count())

    def finish(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=max(self.total_bytes, 1), messages=self._count())

    def close(self) -> None:
        self._bar.stop()

    def _count(self) -> str:
        return f"{self.messages}/{self.total_messages} msgs"


def make_progress(stream: Optional[TextIO] = None, force_plain: bool = False) -> Progress:
    """The bar on a terminal (when ``rich`` is installed), plain lines otherwise."""
    out = stream if stream is not None else sys.stderr
    if not force_plain and out.isatty():
        try:
            return RichProgress(out)
        except ImportError:
            pass
    return Progress(out)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
