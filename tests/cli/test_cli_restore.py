"""``imaprs restore`` streams each message from its file: a 100 MB message in a Maildir or
an mbox goes up with the process's peak memory far below its size."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Tuple

import pytest
from clirun import clean_env, connection_args

import imaprs
from imaprs._servers import Dovecot, User, iter_big_message
from imaprs.cli.mbox import _CHUNK as CHUNK
from imaprs.cli.mbox import read_message, scan_mbox

BIG = 100_000_000
SMALL = (
    b"From: x@example.com\r\nSubject: quoting\r\nStatus: RO\r\nX-Status: F\r\n\r\n"
    b">From here on\r\n>>From there\r\n"
)
# Runs the command line as __main__ and writes its own peak RSS (VmHWM) to stderr on exit.
WRAPPER = """
import atexit, runpy, sys
def report():
    hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    sys.stderr.write("PEAK_KB %s\\n" % hwm.split()[1])
atexit.register(report)
sys.argv = ["imaprs", *sys.argv[1:]]
runpy.run_module("imaprs", run_name="__main__", alter_sys=True)
"""


def write_maildir(root: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    with open(root / "cur" / "1000.big:2,S", "wb") as out:
        for chunk in iter_big_message(BIG):
            out.write(chunk)
    (root / "cur" / "2000.small:2,F").write_bytes(
        SMALL.replace(b"Status: RO\r\nX-Status: F\r\n", b"")
    )


def write_mbox(path: Path) -> None:
    with open(path, "wb") as out:
        out.write(b"From imaprs Thu Jan  1 00:00:00 2015\n")
        for chunk in iter_big_message(BIG):
            out.write(chunk)
        out.write(b"\nFrom imaprs Fri Jan  2 00:00:00 2015\n")
        out.write(SMALL.replace(b">>From", b">>>From").replace(b">From here", b">>From here"))
        out.write(b"\n")


def restored(dovecot: Dovecot, user: User, folder: str) -> Tuple[Any, Any, bytes]:
    """The big and the small message restored (their FetchItems), and the small one's bytes."""
    with imaprs.IMAP4((dovecot.host, dovecot.ssl_port), ssl_ctx=dovecot.client_context()) as imap:
        imap.login(user.name, user.password)
        imap.select(folder, readonly=True)
        items = imap.fetch("1:*", "FLAGS", "RFC822.SIZE", uid=True).data.values()
        small, big = sorted(items, key=lambda m: m.size)
        body = imap.fetch(small.uid, "BODY.PEEK[]", uid=True).data[small.uid]["BODY[]"]
        return big, small, body


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_restore_streams_a_big_message_in_bounded_memory(
    dovecot: Dovecot, dovecot_user: User, tmp_path: Path, fmt: str
) -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc")
    src = tmp_path / ("Maildir" if fmt == "maildir" else "mail.mbox")
    write_maildir(src) if fmt == "maildir" else write_mbox(src)
    env = clean_env(tmp_path, IMAPRS_PASSWORD=dovecot_user.password)
    argv = [sys.executable, "-c", WRAPPER, "restore", *connection_args(dovecot, dovecot_user)]
    argv += ["--no-progress", str(src), "Restored"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Restored: 2 message(s) restored" in proc.stdout
    peak_mb = int(proc.stderr.rsplit("PEAK_KB ", 1)[1].split()[0]) // 1024
    print(f"\nrestore of a {BIG // 10**6} MB message ({fmt}): peak RSS {peak_mb} MB")
    assert peak_mb < 64, f"peak RSS {peak_mb} MB for a {BIG // 10**6} MB message"

    big, small, body = restored(dovecot, dovecot_user, "Restored")
    assert big.size == BIG
    assert ("\\Seen" in big.flags) == (fmt == "maildir")  # the mbox gives it no Status
    assert body == SMALL.replace(b"Status: RO\r\nX-Status: F\r\n", b"")
    assert "\\Flagged" in small.flags


def test_mbox_read_in_pieces_gives_each_message_whole(tmp_path: Path) -> None:
    """Lines far longer than a piece, a piece that is only the end of a line, a long
    ``From `` line, quoted ``From`` lines and our status headers: each message comes back as
    it was, and its announced size is its length."""
    long_line = b"x" * (CHUNK * 3 + 17) + b"\r\n"
    edge = b"y" * (CHUNK - 1) + b"\n"  # the piece after it is only "\n"
    messages = [
        (b"Subject: one\r\n\r\n" + long_line + b"From the start\r\n", ("\\Seen",)),
        (b"Subject: two\n\n" + edge + b"\nFrom here\n", ()),
        (b"Subject: three\r\n\r\n>From quoted\r\nend\r\n", ("\\Flagged", "Work")),
    ]
    stored = {
        (): b"",
        ("\\Seen",): b"Status: RO\r\n",
        ("\\Flagged", "Work"): b"Status: O\r\nX-Status: F\r\nX-Keywords: Work\r\n",
    }
    with open(tmp_path / "m.mbox", "wb") as out:
        for n, (data, flags) in enumerate(messages):
            head, sep, body = (
                data.partition(b"\r\n\r\n") if b"\r\n\r\n" in data else data.partition(b"\n\n")
            )
            quoted = re.sub(rb"(?m)^(>*From )", rb">\1", sep[: len(sep) // 2] + body)
            sender = (
                b"From " + (b"z" * CHUNK if n == 1 else b"imaprs") + b" Thu Jan  1 00:00:00 2015\n"
            )
            out.write(sender + head + sep[: len(sep) // 2] + stored[flags] + quoted + b"\n")
    entries = list(scan_mbox(tmp_path / "m.mbox"))
    assert len(entries) == 3
    for entry, (data, flags) in zip(entries, messages):
        got = b"".join(read_message(tmp_path / "m.mbox", entry))
        assert got == data
        assert entry.size == len(data)
        assert set(entry.flags) == set(flags)
