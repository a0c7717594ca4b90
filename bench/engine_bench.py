"""Connection benchmark against a local Dovecot: imaprs, the standard library's imaplib and
IMAPClient, side by side in one run.

Starts a throw-away Dovecot on loopback (the test suite's harness), fills a mailbox with a
deterministic realistic corpus, then measures:

1. FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE): imaplib's
   unparsed ``fetch()``, IMAPClient's parsed ``fetch()``, imaprs's parsed responses;
2. every message body (BODY.PEEK[]): imaplib in memory, imaprs streamed to disk by one
   FETCH 1:* with a file sink; time and peak memory of each, measured in a child process;
3. N single-message UID FETCHes: sequential in imaplib, in imaprs's drop-in
   (``imaprs.imaplib``, the same script) and in imaprs, and pipelined with imaprs (the
   FETCH loop is timed; connecting and logging in are not). The sequential loops run in
   alternating rounds, imaplib, the drop-in, imaprs, five each, so that a change in the
   machine's load favours none; the best wall time of each is compared, and the client's CPU time
   per command (this process's, the best round) is shown beside it. They run in three
   placements (``placement.py``): client and Dovecot pinned to one CPU, to a CPU each,
   and as the scheduler places them, whose choice varies from one connection to the next.
   Pipelined: best of five, as scheduled.

Figures, never assertions.

The times of 1. and 3. and the peak memory of 2. are written to ``docs/benchmarks.json``
for the documentation's charts (not with ``--quick`` or ``--no-save``).

usage: python bench/engine_bench.py [--messages 10000] [--singles 2000] [--quick] [--no-save]
"""

from __future__ import annotations

import argparse
import imaplib
import json
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import imaprs
import imaprs.imaplib
from figures import save_charts
from imaprs.testing import Dovecot, seed_mailbox
from placement import PLACEMENTS, placed
from placement import supported as placement_supported

ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"


def timed(fn: Callable[[], Any], repeat: int = 1) -> Tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def imaplib_fetch_all(server: Dovecot, user: str, password: str) -> int:
    conn = imaplib.IMAP4(server.host, server.port)
    conn.login(user, password)
    conn.select("INBOX", readonly=True)
    typ, data = conn.fetch("1:*", ITEMS)
    assert typ == "OK"
    conn.logout()
    # a message is a (header, literal) tuple or a line starting with its number
    return sum(1 for item in data if isinstance(item, tuple) or item[:1].isdigit())


def imapclient_fetch_all(server: Dovecot, user: str, password: str) -> Optional[int]:
    try:
        from imapclient import IMAPClient
    except ImportError:
        return None
    with IMAPClient(server.host, port=server.port, ssl=False, use_uid=False) as client:
        client.login(user, password)
        client.select_folder("INBOX", readonly=True)
        # IMAPClient fetches a list of message numbers (it cannot take "1:*").
        count = client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"]
        items = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE"]
        result = client.fetch(list(range(1, count + 1)), items)
        return len(result)


def imaprs_fetch_all(server: Dovecot, user: str, password: str) -> int:
    with imaprs.IMAP4((server.host, server.port)) as conn:
        conn.login(user, password, allow_cleartext=True)
        conn.select("INBOX", readonly=True)
        cmd = conn.fetch(
            "1:*", "UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE"
        )
        return len(cmd.queue)


def imaplib_singles(
    module: Any, server: Dovecot, user: str, password: str, uids: List[int]
) -> Tuple[float, float]:
    """Seconds of the FETCH loop alone with ``module``'s IMAP4 (imaplib or the drop-in;
    connecting and logging in are not counted): wall time, and this process's CPU time."""
    conn = module.IMAP4(server.host, server.port)
    conn.login(user, password)
    conn.select("INBOX", readonly=True)
    start, cpu = time.perf_counter(), time.process_time()
    for uid in uids:
        typ, _ = conn.uid("FETCH", str(uid), "(FLAGS RFC822.SIZE)")
        assert typ == "OK"
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.logout()
    return elapsed, cpu


