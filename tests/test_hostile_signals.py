"""Threads, signals and processes: Ctrl-C during a network wait, a connection used after
os.fork(), callbacks that raise, a greeting dripped a byte at a time."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterator, List, Optional

import pytest

import imaprs
import imaprs.imaplib
from imaprs import IMAP4
from imaprs.testing import ScriptedServer

CAPS = ("IMAP4rev1", "LITERAL+", "IDLE", "AUTH=PLAIN")
TIMEOUT = 5

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")


def silent_server(released: threading.Event) -> Callable[[ScriptedServer], None]:
    """Greets, reads one NOOP and says nothing until ``released`` (or 10 s)."""

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        command = s.next_command()
        if command.name == "CAPABILITY":  # the drop-in asks first
            s.capabilities(command.tag, *CAPS)
            command = s.next_command()
        assert command.name == "NOOP", command
        tag = command.tag
        released.wait(10)
        s.ok(tag)  # too late, or the test failed
        s.drain(timeout=2)

    return script


@pytest.fixture
def sigint_after() -> Iterator[Callable[[float], List[float]]]:
    """Sends SIGINT to this process ``delay`` seconds later; the returned list gets the time
    it was sent. The handler is Python's default one (KeyboardInterrupt)."""
    timers: List[threading.Timer] = []
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def arm(delay: float) -> List[float]:
        sent: List[float] = []

        def fire() -> None:
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

        timer = threading.Timer(delay, fire)
        timers.append(timer)
        timer.start()
        return sent

    yield arm
    for timer in timers:
        timer.cancel()
    signal.signal(signal.SIGINT, previous)


@needs_posix
@pytest.mark.parametrize("timeout", [None, 30.0])
def test_ctrl_c_interrupts_a_native_wait(
    sigint_after: Callable[[float], List[float]], timeout: Optional[float]
) -> None:
    released = threading.Event()
    server = ScriptedServer(script=silent_server(released))
    server.start()
    try:
        imap = IMAP4(server.address, timeout=timeout)
        sent = sigint_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            imap.noop()
        caught = time.monotonic()
        assert not released.is_set()  # the server had not answered
        print(f"\nCtrl-C latency (native, timeout={timeout}): {1000 * (caught - sent[0]):.1f} ms")
        with pytest.raises(imaprs.ConnectionClosed, match="interrupted"):
            imap.noop()  # the stream position is unknown: closed
    finally:
        released.set()
        server.stop()


@needs_posix
def test_ctrl_c_interrupts_a_drop_in_wait(sigint_after: Callable[[float], List[float]]) -> None:
    released = threading.Event()
    server = ScriptedServer(script=silent_server(released))
    server.start()
    try:
        M = imaprs.imaplib.IMAP4(*server.address)
        sent = sigint_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            M.noop()
        caught = time.monotonic()
        assert not released.is_set()
        print(f"\nCtrl-C latency (drop-in, no timeout): {1000 * (caught - sent[0]):.1f} ms")
        with pytest.raises((M.abort, OSError)):
            M.noop()
    finally:
        released.set()
        server.stop()


def in_child(call: Callable[[], Any], error: type, words: str) -> str:
    """Runs ``call`` in a forked child: 'raised' when it raised ``error`` with ``words``."""
    pid = os.fork()
    if pid == 0:
        code = 1  # it returned
        try:
            call()
        except error as exc:
            code = 0 if words in str(exc) else 2
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    outcomes = {0: "raised", 1: "returned", 2: "raised without the words", 3: "raised otherwise"}
    return outcomes.get(os.waitstatus_to_exitcode(status), "died")


@needs_posix
def test_a_forked_child_cannot_use_the_parents_connection() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.ok(s.expect("NOOP").tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.noop()
        # The child must fail without a byte written.
        assert in_child(imap.noop, imaprs.ConnectionClosed, "after fork()") == "raised"
        imap.noop()  # the parent's connection is unaffected
        imap.logout()
    assert [c.name for c in server.client_commands()] == ["NOOP", "NOOP", "LOGOUT"]


@needs_posix
def test_a_forked_child_cannot_use_the_parents_drop_in_connection() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        s.capabilities(s.expect("CAPABILITY").tag, *CAPS)
        s.ok(s.expect("NOOP").tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    with ScriptedServer(script=script) as server:
        M = imaprs.imaplib.IMAP4(*server.address, timeout=TIMEOUT)
        M.noop()
        # The child gets IMAP4.abort naming the fork, without a byte written.
        assert in_child(M.noop, M.abort, "after fork()") == "raised"
        assert M.noop()[0] == "OK"  # the parent's connection is unaffected
        M.logout()
    assert [c.name for c in server.client_commands()] == ["CAPABILITY", "NOOP", "NOOP", "LOGOUT"]


def test_a_monitor_that_raises_reaches_the_waiting_call() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("NOOP").tag
        s.send("* 4 EXISTS")
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    def monitor(rsp: Any) -> None:
        if rsp.dtype == "EXISTS":
            raise ValueError("monitor failed")

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.set_monitor(monitor)
        with pytest.raises(imaprs.CallbackError) as info:
            imap.noop()
        assert isinstance(info.value.__cause__, ValueError)
        assert [r.dtype for r in imap.queued] == ["EXISTS"]  # kept: the stream is intact
        imap.noop()
        imap.logout()


def test_a_progress_callback_that_raises_reaches_the_waiting_call() -> None:
    body = b"y" * 300_000

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=CAPS, status="PREAUTH")
        tag = s.expect("FETCH").tag
        s.send(f"* 1 FETCH (BODY[] {{{len(body)}}}", body + b")\r\n")
        s.ok(tag)
        s.ok(s.expect("NOOP").tag)
        s.expect_logout()

    def progress(done: int, total: int) -> None:
        raise RuntimeError("progress failed")

    with ScriptedServer(script=script) as server:
        imap = IMAP4(server.address, timeout=TIMEOUT)
        imap.state = "selected"
        with pytest.raises(imaprs.CallbackError) as info:
            imap.fetch(1, "BODY[]", sink=lambda head, data: None, progress=progress)
        assert isinstance(info.value.__cause__, RuntimeError)
        imap.noop()
        imap.logout()


def test_a_greeting_dripped_a_byte_at_a_time_cannot_hold_the_constructor() -> None:
    greeting = b"* OK [CAPABILITY IMAP4rev1] " + b"slow " * 40 + b"\r\n"
    finished = threading.Event()

    def script(s: ScriptedServer) -> None:
        s.drip(greeting, delay=0.05)
        finished.set()

    server = ScriptedServer(script=script)
    server.start()
    try:
        with pytest.raises(imaprs.IMAP4Timeout, match="greeting"):
            IMAP4(server.address, timeout=TIMEOUT, deadline=0.5)
        assert not finished.is_set()  # the server was still dripping
    finally:
        server.stop()


def test_a_continuation_dripped_a_byte_at_a_time_hits_the_deadline() -> None:
    finished = threading.Event()

    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1",), status="PREAUTH")
        s.readline()
        s.drip(b"+ " + b"go ahead " * 20 + b"\r\n", delay=0.05)
        finished.set()

    server = ScriptedServer(script=script)
    server.start()
    try:
        imap = IMAP4(server.address, timeout=TIMEOUT, deadline=0.5)
        with pytest.raises(imaprs.IMAP4Timeout):
            imap.append("INBOX", b"message")
        assert not finished.is_set()
    finally:
        server.stop()
