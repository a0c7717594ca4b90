"""A tour of imaprs against a local IMAP server that this script starts.

Starts a throw-away Dovecot on loopback (the test suite's harness: own configuration, users
and certificate authority), fills a mailbox with realistic mail, then, over verified TLS:
lists the folders, searches, fetches envelopes and decodes their subjects, and downloads
every message with a progress bar, pipelining the FETCH commands.

usage: python examples/tour.py [--messages N]
"""

from __future__ import annotations

import argparse
import email.header
import ssl
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import imaprs
from servers import Dovecot, seed_mailbox


def subject_of(envelope: list) -> str:  # type: ignore[type-arg]
    raw = envelope[1]
    if raw is None:
        return "(no subject)"
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    parts = email.header.decode_header(text)
    return "".join(
        p.decode(charset or "ascii", "replace") if isinstance(p, bytes) else p
        for p, charset in parts
    )


def progress(done: int, total: int, nbytes: int) -> None:
    width = 40
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r   [{bar}] {done}/{total} messages, {nbytes / 1e6:.1f} MB", end="", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()

    print("Starting a local Dovecot ...")
    with Dovecot() as server:
        user = server.add_user()
        seed_mailbox(server, user.name, args.messages)
        ctx = ssl.create_default_context(cafile=str(server.ca_file))
        print(f"Connecting to localhost:{server.ssl_port} over TLS verified against the test CA")
        with imaprs.IMAP4(("localhost", server.ssl_port), ssl_ctx=ctx, timeout=30) as imap:
            print(f"   greeting: {imap.greeting}")
            imap.login(user.name, user.password)

            print("\nFolders:")
            for rsp in imap.list().queue:
                flags, _, name = rsp[1], rsp[2], rsp[3]
                print(f"   {imaprs.iutf7_decode(name):20} {' '.join(flags)}")

            imap.select("INBOX", readonly=True)
            unseen = imap.search(imaprs.Raw("UNSEEN")).queue[0][1:]
            print(f"\nINBOX: {len(unseen)} unseen messages")

            print("\nThe last 10 envelopes:")
            last = range(max(1, args.messages - 9), args.messages + 1)
            for rsp in imap.fetch(list(last), "UID", "ENVELOPE").queue:
                item = imaprs.response_map(rsp)
                sender = item["ENVELOPE"][2][0] if item["ENVELOPE"][2] else [None, None, "?", "?"]
                frm = f"{sender[2]}@{sender[3]}"
                print(f"   {item['UID']:5}  {frm:32.32}  {subject_of(item['ENVELOPE'])[:60]}")

            print("\nDownloading every message (pipelined FETCHes):")
            start = time.perf_counter()
            cmds = [imap.fetch([n], "BODY.PEEK[]", wait=False) for n in range(1, args.messages + 1)]
            nbytes = 0
            for done, cmd in enumerate(cmds, 1):
                for rsp in cmd:
                    nbytes += len(imaprs.response_map(rsp)["BODY[]"])
                cmd.check()
                if done % 25 == 0 or done == len(cmds):
                    progress(done, len(cmds), nbytes)
            elapsed = time.perf_counter() - start
            print(
                f"\n   {nbytes / 1e6:.1f} MB in {elapsed:.2f} s ({nbytes / 1e6 / elapsed:.0f} MB/s)"
            )
    print("\nDone; the server and its mail are gone.")


if __name__ == "__main__":
    main()