def imaprs_singles(
    server: Dovecot, user: str, password: str, uids: List[int], pipelined: bool
) -> Tuple[float, float]:
    """Seconds of the FETCHes alone, one by one or all sent before waiting: wall time, and
    this process's CPU time."""
    with imaprs.IMAP4((server.host, server.port)) as conn:
        conn.login(user, password, allow_cleartext=True)
        conn.select("INBOX", readonly=True)
        start, cpu = time.perf_counter(), time.process_time()
        if pipelined:
            cmds = [conn.fetch([u], "FLAGS", "RFC822.SIZE", uid=True, wait=False) for u in uids]
            for cmd in cmds:
                cmd.wait()
        else:
            for uid in uids:
                conn.fetch([uid], "FLAGS", "RFC822.SIZE", uid=True)
        return time.perf_counter() - start, time.process_time() - cpu


def sequential_rounds(
    creds: Tuple[Dovecot, str, str], uids: List[int], rounds: int = 5
) -> List[Tuple[float, float]]:
    """The best wall and CPU times of imaplib's, the drop-in's and imaprs's sequential
    loops, the rounds alternating so that a change in the machine's load meanwhile favours
    none."""
    runs: List[List[Tuple[float, float]]] = [[], [], []]
    for _ in range(rounds):
        runs[0].append(imaplib_singles(imaplib, *creds, uids))
        runs[1].append(imaplib_singles(imaprs.imaplib, *creds, uids))
        runs[2].append(imaprs_singles(*creds, uids, False))
    return [_best(r) for r in runs]


def _best(runs: List[Tuple[float, float]]) -> Tuple[float, float]:
    return min(wall for wall, _ in runs), min(cpu for _, cpu in runs)


