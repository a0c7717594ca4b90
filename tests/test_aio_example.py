"""The asyncio page's example script (examples/aio_newest.py), run as its users run it:
the 20 newest messages, newest first, sender and subject decoded, over verified TLS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from imaprs._servers import Dovecot, User

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "aio_newest.py"


def test_the_twenty_newest_messages(dovecot: Dovecot, dovecot_user: User) -> None:
    for n in range(1, 26):
        dovecot.deliver(
            dovecot_user.name,
            b"From: =?utf-8?q?J=C3=B6rg_N=C3=A4f?= <jorg@example.org>\r\n"
            + f"Subject: =?utf-8?q?R=C3=A9sum=C3=A9_{n}?=\r\n\r\nbody {n}\r\n".encode(),
        )
    argv = [sys.executable, str(SCRIPT), "localhost", dovecot_user.name]
    argv += ["--port", str(dovecot.ssl_port), "--cafile", str(dovecot.ca_file)]
    env = dict(os.environ, IMAPRS_PASSWORD=dovecot_user.password)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 20
    assert [line.split()[-1] for line in lines] == [str(n) for n in range(25, 5, -1)]
    assert all(line.startswith("Jörg Näf") and "Résumé" in line for line in lines)
