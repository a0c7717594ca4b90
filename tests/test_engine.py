"""The engine against a real Dovecot: threads, pipelining, the unclaimed queue, IDLE,
streaming, STARTTLS, COMPRESS, literals, logging."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import pytest

import imaprs
from imaprs import IMAP4, Raw, response_map
from imaprs._servers import Dovecot, User


def connect(dovecot: Dovecot, user: User, **kw: object) -> IMAP4:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=20, **kw)  # type: ignore[arg-type]
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def fill(imap: IMAP4, count: int, mbox: str = "INBOX") -> None:
    cmds = [
        imap.append(
            mbox, f"Subject: message {i}\r\nFrom: a@example.com\r\n\r\nbody {i}\r\n", wait=False
        )
        for i in range(1, count + 1)
    ]
    for cmd in cmds:
        cmd.wait()


def subjects(cmd: imaprs.IMAP4Command) -> Dict[int, str]:
    """UID -> subject from FETCH (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) responses."""
    out = {}
    for rsp in cmd:
        data = response_map(rsp[2])
        header = next(v for k, v in data.items() if k.startswith("BODY"))
        out[data["UID"]] = header.decode().strip().removeprefix("Subject: ")
    return out


def test_eight_threads_share_one_connection(dovecot: Dovecot, dovecot_user: User) -> None:
    """8 threads x 500 commands on one connection, every result checked. Threads fetch the
    same messages and ask for the same STATUS at once: commands whose responses could be
    confused are not pipelined, so each still gets exactly its own."""
    with connect(dovecot, dovecot_user) as imap:
        fill(imap, 20)
        imap.create("Other")
        imap.select("INBOX")
        errors: List[BaseException] = []
        done = [0] * 8

        def work(n: int) -> None:
            try:
                for i in range(500):
                    uid = (n * 7 + i) % 20 + 1
                    if i % 10 == 9:
                        status = imap.status("Other", "MESSAGES")
                        assert [r[1:] for r in status.queue] == [["Other", ["MESSAGES", 0]]]
                    elif i % 10 == 5:
                        found = imap.search(Raw(f"UID {uid}"), uid=True)
                        assert [r[1:] for r in found.queue] == [[uid]]
                    else:
                        cmd = imap.fetch(uid, "UID", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]", uid=True)
                        assert subjects(cmd) == {uid: f"message {uid}"}
                    done[n] += 1
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors[0]
        assert done == [500] * 8
        assert not imap.cmds


def test_a_command_waited_on_in_another_thread(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        cmd = imap.list("", "*", wait=False)
        results: List[object] = []
        t = threading.Thread(target=lambda: results.append(cmd.wait()))
        t.start()
        t.join(10)
        assert results == [cmd] and cmd.result is not None and cmd.result.status == "OK"
        assert any(r[-1] == "INBOX" for r in cmd.queue)


def test_pipelined_fetch_while_another_connection_appends(
    dovecot: Dovecot, dovecot_user: User
) -> None:
    """The EXISTS caused by another client goes to the unclaimed queue, not to a FETCH."""
    with connect(dovecot, dovecot_user) as imap, connect(dovecot, dovecot_user) as other:
        fill(imap, 20)
        imap.select("INBOX")
        cmds = [imap.fetch(i, "UID", "FLAGS", wait=False) for i in range(1, 21)]
        other.append("INBOX", "Subject: late\r\n\r\nx\r\n")
        cmds += [imap.noop(wait=False)]
        for i, cmd in enumerate(cmds[:-1], 1):
            cmd.wait()
            assert [r[0] for r in cmd.queue] == [i] and all(r.dtype == "FETCH" for r in cmd.queue)
        cmds[-1].wait()
        deadline = time.monotonic() + 5
        while not any(r.dtype == "EXISTS" for r in imap.queued) and time.monotonic() < deadline:
            imap.noop()
        exists = [r for r in imap.queued if r.dtype == "EXISTS"]
        assert len(exists) == 1 and exists[0][0] == 21  # coalesced to the newest


def test_idle_sees_a_message_from_another_connection(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap, connect(dovecot, dovecot_user) as other:
        imap.select("INBOX")
        with imap.idle(timeout=5) as idle:
            started = time.monotonic()
            other.append("INBOX", "Subject: news\r\n\r\nx\r\n")
            seen = None
            for rsp in idle:
                if rsp.dtype == "EXISTS":
                    seen = time.monotonic() - started
                    break
        assert seen is not None and seen < 1.0
        imap.noop()  # DONE was sent: commands work again
        assert imap.fetch("1", "UID").result is not None


def test_idle_ends_after_its_timeout_and_renews(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        imap.select("INBOX")
        started = time.monotonic()
        with imap.idle(timeout=1.5, renew=0.5) as idle:
            assert list(idle) == []
            first = idle.cmd
        assert 1.4 < time.monotonic() - started < 5
        assert first is not None and first.result is not None and first.result.status == "OK"
        imap.noop()


def test_stream_a_200_mb_message_to_a_file(
    dovecot: Dovecot, dovecot_user: User, tmp_path: Path
) -> None:
    """A 200 MB message goes to disk with bounded memory (measured in a child process)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc")
    size = 200 * 1024 * 1024
    line = b"x" * 998 + b"\r\n"
    body = b"Subject: big\r\n\r\n" + line * (size // len(line))
    dovecot.deliver(dovecot_user.name, body)
    out = tmp_path / "big.eml"
    script = f"""
import sys, imaprs
imap = imaprs.IMAP4(({dovecot.host!r}, {dovecot.port}), timeout=30)
imap.login({dovecot_user.name!r}, {dovecot_user.password!r}, allow_cleartext=True)
imap.select("INBOX")
seen = []
with open({str(out)!r}, "wb") as f:
    cmd = imap.fetch(1, "BODY.PEEK[]", sink=f, progress=lambda *p: seen.append(p))
rsp = cmd.queue[0]
assert rsp[2][1] == b"", rsp
assert seen[-1][0] == seen[-1][1], seen[-1]
imap.logout()
# VmHWM is this process's peak (ru_maxrss would include the parent's from before exec).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(int(hwm.split()[1]) // 1024)
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    peak_mb = int(proc.stdout.split()[-1])
    assert out.stat().st_size == len(body)
    with open(out, "rb") as f:
        assert f.read(16) == body[:16]
    assert peak_mb < 64, f"peak RSS {peak_mb} MB"


def test_starttls_on_connect(dovecot: Dovecot, dovecot_user: User) -> None:
    ctx = dovecot.client_context()
    with IMAP4(("localhost", dovecot.port), ssl_ctx=ctx, starttls=True, timeout=10) as imap:
        assert imap.encrypted and "STARTTLS" not in imap.caps
        imap.login(dovecot_user.name, dovecot_user.password)  # no opt-in needed over TLS
        imap.compress()
        assert imap.compressed
        fill(imap, 3)
        imap.select("INBOX")
        assert len(imap.fetch("1:*", "UID").queue) == 3
    wrong_name = imaprs.TLSOptions.from_files(
        cafile=dovecot.ca_file, server_name="imap.example.com"
    )
    with pytest.raises(imaprs.TLSError, match="certificate"):
        IMAP4((dovecot.host, dovecot.port), ssl_ctx=wrong_name, starttls=True, timeout=10)
    with pytest.raises(imaprs.TLSError, match="certificate"):
        IMAP4(("localhost", dovecot.port), ssl_ctx=imaprs.TLSOptions(), starttls=True, timeout=10)


def test_sync_literals_and_non_ascii_login(dovecot: Dovecot) -> None:
    """Without LITERAL+ every literal waits for '+': LOGIN with two literals works."""
    imap = IMAP4((dovecot.host, dovecot.port), timeout=10)
    imap._conn.set_literal_plus(False, False)
    imap.login("zoë", dovecot.users["zoë"], allow_cleartext=True)
    imap._conn.set_literal_plus(False, False)
    cmd = imap.multiappend(
        "INBOX", [b"Subject: a\r\n\r\na\r\n", (b"Subject: b\r\n\r\nb\r\n", ["\\Seen"], None)]
    )
    assert cmd.result is not None and cmd.result.dtype == "APPENDUID"
    assert imap.status("INBOX", "MESSAGES").queue[0][2] == ["MESSAGES", 2]
    imap.logout()


def test_trace_log_hides_secrets(
    dovecot: Dovecot, dovecot_user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="imaprs")
    with connect(dovecot, dovecot_user) as imap:
        imap.list()
    text = caplog.text
    assert "LOGIN" in text and "<secret>" in text and "* LIST" in text
    assert dovecot_user.password not in text


def test_monitor_block_poll_and_defer(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap, connect(dovecot, dovecot_user) as other:
        seen: List[str] = []
        assert imap.set_monitor(lambda rsp: seen.append(rsp.type)) is None
        imap.select("INBOX")
        assert "done" in seen and "data" in seen
        with pytest.raises(TypeError):
            imap.set_monitor(42)  # type: ignore[arg-type]
        imap.set_monitor(None)
        assert imap.poll() is None
        assert imap.block(timeout=0.3) is None
        other.append("INBOX", "Subject: x\r\n\r\nx\r\n")
        imap.noop()  # Dovecot tells of new mail when a command runs (or in IDLE)
        rsp = imap.poll()
        assert rsp is not None and rsp.dtype in ("EXISTS", "RECENT")
        imap.defer(rsp)
        assert next(iter(imap.queued)) is rsp
        assert imap.claim(rsp) is rsp


def test_raw_command_and_unknown_extension(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        cmd = imap("GETMETADATA", "", Raw("/shared/comment"))
        assert cmd.wait().result is not None
        with pytest.raises(ValueError):
            imap("NOOP", Raw("a\r\nb"))


def test_a_sink_gets_small_bodies_too(dovecot: Dovecot, dovecot_user: User) -> None:
    """FETCH 1:* with a sink: every body goes to the sink, large or small, in order."""
    with connect(dovecot, dovecot_user) as imap:
        bodies = [f"Subject: {i}\r\n\r\n".encode() + b"y" * (i * 40_000) for i in range(4)]
        for body in bodies:
            imap.append("INBOX", body)
        imap.select("INBOX")
        got: Dict[int, bytearray] = {}

        def sink(head: bytes, data: bytes) -> None:
            number = int(head.split()[1])
            got.setdefault(number, bytearray()).extend(data)

        cmd = imap.fetch("1:*", "UID", "BODY.PEEK[]", sink=sink)
        assert {n: bytes(b) for n, b in got.items()} == {i + 1: b for i, b in enumerate(bodies)}
        assert all(response_map(r[2])["BODY[]"] == b"" for r in cmd.queue)
        assert cmd.literal_bytes == sum(map(len, bodies))
