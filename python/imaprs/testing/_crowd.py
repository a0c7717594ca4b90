"""A crowd server: thousands of IMAP clients at once, for scale tests of IDLE.

:class:`ScriptedServer` serves one client from a thread; this one serves any number from one
asyncio event loop, in a child process of its own so that its memory and CPU time are not
counted with the client's. Every client gets the same small server: a PREAUTH greeting
stating ``IMAP4rev1 IDLE``, then CAPABILITY, NOOP, CHECK, IDLE (``+``, then DONE completes
it) and LOGOUT; anything else is answered BAD. The test side drives it through a pipe::

    with CrowdServer() as crowd:
        ...                            # connect 1,000 clients to crowd.address, IDLE each
        crowd.wait_idling(1000)        # the server has seen 1,000 IDLE commands
        crowd.push("* 2 EXISTS")       # sent to every client in IDLE at once

Standard library only, like the rest of :mod:`imaprs.testing`.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import threading
import time
from typing import IO, Any, Optional, Set, Tuple

from ._certs import Certificate

__all__ = ["CrowdServer", "raise_file_limit"]

#: The child's program (run with ``-c``: the module is then imported once, not run twice).
_CHILD = "import sys; from imaprs.testing._crowd import main; main(*sys.argv[1:])"

_GREETING = b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] crowd server ready\r\n"


class CrowdServer:
    """Serves many clients from an asyncio loop in a child process (see the module
    documentation). ``files``: the descriptor limit the child asks for itself (its soft
    RLIMIT_NOFILE, up to the hard limit)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        files: int = 8192,
        timeout: float = 30.0,
        certificate: Optional[Certificate] = None,
    ):
        self._host, self._files, self.timeout = host, files, timeout
        #: With a certificate (:func:`make_test_certificate`), clients speak implicit TLS.
        self.certificate = certificate
        self._proc: Optional[subprocess.Popen[str]] = None
        self._address: Optional[Tuple[str, int]] = None

    @property
    def address(self) -> Tuple[str, int]:
        """The ``(host, port)`` the server listens on."""
        if self._address is None:
            raise RuntimeError("the crowd server is not started: use it as a context manager")
        return self._address

    def __enter__(self) -> CrowdServer:
        argv = [sys.executable, "-c", _CHILD, self._host, str(self._files)]
        if self.certificate is not None:
            argv += [str(self.certificate.cert_file), str(self.certificate.key_file)]
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        port = int(self._ask(None, "listening"))
        self._address = (self._host, port)
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        try:
            assert proc.stdin is not None
            proc.stdin.write("quit\n")
            proc.stdin.close()
            proc.wait(self.timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def idling(self) -> int:
        """How many clients are in IDLE (the server sent ``+`` and has not seen DONE)."""
        return int(self._ask("count", "idling"))

    def wait_idling(self, count: int, timeout: Optional[float] = None) -> None:
        """Waits until at least ``count`` clients are in IDLE (TimeoutError after
        ``timeout`` seconds, the server's by default)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while (now := self.idling()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{now} clients of {count} are in IDLE")
            time.sleep(0.05)

    def push(self, line: str) -> int:
        """Sends ``line`` (CRLF added) to every client in IDLE; returns how many."""
        if "\r" in line or "\n" in line:
            raise ValueError("one line, without CR or LF")
        return int(self._ask(f"push {line}", "pushed"))

    def _ask(self, request: Optional[str], answer: str) -> str:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("the crowd server is not running")
        if request is not None:
            proc.stdin.write(request + "\n")
        reply = proc.stdout.readline().split()
        if len(reply) != 2 or reply[0] != answer:
            raise RuntimeError(f"the crowd server answered {reply!r} (exit {proc.poll()})")
        return reply[1]


# -- the child process ---------------------------------------------------------------------


class _Crowd:
    def __init__(self) -> None:
        self.idle: Set[asyncio.StreamWriter] = set()
        self.clients: Set[asyncio.StreamWriter] = set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.clients.add(writer)
        writer.write(_GREETING)
        idle_tag: Optional[bytes] = None
        try:
            while line := await reader.readline():
                if idle_tag is not None:
                    self.idle.discard(writer)
                    if line.rstrip(b"\r\n").upper() == b"DONE":
                        writer.write(idle_tag + b" OK IDLE terminated\r\n")
                    else:
                        writer.write(idle_tag + b" BAD expected DONE\r\n")
                    idle_tag = None
                    continue
                tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
                name = rest.split(b" ", 1)[0].upper()
                if name == b"IDLE":
                    idle_tag = tag
                    writer.write(b"+ idling\r\n")
                    self.idle.add(writer)
                elif name in (b"NOOP", b"CHECK"):
                    writer.write(tag + b" OK " + name + b" completed\r\n")
                elif name == b"CAPABILITY":
                    writer.write(b"* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + b" OK done\r\n")
                elif name == b"LOGOUT":
                    writer.write(b"* BYE see you\r\n" + tag + b" OK LOGOUT completed\r\n")
                    break
                else:
                    writer.write(tag + b" BAD not served here\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.idle.discard(writer)
            self.clients.discard(writer)
            writer.close()

    def push(self, line: bytes) -> int:
        for writer in self.idle:
            writer.write(line)
        return len(self.idle)


def _control(loop: asyncio.AbstractEventLoop, crowd: _Crowd, out: IO[str], stop: Any) -> None:
    """Reads the test side's requests from stdin (a thread) and answers on stdout."""
    for request in sys.stdin:
        word, _, arg = request.rstrip("\n").partition(" ")
        if word == "count":
            answer = f"idling {len(crowd.idle)}"
        elif word == "push":
            data = arg.encode() + b"\r\n"
            count = asyncio.run_coroutine_threadsafe(_call(crowd.push, data), loop).result()
            answer = f"pushed {count}"
        else:
            break
        out.write(answer + "\n")
        out.flush()
    loop.call_soon_threadsafe(stop.set)


async def _call(func: Any, *args: Any) -> Any:
    return func(*args)


async def _main(host: str, tls: Optional[ssl.SSLContext]) -> None:
    crowd = _Crowd()
    server = await asyncio.start_server(crowd.serve, host, 0, backlog=4096, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_control, args=(loop, crowd, sys.stdout, stop), daemon=True).start()
    await stop.wait()
    server.close()
    for writer in list(crowd.clients):
        writer.close()


def raise_file_limit(wanted: int) -> None:
    """Raises this process's own soft RLIMIT_NOFILE to ``wanted`` (at most its hard limit;
    never lowers it). Unix only."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def main(host: str, files: str, cert_file: str = "", key_file: str = "") -> None:
    """The child process: raises its own descriptor limit to ``files``, then serves (over
    TLS with the certificate and key given)."""
    raise_file_limit(int(files))
    tls = None
    if cert_file:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert_file, key_file)
    asyncio.run(_main(host, tls))
