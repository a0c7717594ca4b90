"""The asyncio face against a local Dovecot: imaprs.aio beside aioimaplib and imaprs's
blocking face, in one run.

Starts a throw-away Dovecot on loopback, fills a mailbox with the deterministic corpus of the
other benchmarks, then measures each client on each workload, best of three rounds in which
the clients take turns (connecting and logging in are not timed):

1. listing: FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE); imaprs
   builds one typed ``FetchItem`` per message (``cmd.data``), aioimaplib returns its lines;
2. backup: every message's body (BODY.PEEK[]), in FETCHes of 1,000 messages one after the
   other; imaprs gives each body as ``bytes`` (``FetchItem["BODY[]"]``);
3. chatty: N single-message UID FETCH (FLAGS), one after the other (N round trips);
4. pipelined (imaprs only): the same N FETCHes all sent before any is waited for.

Prints the figures and the ratios against the targets (imaprs.aio at least 30 times faster
than aioimaplib on the listing, within 1.2 times the blocking face on every workload), and
writes them to ``docs/benchmarks.json`` for the documentation's charts (``--no-save`` leaves
it alone; ``--quick`` does not save). Figures, never assertions.

usage: python bench/aio_bench.py [--messages 10000] [--singles 2000] [--quick] [--no-save]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

import imaprs
import imaprs.aio
from figures import save_charts
from imaprs.testing import Dovecot, seed_mailbox

ITEMS = ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE")
WORKLOADS = ("listing", "backup", "chatty", "pipelined")
BATCH = 1000

Timings = Dict[str, float]


class Clock:
    """Best time per workload over the rounds."""

    def __init__(self) -> None:
        self.best: Timings = {}
        self.start = 0.0

    def go(self) -> None:
        self.start = time.perf_counter()

    def stop(self, name: str) -> None:
        took = time.perf_counter() - self.start
        self.best[name] = min(took, self.best.get(name, took))


def batches(count: int) -> List[str]:
    return [f"{lo}:{min(lo + BATCH - 1, count)}" for lo in range(1, count + 1, BATCH)]


def body_bytes(data: Dict[int, Any]) -> int:
    return sum(len(item["BODY[]"]) for item in data.values())


def blocking(server: Dovecot, user: str, password: str, singles: int, clock: Clock) -> None:
    with imaprs.IMAP4((server.host, server.port)) as imap:
        imap.login(user, password, allow_cleartext=True)
        count = imap.select("INBOX", readonly=True).data.exists
        clock.go()
        listed = imap.fetch("1:*", *ITEMS).data
        clock.stop("listing")
        assert len(listed) == count
        clock.go()
        size = sum(body_bytes(imap.fetch(part, "BODY.PEEK[]").data) for part in batches(count))
        clock.stop("backup")
        assert size > 0
        clock.go()
        for uid in range(1, singles + 1):
            imap.fetch([uid], "FLAGS", uid=True)
        clock.stop("chatty")
        clock.go()
        cmds = [imap.fetch([u], "FLAGS", uid=True, wait=False) for u in range(1, singles + 1)]
        for cmd in cmds:
            cmd.wait()
        clock.stop("pipelined")


async def aio(server: Dovecot, user: str, password: str, singles: int, clock: Clock) -> None:
    async with imaprs.aio.IMAP4((server.host, server.port)) as imap:
        await imap.login(user, password, allow_cleartext=True)
        count = (await imap.select("INBOX", readonly=True)).data.exists
        clock.go()
        listed = (await imap.fetch("1:*", *ITEMS)).data
        clock.stop("listing")
        assert len(listed) == count
        clock.go()
        size = 0
        for part in batches(count):
            size += body_bytes((await imap.fetch(part, "BODY.PEEK[]")).data)
        clock.stop("backup")
        assert size > 0
        clock.go()
        for uid in range(1, singles + 1):
            await imap.fetch([uid], "FLAGS", uid=True)
        clock.stop("chatty")
        clock.go()
        cmds = [await imap.fetch([u], "FLAGS", uid=True, wait=False) for u in range(1, singles + 1)]
        for cmd in cmds:
            await cmd.wait()
        clock.stop("pipelined")


async def aioimaplib_run(
    server: Dovecot, user: str, password: str, singles: int, clock: Clock
) -> None:
    import aioimaplib  # type: ignore[import-not-found]

    client = aioimaplib.IMAP4(host=server.host, port=server.port, timeout=600)
    await client.wait_hello_from_server()
    await client.login(user, password)
    # SELECT: aioimaplib's examine() leaves it in the authenticated state (FETCH refused).
    selected = await client.select("INBOX")
    count = next(int(line.split()[0]) for line in selected.lines if line.endswith(b"EXISTS"))
    clock.go()
    listed = await client.fetch("1:*", "(" + " ".join(ITEMS) + ")")
    clock.stop("listing")
    assert listed.result == "OK"
    clock.go()
    for part in batches(count):
        got = await client.fetch(part, "(BODY.PEEK[])")
        assert got.result == "OK"
    clock.stop("backup")
    clock.go()
    for uid in range(1, singles + 1):
        await client.uid("fetch", str(uid), "(FLAGS)")
    clock.stop("chatty")
    await client.logout()


Run = Callable[[Clock], Optional[Awaitable[None]]]


def rounds(runs: Dict[str, Run], times: int) -> Dict[str, Timings]:
    """Each client once per round, in turn, so that a machine whose load changes during the
    run weighs on every client alike; the best time of each."""
    clocks = {name: Clock() for name in runs}
    for _ in range(times):
        for name, run in runs.items():
            pending = run(clocks[name])
            if pending is not None:
                asyncio.run(pending)  # type: ignore[arg-type]
    return {name: clock.best for name, clock in clocks.items()}


def save(messages: int, singles: int, rows: Dict[str, Timings]) -> None:
    titles = {
        "listing": f"asyncio: listing {messages:,} messages (ENVELOPE BODYSTRUCTURE, typed)",
        "backup": f"asyncio: every body of {messages:,} messages",
        "chatty": f"asyncio: {singles:,} round trips, one after the other",
    }
    save_charts(
        [
            (
                f"aio-{workload}-seconds",
                title,
                "s",
                True,
                [(name, row.get(workload)) for name, row in rows.items()],
            )
            for workload, title in titles.items()
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="300 messages, 100 singles, once")
    parser.add_argument("--no-save", action="store_true", help="do not update the docs figures")
    args = parser.parse_args()
    times = 3
    if args.quick:
        args.messages, args.singles, args.no_save, times = 300, 100, True, 1
    try:
        import aioimaplib  # type: ignore[import-not-found]  # noqa: F401

        have_aioimaplib = True
    except ImportError:
        have_aioimaplib = False
    with Dovecot(install=True) as server:
        user = server.add_user()
        seed_mailbox(server, user.name, args.messages)
        creds: Any = (server, user.name, user.password, min(args.singles, args.messages))
        runs: Dict[str, Run] = {
            "imaprs.aio": lambda clock: aio(*creds, clock),
            "imaprs (blocking)": lambda clock: blocking(*creds, clock),
        }
        if have_aioimaplib:
            runs["aioimaplib"] = lambda clock: aioimaplib_run(*creds, clock)
        rows = rounds(runs, times)
        print(f"{args.messages:,} messages; {creds[3]:,} single FETCHes (best of {times})\n")
        print(f"   {'':18} " + " ".join(f"{w:>10}" for w in WORKLOADS))
        for name, row in rows.items():
            cells = [f"{row[w]:9.3f}s" if w in row else f"{'-':>10}" for w in WORKLOADS]
            print(f"   {name:18} " + " ".join(cells))
        if not have_aioimaplib:
            print(f"   {'aioimaplib':18} (not installed: pip install aioimaplib)")
        mine, base = rows["imaprs.aio"], rows["imaprs (blocking)"]
        ratios = ", ".join(f"{w} {mine[w] / base[w]:.2f}x" for w in WORKLOADS)
        print(f"\n   imaprs.aio / blocking: {ratios} (target <= 1.2 each)")
        if "aioimaplib" in rows:
            other = rows["aioimaplib"]
            faster = ", ".join(f"{w} {other[w] / mine[w]:.1f}x" for w in WORKLOADS if w in other)
            print(f"   aioimaplib / imaprs.aio: {faster} (target >= 30 on the listing)")
        if not args.no_save:
            save(args.messages, creds[3], rows)


if __name__ == "__main__":
    main()
