"""A tour of imaprs against a local IMAP server that this script starts.

Starts a throw-away Dovecot on loopback (``imaprs.testing.Dovecot``, the harness the tests use
too: own configuration, users and certificate authority; installed with apt-get when missing
and running as root), fills a mailbox with realistic mail, then, over verified TLS:
lists the folders, searches, fetches envelopes and decodes their subjects, downloads every
message with pipelined FETCH commands, streams a large message to disk with a progress bar
(bounded memory whatever its size), and watches the mailbox with IDLE while a second
connection delivers mail.

usage: python examples/tour.py [--messages N] [--big-mb MB]
"""

from __future__ import annotations

import argparse
import email.header
import ssl
import time
from pathlib import Path

import imaprs
from imaprs.testing import Dovecot, seed_mailbox


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
    parser.add_argument("--big-mb", type=int, default=100, help="size of the large message")
    args = parser.parse_args()

    print("Starting a local Dovecot ...")
    with Dovecot(install=True) as server:
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

            big_message(server, user.name, imap, args.big_mb)
            idle_demo(imap, ctx, server, user.name, user.password)
    print("\nDone; the server and its mail are gone.")


def big_message(server: Dovecot, user: str, imap: imaprs.IMAP4, size_mb: int) -> None:
    """Streams one large message to a file: memory stays bounded whatever its size."""
    line = b"All work and no play makes a large attachment.".ljust(998, b".") + b"\r\n"
    body = b"Subject: a big one\r\n\r\n" + line * (size_mb * 1_000_000 // len(line))
    server.deliver(user, body, folder="Big")
    del body
    imap.select("Big", readonly=True)
    target = Path(server.root) / "big.eml"
    print(f"\nStreaming a {size_mb} MB message to {target.name}:")

    shown = [-1]

    def bar(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent == shown[0]:
            return  # redraw once per percent
        shown[0] = percent
        filled = 40 * done // max(total, 1)
        text = f"[{'#' * filled}{'-' * (40 - filled)}] {done / 1e6:6.1f} of {total / 1e6:.1f} MB"
        print(f"\r   {text}", end="", flush=True)

    start = time.perf_counter()
    with open(target, "wb") as sink:
        imap.fetch(1, "BODY.PEEK[]", sink=sink, progress=bar)
    elapsed = time.perf_counter() - start
    size = target.stat().st_size
    print(f"\n   {size / 1e6:.1f} MB on disk in {elapsed:.2f} s ({size / 1e6 / elapsed:.0f} MB/s)")


def idle_demo(
    imap: imaprs.IMAP4, ctx: ssl.SSLContext, server: Dovecot, user: str, password: str
) -> None:
    """IDLE sees mail that another connection appends."""
    imap.select("INBOX")
    print("\nIDLE on INBOX while a second connection appends a message:")
    with imaprs.IMAP4(("localhost", server.ssl_port), ssl_ctx=ctx, timeout=30) as other:
        other.login(user, password)
        with imap.idle(timeout=10) as idle:
            start = time.perf_counter()
            other.append("INBOX", "Subject: hello from the other side\r\n\r\nhi\r\n")
            for rsp in idle:
                if rsp.dtype == "EXISTS":
                    waited = (time.perf_counter() - start) * 1000
                    print(f"   * {rsp[0]} EXISTS, {waited:.0f} ms after the APPEND")
                    break


if __name__ == "__main__":
    main()
