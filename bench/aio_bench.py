"""The asyncio face against a local Dovecot: imaprs.aio beside imaprs's blocking face (and
aioimaplib when it is installed), in one run.

Starts a throw-away Dovecot on loopback, fills a mailbox with the deterministic corpus, then
measures, best of three (connecting and logging in are not timed):

1. listing: FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE), parsed;
2. chatty: N single-message UID FETCHes one after the other (N round trips);
3. pipelined: the same N FETCHes all sent before any is waited for.

Figures, never assertions.

The times are written to ``docs/benchmarks.json`` for the documentation's charts (not with
``--quick`` or ``--no-save``).

usage: python bench/aio_bench.py [--messages 10000] [--singles 2000] [--quick] [--no-save]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Callable, Dict, Optional

import imaprs
import imaprs.aio
from figures import save_charts
from imaprs.testing import Dovecot, seed_mailbox

ITEMS = ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE")


def blocking(server: Dovecot, user: str, password: str, singles: int) -> Dict[str, float]:
    out = {}
    with imaprs.IMAP4((server.host, server.port)) as imap:
        imap.login(user, password, allow_cleartext=True)
        imap.select("INBOX", readonly=True)
        start = time.perf_counter()
        imap.fetch("1:*", *ITEMS)
        out["listing"] = time.perf_counter() - start
        start = time.perf_counter()
        for uid in range(1, singles + 1):
            imap.fetch([uid], "FLAGS", uid=True)
        out["chatty"] = time.perf_counter() - start
        start = time.perf_counter()
        cmds = [imap.fetch([u], "FLAGS", uid=True, wait=False) for u in range(1, singles + 1)]
        for cmd in cmds:
            cmd.wait()
        out["pipelined"] = time.perf_counter() - start
    return out


async def aio(server: Dovecot, user: str, password: str, singles: int) -> Dict[str, float]:
    out = {}
    async with imaprs.aio.IMAP4((server.host, server.port)) as imap:
        await imap.login(user, password)
        await imap.select("INBOX", readonly=True)
        start = time.perf_counter()
        await imap.fetch("1:*", *ITEMS)
        out["listing"] = time.perf_counter() - start
        start = time.perf_counter()
        for uid in range(1, singles + 1):
            await imap.fetch([uid], "FLAGS", uid=True)
        out["chatty"] = time.perf_counter() - start
        start = time.perf_counter()
        cmds = [await imap.fetch([u], "FLAGS", uid=True, wait=False) for u in range(1, singles + 1)]
        for cmd in cmds:
            await cmd.wait()
        out["pipelined"] = time.perf_counter() - start
    return out


async def aioimaplib_run(
    server: Dovecot, user: str, password: str, singles: int
) -> Optional[Dict[str, float]]:
    try:
        import aioimaplib  # type: ignore[import-not-found]
    except ImportError:
        return None
    out = {}
    client = aioimaplib.IMAP4(host=server.host, port=server.port)
    await client.wait_hello_from_server()
    await client.login(user, password)
    await client.select("INBOX")  # aioimaplib 2 does not count EXAMINE as selecting
    start = time.perf_counter()
    await client.fetch("1:*", "(" + " ".join(ITEMS) + ")")
    out["listing"] = time.perf_counter() - start
    start = time.perf_counter()
    for uid in range(1, singles + 1):
        await client.uid("fetch", str(uid), "(FLAGS)")
    out["chatty"] = time.perf_counter() - start
    await client.logout()
    return out


def best(runs: Callable[[], Optional[Dict[str, float]]]) -> Optional[Dict[str, float]]:
    results = [runs() for _ in range(3)]
    if results[0] is None:
        return None
    return {key: min(r[key] for r in results if r is not None) for key in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="300 messages, 100 singles")
    parser.add_argument("--no-save", action="store_true", help="do not update the docs figures")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.singles, args.no_save = 300, 100, True
    with Dovecot(install=True) as server:
        user = server.add_user()
        seed_mailbox(server, user.name, args.messages)
        creds: Any = (server, user.name, user.password, min(args.singles, args.messages))
        rows = {
            "imaprs (blocking)": best(lambda: blocking(*creds)),
            "imaprs.aio": best(lambda: asyncio.run(aio(*creds))),
            "aioimaplib": best(lambda: asyncio.run(aioimaplib_run(*creds))),
        }
        print(f"{args.messages:,} messages; {creds[3]:,} single FETCHes (best of three)\n")
        print(f"   {'':18} {'listing':>9} {'chatty':>9} {'pipelined':>10}")
        for name, row in rows.items():
            if row is None:
                print(f"   {name:18} (not installed)")
                continue
            cells = [f"{row[k]:8.3f}s" if k in row else f"{'-':>9}" for k in ITEMS_KEYS]
            print(f"   {name:18} " + " ".join(cells))
        base, mine = rows["imaprs (blocking)"], rows["imaprs.aio"]
        if base is not None and mine is not None:
            ratios = ", ".join(f"{k} {mine[k] / base[k]:.2f}x" for k in ITEMS_KEYS)
            print(f"\n   imaprs.aio / blocking: {ratios} (target <= 1.2)")
        if not args.no_save:
            titles = {
                "listing": f"asyncio: listing {args.messages:,} messages (FETCH 1:*)",
                "chatty": f"asyncio: {creds[3]:,} UID FETCHes one after the other",
                "pipelined": f"asyncio: {creds[3]:,} UID FETCHes pipelined",
            }
            save_charts(
                [
                    (
                        f"aio-{key}",
                        title,
                        "s",
                        True,
                        [(name, row.get(key)) for name, row in rows.items() if row is not None],
                    )
                    for key, title in titles.items()
                ]
            )


ITEMS_KEYS = ("listing", "chatty", "pipelined")

if __name__ == "__main__":
    main()
