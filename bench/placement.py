"""Where the client and the server run while a benchmark measures a conversation of many
short round trips.

On loopback each round trip wakes the server, then the client. Whether the two processes
share a CPU decides most of its time: on one CPU a wake-up is a switch between two tasks and
every microsecond of either side's work shows in the result; on two CPUs it is an
inter-processor interrupt, and on a virtual machine a halted CPU's wake-up costs tens of
microseconds whoever asks. Left to the scheduler, the placement is settled in the first
milliseconds of each connection and differs from one connection to the next, which makes
single results swing by a third. ``placed`` pins both sides for a block so that contenders
are compared in the same placement (Linux only: ``os.sched_setaffinity`` and ``/proc``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, List, Optional, Set

__all__ = ["PLACEMENTS", "placed", "supported"]

#: (label, client CPU, server CPU); None: wherever the scheduler puts it.
PLACEMENTS = (
    ("one CPU for both", 0, 0),
    ("a CPU each", 0, 1),
    ("as scheduled", None, None),
)


def supported() -> bool:
    """Whether processes can be pinned here, on at least two CPUs."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def descendants(pid: int) -> List[int]:
    """``pid`` and every process below it."""
    children: dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _pin(pids: List[int], cpus: Set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # ended, or not ours
            os.sched_setaffinity(pid, cpus)


@contextlib.contextmanager
def placed(
    server_pid: Optional[int], client_cpu: Optional[int], server_cpu: Optional[int]
) -> Iterator[None]:
    """Runs the block with this process on ``client_cpu`` and the server (``server_pid``
    and its workers, present and to come) on ``server_cpu``; None leaves a side free."""
    every = os.sched_getaffinity(0)
    server = descendants(server_pid) if server_pid is not None else []
    try:
        _pin(server, every if server_cpu is None else {server_cpu})
        _pin([os.getpid()], every if client_cpu is None else {client_cpu})
        yield
    finally:
        _pin(descendants(server_pid) if server_pid is not None else [], every)
        _pin([os.getpid()], every)
