"""APPEND from the caller's buffer, file or chunks, in bounded memory, with progress; what
goes wrong half-way closes the connection (the server is left inside the literal)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

import imaprs
from imaprs import IMAP4
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer

TIMEOUT = 5
BIG = b"Subject: big\r\n\r\n" + b"0123456789abcdef" * 20_000  # 320 KB: streamed


def appending(caps: Tuple[str, ...], count: int = 1) -> ScriptedServer:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=caps, status="PREAUTH")
        for _ in range(count):
            s.ok(s.expect("APPEND").tag, "APPEND completed")
        s.expect_logout()

    return ScriptedServer(script=script)


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


@pytest.mark.parametrize("caps", [("IMAP4rev1", "LITERAL+"), ("IMAP4rev1",)])
def test_append_from_bytes_file_and_chunks(caps: Tuple[str, ...], tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(BIG)
    seen: List[Tuple[int, int]] = []
    with appending(caps, count=5) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.append("INBOX", BIG, progress=lambda *p: seen.append(p))
        imap.append("INBOX", memoryview(bytearray(BIG)))
        with open(path, "rb") as f:
            imap.append("INBOX", f, ["\\Seen"])
        imap.append("INBOX", chunks(BIG, 7_777), size=len(BIG), idate=0)
        with open(path, "rb") as f:
            f.seek(16)
            imap.append("INBOX", f)  # from the current position
        imap.logout()
    assert seen[-1] == (len(BIG), len(BIG)) and len(seen) >= 1
    appends = [c for c in server.client_commands() if c.name == "APPEND"]
    assert [c.literals for c in appends[:4]] == [[BIG]] * 4
    assert appends[4].literals == [BIG[16:]]
    assert appends[2].args.startswith('"INBOX" (\\Seen) {') and '"01-Jan-1970' in appends[3].args


def test_multiappend_mixes_sources() -> None:
    caps = ("IMAP4rev1", "LITERAL+", "MULTIAPPEND")
    seen: List[Tuple[int, int]] = []
    with appending(caps) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.multiappend(
            "INBOX",
            [
                b"small one",
                (io.BytesIO(BIG), ["\\Flagged"], None),
                (chunks(b"abc", 1), (), None, 3),
            ],
            progress=lambda *p: seen.append(p),
        )
        imap.logout()
    (append,) = [c for c in server.client_commands() if c.name == "APPEND"]
    assert append.literals == [b"small one", BIG, b"abc"]
    assert seen[-1] == (len(BIG) + 12, len(BIG) + 12)


def test_a_stream_without_size_or_with_nul_is_refused_before_sending() -> None:
    with appending(("IMAP4rev1", "LITERAL+"), count=0) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(TypeError, match="size"):
            imap.append("INBOX", chunks(b"abc", 1))
        with pytest.raises(ValueError, match="NUL"):
            imap.append("INBOX", b"a\0b")
        imap.logout()
    assert [c.name for c in server.client_commands()] == ["LOGOUT"]


@pytest.mark.parametrize("size", [len(BIG) - 1, len(BIG) + 1])
def test_chunks_that_do_not_match_their_size_close_the_connection(size: int) -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "LITERAL+"), status="PREAUTH")
        s.drain(timeout=TIMEOUT)

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(ValueError, match="upload"):
            imap.append("INBOX", chunks(BIG, 4096), size=size)
        assert imap.state == "logout"
        with pytest.raises(imaprs.ConnectionClosed, match="half-way"):
            imap.noop()


def test_a_progress_callback_that_raises_mid_upload_closes() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1", "LITERAL+"), status="PREAUTH")
        s.drain(timeout=TIMEOUT)

    def progress(done: int, total: int) -> None:
        raise OSError("stop")

    big = BIG * 8  # several pieces
    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        with pytest.raises(imaprs.CallbackError) as info:
            imap.append("INBOX", big, progress=progress)
        assert isinstance(info.value.__cause__, OSError)
        assert imap.state == "logout"
    assert len(server.received) < len(big)


def test_append_64_mib_in_bounded_memory(dovecot: Dovecot, dovecot_user: User) -> None:
    """Peak RSS of a child process appending a 64 MiB message, beyond the message itself."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc")
    script = f"""
import imaprs
def status(key):
    line = next(l for l in open("/proc/self/status") if l.startswith(key))
    return int(line.split()[1]) // 1024
imap = imaprs.IMAP4(({dovecot.host!r}, {dovecot.port}), timeout=60)
imap.login({dovecot_user.name!r}, {dovecot_user.password!r}, allow_cleartext=True)
line = b"x" * 1022 + b"\\r\\n"
message = b"".join([b"Subject: big\\r\\n\\r\\n"] + [line] * (64 * 1024))
before = status("VmRSS")
imap.append("INBOX", message)
imap.select("INBOX")
size = imap.fetch(1, "RFC822.SIZE").queue[0][2][1]
assert size == len(message), size
imap.logout()
print(status("VmHWM") - before, len(message) >> 20)
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    extra_mb, message_mb = (int(x) for x in proc.stdout.split())
    print(f"\nAPPEND of a {message_mb} MiB message: peak RSS {extra_mb} MiB above the message")
    assert extra_mb < 16, f"{extra_mb} MiB beyond the message"
