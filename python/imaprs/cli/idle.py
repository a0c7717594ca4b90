"""``imaprs idle FOLDER``: the sender and subject of each message as it arrives.

IDLE waits for the server's news; when it announces new messages (EXISTS), IDLE ends, the
new messages (UIDs from the last known UIDNEXT on) are fetched and printed, and IDLE starts
again. Ctrl-C ends it.
"""

from __future__ import annotations

import argparse

from .._imap4 import IMAP4
from .mail import open_folder, search, summaries, uids_after

__all__ = ["add_parser", "run"]

#: Seconds one read may last while IDLE waits (the longest Ctrl-C takes to be seen).
POLL = 0.5


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "idle", parents=[common], help="print each new message's sender and subject (Ctrl-C ends)"
    )
    p.add_argument("folder", metavar="FOLDER")
    p.set_defaults(run=run)


def run(imap: IMAP4, opts: argparse.Namespace) -> int:
    status = open_folder(imap, opts.folder, readonly=True)
    top = status.uidnext - 1 if status.uidnext else max(search(imap, ["ALL"]), default=0)
    saved = imap.timeout
    try:
        # Inside the try: a Ctrl-C right after this line still ends the command cleanly.
        print(f"watching {opts.folder} ({status.exists} messages); Ctrl-C to stop", flush=True)
        while True:
            # Ctrl-C is seen between two reads of the connection, not during one: reads are
            # kept short while waiting in IDLE.
            imap.timeout = POLL if saved is None else min(saved, POLL)
            with imap.idle(renew=25 * 60) as watch:
                for rsp in watch:
                    if rsp.dtype == "EXISTS":
                        break
            imap.timeout = saved
            imap.noop(wait=False).wait(timeout=saved)  # reads with the usual timeout again
            new = uids_after(imap, top)
            for summary in summaries(imap, new):
                print(f"{summary.sender}\t{summary.subject}", flush=True)
            top = max(new, default=top)
    except KeyboardInterrupt:
        # IDLE may be half started or half ended: say goodbye without waiting for an answer.
        imap.logout(graceful=False)
        return 0
