"""The progress display: a rich bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import threading
from pathlib import Path
from typing import List

from clirun import clean_env, connection_args, script

from imaprs._servers import Dovecot, User, seed_mailbox
from imaprs.cli.progress import Progress, RichProgress, make_progress


def test_plain_lines_say_messages_bytes_rate_and_time_left() -> None:
    out = io.StringIO()
    progress = Progress(out, every=0.0)
    progress.start("INBOX", 4, 4000)
    progress.add_bytes(1000)
    progress.add_message()
    progress.finish()
    last = out.getvalue().splitlines()[-1]
    assert last.startswith("INBOX: 1/4 messages, 1.0 KB/4.0 KB, ")
    assert "/s" in last and last.endswith("left")


def test_not_a_terminal_gets_plain_lines() -> None:
    assert type(make_progress(io.StringIO())) is Progress


def test_rich_bar_shows_messages_and_bytes() -> None:
    out = io.StringIO()
    bar = RichProgress(out)
    bar.start("INBOX", 2, 2000)
    bar.add_bytes(2000)
    bar.add_message()
    bar.add_message()
    bar.finish()
    bar.close()
    text = out.getvalue()
    assert "INBOX" in text and "2/2 msgs" in text and "2.0 kB" in text


def test_backup_on_a_terminal_draws_the_bar(
    dovecot: Dovecot, dovecot_user: User, tmp_path: Path
) -> None:
    seed_mailbox(dovecot, dovecot_user.name, 5)
    argv = [script(), "backup", *connection_args(dovecot, dovecot_user), "INBOX", str(tmp_path)]
    env = clean_env(tmp_path, IMAPRS_PASSWORD=dovecot_user.password, TERM="xterm")
    master, terminal = pty.openpty()
    received: List[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last user went away
                return
            if not data:
                return
            received.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=terminal, timeout=120)
    finally:
        os.close(terminal)
        reader.join(timeout=30)
        os.close(master)
    assert proc.returncode == 0
    drawn = b"".join(received).decode("utf-8", "replace")
    assert "5/5 msgs" in drawn
    assert "━" in drawn  # the bar itself
