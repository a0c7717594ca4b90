"""backup and restore through the console script: incremental, resumable, lossless."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, Tuple

import pytest
from clirun import Run, clean_env, connection_args, script

import imaprs
from imaprs._servers import Dovecot, User, iter_big_message, make_big_message, seed_mailbox

Snapshot = Dict[bytes, Tuple[Tuple[str, ...], int]]
QUOTED = b"From: x@example.com\r\nSubject: quoting\r\n\r\nFrom here on\r\n>From there\r\n"


def snapshot(dovecot: Dovecot, user: User, folder: str) -> Snapshot:
    """Each message of ``folder`` (its bytes) -> (flags without \\Recent, INTERNALDATE)."""
    out: Snapshot = {}
    with imaprs.IMAP4((dovecot.host, dovecot.ssl_port), ssl_ctx=dovecot.client_context()) as imap:
        imap.login(user.name, user.password)
        imap.select(folder, readonly=True)
        cmd = imap.fetch("1:*", "FLAGS", "INTERNALDATE", "BODY.PEEK[]")
        for rsp in cmd.queue:
            items = imaprs.response_map(rsp)
            flags = tuple(sorted(f for f in items["FLAGS"] if f != "\\Recent"))
            out[items["BODY[]"]] = (flags, imaprs.idate2unix(items["INTERNALDATE"]))
    return out


def fill(dovecot: Dovecot, user: User, folder: str = "INBOX", count: int = 25) -> None:
    """Realistic mail with flags and dates, a message streamed in chunks, a keyword, and a
    body line that mbox must quote."""
    seed_mailbox(dovecot, user.name, count, folder=folder)
    dovecot.deliver(user.name, make_big_message(300_000), folder=folder, flags="F", when=1e9)
    dovecot.deliver(user.name, QUOTED, folder=folder)
    with imaprs.IMAP4((dovecot.host, dovecot.ssl_port), ssl_ctx=dovecot.client_context()) as imap:
        imap.login(user.name, user.password)
        imap.select(folder)
        imap.store("2:3", "+FLAGS", "$Forwarded", "Work")


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_backup_twice_then_restore_gives_the_same_messages(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User, tmp_path: Path, fmt: str
) -> None:
    fill(dovecot, dovecot_user)
    dest = tmp_path / "backup"
    first = imaprs_cli("backup", "INBOX", str(dest), "--format", fmt)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "INBOX: 27 new message(s) saved, 27 in the backup\n"
    assert "INBOX: 27/27 messages" in first.stderr  # the plain progress line at the end
    again = imaprs_cli("backup", "INBOX", str(dest), "--format", fmt)
    assert again.stdout == "INBOX: 0 new message(s) saved, 27 in the backup\n"

    if fmt == "maildir":
        files = sorted((dest / "INBOX" / "cur").iterdir())
        assert len(files) == 27
        for path in files:
            stamp = int(path.name.split(".")[0])
            assert int(path.stat().st_mtime) == stamp  # INTERNALDATE
        src = dest / "INBOX"
    else:
        src = dest / "INBOX.mbox"
        assert src.read_bytes().count(b"\n>>From there\r\n") == 1

    restored = imaprs_cli("restore", str(src), "Restored")
    assert restored.returncode == 0, restored.stderr
    assert "27 message(s) restored" in restored.stdout
    original = snapshot(dovecot, dovecot_user, "INBOX")
    copy = snapshot(dovecot, dovecot_user, "Restored")
    assert any("$Forwarded" in flags for flags, _ in original.values())
    assert copy == original


def test_new_mail_only_on_the_second_run(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User, tmp_path: Path
) -> None:
    seed_mailbox(dovecot, dovecot_user.name, 5)
    dest = tmp_path / "backup"
    assert imaprs_cli("backup", "INBOX", str(dest)).returncode == 0
    seed_mailbox(dovecot, dovecot_user.name, 3, seed=7)
    proc = imaprs_cli("backup", "INBOX", str(dest))
    assert proc.stdout == "INBOX: 3 new message(s) saved, 8 in the backup\n"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_backup_resumes(
    dovecot: Dovecot, dovecot_user: User, tmp_path: Path, sig: signal.Signals
) -> None:
    """Killed, or stopped with Ctrl-C, while a big message streams in: the next run saves
    everything, once."""
    dovecot.deliver(dovecot_user.name, iter_big_message(30_000_000))
    seed_mailbox(dovecot, dovecot_user.name, 10)
    dest = tmp_path / "backup"
    argv = [script(), "backup", *connection_args(dovecot, dovecot_user), "INBOX", str(dest)]
    env = clean_env(tmp_path, IMAPRS_PASSWORD=dovecot_user.password)
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        spool = dest / "INBOX" / "tmp"
        while proc.poll() is None and not (spool.is_dir() and any(spool.glob("imaprs.*"))):
            time.sleep(0.01)
        assert proc.poll() is None, "the backup ended before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    assert not list((dest / "INBOX" / "cur").iterdir())  # nothing half-written was kept
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and err == b"imaprs: interrupted\n"
        assert not list((dest / "INBOX" / "tmp").iterdir())  # and nothing left behind

    resumed = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == "INBOX: 11 new message(s) saved, 11 in the backup\n"
    names = [p.name for p in (dest / "INBOX" / "cur").iterdir()]
    uids = sorted(int(re.search(r"U(\d+)\.", n).group(1)) for n in names)  # type: ignore[union-attr]
    assert uids == list(range(1, 12))
    assert not list((dest / "INBOX" / "tmp").iterdir())
    big = next(p for p in (dest / "INBOX" / "cur").iterdir() if "U1." in p.name)
    assert big.stat().st_size == 30_000_000


def test_interrupted_mbox_is_cut_back_to_the_last_whole_message(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User, tmp_path: Path
) -> None:
    seed_mailbox(dovecot, dovecot_user.name, 6)
    dest = tmp_path / "backup"
    assert imaprs_cli("backup", "INBOX", str(dest), "--format", "mbox").returncode == 0
    # As a run killed while writing message 7 leaves it: its start written, not logged.
    log = dest / ".imaprs" / "INBOX.uids"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:4]) + b"5 99")  # and a log line cut short
    mbox = dest / "INBOX.mbox"
    with mbox.open("ab") as f:
        f.write(b"From imaprs Thu Jan  1 00:00:00 1970\nSubject: half")
    proc = imaprs_cli("backup", "INBOX", str(dest), "--format", "mbox")
    assert proc.stdout == "INBOX: 2 new message(s) saved, 6 in the backup\n"
    restored = imaprs_cli("restore", str(mbox), "Again")
    assert restored.returncode == 0, restored.stderr
    assert snapshot(dovecot, dovecot_user, "Again") == snapshot(dovecot, dovecot_user, "INBOX")


def test_changed_uidvalidity_starts_the_folder_afresh(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User, tmp_path: Path
) -> None:
    seed_mailbox(dovecot, dovecot_user.name, 3, folder="Work")
    dest = tmp_path / "backup"
    assert imaprs_cli("backup", "Work", str(dest)).returncode == 0
    state = (dest / ".imaprs" / "Work.json").read_text()
    old = int(re.search(r'"uidvalidity": (\d+)', state).group(1))  # type: ignore[union-attr]
    dovecot.doveadm(
        "mailbox", "update", "-u", dovecot_user.name, "--uid-validity", str(old + 1), "Work"
    )
    proc = imaprs_cli("backup", "Work", str(dest))
    assert proc.returncode == 0, proc.stderr
    assert f"UIDVALIDITY changed ({old} -> {old + 1})" in proc.stderr
    assert proc.stdout == "Work: 3 new message(s) saved, 3 in the backup\n"
    assert len(list((dest / f"Work.uidvalidity-{old}" / "cur").iterdir())) == 3
    assert len(list((dest / "Work" / "cur").iterdir())) == 3


def test_restore_of_something_else_fails_clearly(imaprs_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    proc = imaprs_cli("restore", str(tmp_path / "notes.txt"), "X")
    assert proc.returncode == 9
    assert "neither a Maildir" in proc.stderr


def test_unwritable_destination(imaprs_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    proc = imaprs_cli("backup", "INBOX", str(target / "sub"))
    assert proc.returncode == 9
    assert proc.stderr.count("\n") == 1 and str(target) in proc.stderr
    assert os.path.isfile(target)
