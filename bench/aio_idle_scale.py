"""Many connections in IDLE in one event loop: memory per connection, CPU while idle, and
how long until every connection hears of new mail.

One process, one event loop: ``--connections`` (1,000) ``imaprs.aio`` connections to a
crowd server (``imaprs.testing.CrowdServer``, in a child process of its own so that only the
client is measured), each inside ``async with imap.idle()``. Then:

- memory: the growth of the process's resident set (``/proc/self/statm``) and of what
  tracemalloc sees Python allocate, from before the first connection to all of them in IDLE,
  divided by the number of connections. "native" is the resident growth less Python's
  allocations and less tracemalloc's own bookkeeping: what the Rust core (session, link,
  buffers) and the allocators keep per connection;
- CPU: the process's CPU time over ``--quiet`` seconds of everyone idling;
- notification: the server writes ``* 2 EXISTS`` to every connection; the time from just
  before that until the last IDLE iterator has yielded it.

Figures, never assertions (``tests/test_aio_scale.py`` runs the same measurement and checks
its properties). Linux only (``/proc``).

usage: python bench/aio_idle_scale.py [--connections 1000] [--quiet 3] [--tls]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
import tracemalloc
from typing import Dict, List

import imaprs.aio
from imaprs.aio._idle import AsyncIdle
from imaprs.testing import CrowdServer, make_test_certificate
from imaprs.testing._crowd import raise_file_limit

#: Connections opened at once while setting up.
BATCH = 100


def rss() -> int:
    """This process's resident set, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _watch(imap: imaprs.aio.IMAP4, idles: List[AsyncIdle], heard: List[float]) -> None:
    async with imap.idle() as idle:
        idles.append(idle)
        async for rsp in idle:
            if rsp.dtype == "EXISTS":
                heard.append(time.monotonic())
                return


async def _until(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the connections did not all reach IDLE")
        await asyncio.sleep(0.05)


async def _crowd(crowd: CrowdServer, count: int, quiet: float) -> Dict[str, float]:
    address = crowd.address
    cert = crowd.certificate
    ctx = cert.client_context() if cert is not None else None
    # One connection through the whole cycle first: code paths and caches are loaded.
    imap = await imaprs.aio.IMAP4.connect(address, 30, ctx)
    async with imap.idle(timeout=0.01) as idle:
        async for _ in idle:
            pass
    await imap.logout()

    gc.collect()
    tracemalloc.start()
    rss0, py0 = rss(), tracemalloc.get_traced_memory()[0]
    book0 = tracemalloc.get_tracemalloc_memory()
    conns: List[imaprs.aio.IMAP4] = []
    for start in range(0, count, BATCH):
        batch = min(BATCH, count - start)
        connect = (imaprs.aio.IMAP4.connect(address, 30, ctx) for _ in range(batch))
        conns += await asyncio.gather(*connect)
    idles: List[AsyncIdle] = []
    heard: List[float] = []
    tasks = [asyncio.ensure_future(_watch(c, idles, heard)) for c in conns]
    await _until(lambda: len(idles) == count and all(i.plan.idling for i in idles), 60)
    gc.collect()
    rss1, py1 = rss(), tracemalloc.get_traced_memory()[0]
    book1 = tracemalloc.get_tracemalloc_memory()
    tracemalloc.stop()

    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(quiet)
    cpu_idle, wall_idle = time.process_time() - cpu0, time.monotonic() - wall0

    pushed_at = time.monotonic()
    reached = crowd.push("* 2 EXISTS")
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    delays = sorted(t - pushed_at for t in heard)
    await asyncio.gather(*(c.logout() for c in conns))
    per = float(count)
    return {
        "tls": cert is not None,
        "connections": count,
        "pushed_to": reached,
        "notified": len(heard),
        "rss_per_connection": (rss1 - rss0) / per,
        "python_per_connection": (py1 - py0) / per,
        "native_per_connection": (rss1 - rss0 - (py1 - py0) - (book1 - book0)) / per,
        "idle_seconds": wall_idle,
        "idle_cpu_seconds": cpu_idle,
        "notify_median_s": statistics.median(delays),
        "notify_max_s": delays[-1],
    }


def measure(count: int = 1000, quiet: float = 3.0, tls: bool = False) -> Dict[str, float]:
    """Runs the measurement (see the module documentation) and returns its figures;
    ``tls``: over implicit TLS, with a throw-away certificate authority."""
    raise_file_limit(count + 256)
    with tempfile.TemporaryDirectory() as tmp:
        cert = make_test_certificate(tmp) if tls else None
        with CrowdServer(files=count + 256, certificate=cert) as crowd:
            return asyncio.run(_crowd(crowd, count, quiet))


def report(figures: Dict[str, float]) -> str:
    f = figures
    return "\n".join(
        [
            f"{f['connections']:,} connections in IDLE in one event loop"
            + (" (implicit TLS)" if f["tls"] else " (clear text)"),
            f"   memory per connection: {f['rss_per_connection'] / 1024:.1f} KiB resident, "
            f"of which Python objects {f['python_per_connection'] / 1024:.1f} KiB and "
            f"native {f['native_per_connection'] / 1024:.1f} KiB (target: native <= 64 KiB)",
            f"   CPU while idle: {f['idle_cpu_seconds'] * 1000:.1f} ms over "
            f"{f['idle_seconds']:.1f} s",
            f"   EXISTS pushed to {f['pushed_to']:,}: {f['notified']:,} notified, median "
            f"{f['notify_median_s'] * 1000:.0f} ms, last {f['notify_max_s'] * 1000:.0f} ms "
            "(target: all within 1 s)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--quiet", type=float, default=3.0, help="idle seconds measured")
    parser.add_argument("--tls", action="store_true", help="over implicit TLS")
    args = parser.parse_args()
    print(report(measure(args.connections, args.quiet, args.tls)))


if __name__ == "__main__":
    main()