def peak_memory_child(
    mode: str, server: Dovecot, user: str, password: str, out: Path
) -> Dict[str, float]:
    """Downloads every body in a child process and reports its time and peak RSS."""
    code = f"""
import imaplib, json, sys, time
import imaprs
start = time.perf_counter()
total = 0
if {mode!r} == "imaplib":
    conn = imaplib.IMAP4({server.host!r}, {server.port})
    conn.login({user!r}, {password!r})
    conn.select("INBOX", readonly=True)
    typ, data = conn.fetch("1:*", "(BODY.PEEK[])")
    total = sum(len(item[1]) for item in data if isinstance(item, tuple))
    conn.logout()
else:
    with imaprs.IMAP4(({server.host!r}, {server.port})) as conn, open({str(out)!r}, "wb") as sink:
        conn.login({user!r}, {password!r}, allow_cleartext=True)
        conn.select("INBOX", readonly=True)
        conn.fetch("1:*", "BODY.PEEK[]", sink=sink)
        total = sink.tell()
elapsed = time.perf_counter() - start
# VmHWM: this process's peak; ru_maxrss would include the parent's from before exec.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
peak = int(hwm.split()[1]) / 1024
print(json.dumps({{"seconds": elapsed, "peak_mb": peak, "bytes": total}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument(
        "--quick", action="store_true", help="300 messages, 100 singles (a smoke test)"
    )
    parser.add_argument("--no-save", action="store_true", help="do not update the docs figures")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.singles, args.no_save = 300, 100, True

    with Dovecot(install=True) as server:
        user = server.add_user()
        start = time.perf_counter()
        seed_mailbox(server, user.name, args.messages)
        print(
            f"Dovecot {'.'.join(map(str, server.version))}: {args.messages:,} messages seeded "
            f"in {time.perf_counter() - start:.1f} s\n"
        )
        creds = (server, user.name, user.password)

        print("1. FETCH 1:* " + ITEMS)
        base, count = timed(lambda: imaplib_fetch_all(*creds), 3)
        print(f"   imaplib fetch() (unparsed)      {base:7.3f} s  {count:,} messages")
        listing = [("imaplib (unparsed)", base)]
        seconds, count = timed(lambda: imapclient_fetch_all(*creds), 1)
        listing.append(("IMAPClient", seconds if count is not None else None))
        if count is not None:
            print(f"   IMAPClient fetch() (parsed)     {seconds:7.3f} s  {count:,} messages")
        mine, count = timed(lambda: imaprs_fetch_all(*creds), 3)
        print(f"   imaprs fetch() (parsed)         {mine:7.3f} s  {count:,} messages")
        listing.append(("imaprs (parsed)", mine))
        print(
            f"   imaprs / imaplib: {mine / base:.2f}x time (target <= 1.2); "
            f"IMAPClient / imaprs: {seconds / mine:.1f}x (target >= 10)"
        )

        print("\n2. every body, BODY.PEEK[]")
        out = Path(server.root) / "bodies.bin"
        lib = peak_memory_child("imaplib", server, user.name, user.password, out)
        print(
            f"   imaplib  {lib['seconds']:7.3f} s  peak RSS {lib['peak_mb']:7.1f} MB  "
            f"{lib['bytes'] / 1e6:.0f} MB of bodies"
        )
        mine_dl = peak_memory_child("imaprs", server, user.name, user.password, out)
        print(
            f"   imaprs   {mine_dl['seconds']:7.3f} s  peak RSS {mine_dl['peak_mb']:7.1f} MB  "
            "streamed to disk (fetch(..., sink=file))"
        )

        print(f"\n3. {args.singles:,} single-message UID FETCHes")
        uids = list(range(1, args.singles + 1))
        per = 1e6 / len(uids)
        print(
            "   one after another, imaplib, the drop-in (imaprs.imaplib) and imaprs in turns\n"
            "   (best of 5 each); client CPU per command in brackets, imaplib's time over each"
        )
        singles: Dict[str, List[float]] = {}
        pinning = placement_supported()
        placements = PLACEMENTS if pinning else [("as scheduled", None, None)]
        for label, client_cpu, server_cpu in placements:
            where = placed(server.pid, client_cpu, server_cpu) if pinning else nullcontext()
            with where:
                best = sequential_rounds(creds, uids)
            singles[label] = [wall for wall, _ in best]
            base = best[0][0]
            shown = [f"{w:6.3f} s ({c * per:4.1f} us) {base / w:.2f}x" for w, c in best]
            print(
                f"   {label + ':':18} imaplib {shown[0]}   drop-in {shown[1]}   imaprs {shown[2]}"
            )
        base = singles["as scheduled"][0]
        pipe = min(imaprs_singles(*creds, uids, True)[0] for _ in range(5))
        print(
            f"   imaprs pipelined, as scheduled: {pipe:6.3f} s "
            f"({base / pipe:.1f}x imaplib's loop, target >= 5)"
        )
        if not args.no_save:
            n = f"{args.messages:,}"
            save_charts(
                [
                    (
                        "engine-listing",
                        f"Listing {n} messages (envelopes, body structures)",
                        "s",
                        True,
                        listing,
                    ),
                    (
                        "engine-bodies",
                        f"Every body of {n} messages (BODY.PEEK[]): peak memory",
                        "MB",
                        True,
                        [("imaplib", lib["peak_mb"]), ("imaprs (to disk)", mine_dl["peak_mb"])],
                    ),
                    (
                        "engine-singles",
                        f"{args.singles:,} single-message UID FETCHes",
                        "s",
                        True,
                        [
                            (f"{name}, {label}", seconds)
                            for label, times in singles.items()
                            for name, seconds in zip(("imaplib", "drop-in", "imaprs"), times)
                        ]
                        + [("imaprs pipelined", pipe)],
                    ),
                ]
            )


if __name__ == "__main__":
    main()
