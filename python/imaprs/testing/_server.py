"""The scripted server: one client connection served from a thread by a script (see the
package documentation for an example)."""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import struct
import threading
import time
from types import TracebackType
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, Type, Union

from ._wire import _LITERAL, Command, parse_commands, split_command

__all__ = ["ClientClosed", "Script", "ScriptedServer", "serve_minimal"]


#: A script: a callable run in the server thread with the server as its only argument.
Script = Callable[["ScriptedServer"], None]

_DEFAULT_CAPS = ("IMAP4rev1", "LITERAL+", "AUTH=PLAIN")


class ClientClosed(ConnectionError):
    """The client closed or reset the connection while the script was reading."""


class ScriptedServer:
    """A thread serving one IMAP client from a script.

    Args:
        addr: address to listen on; port 0 picks a free port (see ``address``).
        script: callable taking the server; ``None`` runs a minimal server that answers
            CAPABILITY, NOOP, LOGIN and LOGOUT.
        ssl_ctx: a server-side context for implicit TLS (IMAPS): the handshake happens right
            after the client connects, before the script runs.
        timeout: seconds allowed for accepting the client, for each read, and for the script
            to finish once the ``with`` block is left.
    """

    def __init__(
        self,
        addr: Tuple[str, int] = ("127.0.0.1", 0),
        script: Optional[Script] = None,
        ssl_ctx: Optional[ssl.SSLContext] = None,
        timeout: float = 10.0,
    ) -> None:
        self._addr = addr
        self._script: Script = script if script is not None else serve_minimal
        self._ssl_ctx = ssl_ctx
        self.timeout = timeout
        #: Every byte exchanged, in order: ``("C", data)`` from the client, ``("S", data)`` sent.
        self.transcript: List[Tuple[str, bytes]] = []
        self._listener: Optional[socket.socket] = None
        self._address: Optional[Tuple[str, int]] = None
        self._conn: Optional[socket.socket] = None
        self._buf = bytearray()
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None  # raised by the script before any stop()
        self._aborted = threading.Event()
        self._waited = False

    # -- lifecycle (test side) -------------------------------------------------------------

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if exc is None:
            self.wait()
            return
        # The test failed. A failed assertion in the script is the likely cause and is raised;
        # other script errors (the client hung up, ...) are usually consequences: noted only.
        error = self.stop()
        if isinstance(error, AssertionError):
            raise error
        if error is not None and hasattr(exc, "add_note"):
            exc.add_note(f"the server script failed too: {error!r}")

    @property
    def address(self) -> Tuple[str, int]:
        """The ``(host, port)`` the server listens on."""
        if self._address is None:
            raise RuntimeError("the server is not started: use it as a context manager")
        return self._address

    def start(self) -> None:
        """Bind, listen and start the script thread (``__enter__`` calls it)."""
        if self._listener is not None:
            raise RuntimeError("a ScriptedServer serves one client and starts once")
        family = socket.AF_INET6 if ":" in self._addr[0] else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(self._addr)
            listener.listen(1)
            listener.settimeout(0.05)
        except BaseException:
            listener.close()
            raise
        self._listener = listener
        host, port = listener.getsockname()[:2]
        self._address = (host, port)
        self._thread = threading.Thread(target=self._run, name="imaprs-scripted-server")
        self._thread.daemon = True
        self._thread.start()

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait for the script to finish and re-raise its exception, if it raised one.

        Raises:
            TimeoutError: the script was still running after ``timeout`` (default: the
                server's) seconds; it is then stopped.
        """
        if self._thread is None or self._waited:
            return
        timeout = self.timeout if timeout is None else timeout
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.stop()
            raise TimeoutError(
                f"the server script was still running after {timeout} s; "
                f"transcript: {self.transcript!r}"
            )
        self._waited = True
        if self._error is not None:
            raise self._error

    def stop(self) -> Optional[BaseException]:
        """Stop the script (its socket is shut down) and return what it had raised, if anything."""
        self._abort()
        if self._thread is not None:
            self._thread.join(self.timeout)
        self._waited = True
        return self._error

    # -- script side: reading ----------------------------------------------------------------

    def readline(self) -> bytes:
        """Read one line from the client and return it without its line ending."""
        return self._read_line().rstrip(b"\r\n")

    def read(self, n: int) -> bytes:
        """Read exactly ``n`` bytes from the client."""
        while len(self._buf) < n:
            self._fill()
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def next_command(self, continuation: str = "+ go ahead") -> Command:
        """Read one complete command, literals included.

        A synchronising literal ``{n}`` is answered with ``continuation`` before its data is
        read; a non-synchronising one (``{n+}``) is not answered.
        """
        text = bytearray()
        literals: List[bytes] = []
        while True:
            line = self._read_line()
            match = _LITERAL.search(line)
            if match is None:
                text += line.rstrip(b"\r\n")
                break
            text += line[: match.end(3) + 1]
            if not match.group(3):
                self.send(continuation)
            literals.append(self.read(int(match.group(2))))
        return split_command(bytes(text), literals)

    def expect(self, name: str) -> Command:
        """Read the next command and assert that its name is ``name`` (case-insensitive)."""
        command = self.next_command()
        if command.name != name.upper():
            raise AssertionError(f"expected a {name.upper()} command, the client sent {command}")
        return command

    def expect_close(self, timeout: Optional[float] = None) -> None:
        """Assert that the client closes the connection without sending anything more."""
        conn = self._connection()
        if self._buf:
            raise AssertionError(f"expected the client to close, it sent {bytes(self._buf)!r}")
        conn.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = conn.recv(65536)
        except (ConnectionError, ssl.SSLError):
            return
        except socket.timeout:
            raise AssertionError("the client did not close the connection") from None
        finally:
            conn.settimeout(self.timeout)
        if data:
            self.transcript.append(("C", data))
            raise AssertionError(f"expected the client to close, it sent {data!r}")

    def expect_logout(self) -> None:
        """Read a LOGOUT command and answer it with BYE and OK."""
        tag = self.expect("LOGOUT").tag
        self.bye("logging out")
        self.ok(tag, "LOGOUT completed")

    # -- script side: writing ----------------------------------------------------------------

    def send(self, *lines_or_bytes: Union[str, bytes]) -> None:
        """Send lines (``str``, CRLF appended) and raw data (``bytes``, sent as they are)."""
        data = b"".join(
            item.encode("utf-8") + b"\r\n" if isinstance(item, str) else bytes(item)
            for item in lines_or_bytes
        )
        self._send_raw(data)

    def greeting(
        self,
        status: str = "OK",
        caps: Optional[Iterable[str]] = None,
        text: str = "IMAP4rev1 scripted server ready",
    ) -> None:
        """Send the greeting: ``* OK``, ``* PREAUTH`` or ``* BYE``, with optional capabilities.

        ``caps`` become a ``[CAPABILITY ...]`` response code; ``IMAP4rev1`` is put first when no
        ``IMAP4...`` capability is given.
        """
        code = "" if caps is None else f"[CAPABILITY {_caps(caps)}] "
        self.send(f"* {status} {code}{text}")

    def capabilities(self, tag: str, *caps: str) -> None:
        """Answer a CAPABILITY command (default: IMAP4rev1 LITERAL+ AUTH=PLAIN)."""
        self.send(f"* CAPABILITY {_caps(caps or _DEFAULT_CAPS)}")
        self.ok(tag, "CAPABILITY completed")

    def ok(self, tag: str, text: str = "done", code: Optional[str] = None) -> None:
        """Send a tagged OK, with an optional response code (without its brackets)."""
        self._status(tag, "OK", text, code)

    def no(self, tag: str, text: str = "failed", code: Optional[str] = None) -> None:
        """Send a tagged NO, with an optional response code (without its brackets)."""
        self._status(tag, "NO", text, code)

    def bad(self, tag: str, text: str = "bad command", code: Optional[str] = None) -> None:
        """Send a tagged BAD, with an optional response code (without its brackets)."""
        self._status(tag, "BAD", text, code)

    def bye(self, text: str = "closing connection") -> None:
        """Send an untagged BYE (the connection stays open until ``close``)."""
        self.send(f"* BYE {text}")

    def challenge(self, data: bytes = b"") -> bytes:
        """Send a continuation request ``+ base64(data)`` and return the client's reply line."""
        self.send("+ " + base64.b64encode(data).decode("ascii"))
        return self.readline()

    def starttls(self, ctx: ssl.SSLContext, inject: bytes = b"", handshake: bool = True) -> Command:
        """Answer the client's STARTTLS with OK, then switch the connection to TLS.

        Args:
            ctx: server-side TLS context.
            inject: bytes sent in the same write as the ``OK`` line, before the handshake: the
                STARTTLS injection attack (CVE-2011-0411 and its kin).
            handshake: set to ``False`` to stop after sending, e.g. to assert with
                ``expect_close`` that the client hung up on injected bytes.

        Raises:
            AssertionError: the client sent bytes after STARTTLS and before the handshake.
            ClientClosed: the client hung up instead of doing the handshake.
        """
        command = self.expect("STARTTLS")
        self._send_raw(f"{command.tag} OK Begin TLS negotiation now\r\n".encode() + inject)
        if handshake:
            self.start_tls(ctx)
        return command

    def close(self) -> None:
        """Drop the connection (no BYE, no TLS close_notify)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            _shutdown(conn)
            conn.close()

    def send_segments(
        self, data: Union[str, bytes], sizes: Union[int, Sequence[int]] = 1, delay: float = 0.0
    ) -> None:
        """Send ``data`` (``str``: a line, CRLF appended) cut into TCP segments: of ``sizes``
        bytes each (an int), or of the given sizes in turn (the rest in one last segment),
        sleeping ``delay`` seconds between two of them."""
        raw = data.encode("utf-8") + b"\r\n" if isinstance(data, str) else bytes(data)
        cuts = [sizes] * (len(raw) // sizes + 1) if isinstance(sizes, int) else list(sizes)
        pos = 0
        for size in cuts:
            if pos >= len(raw):
                return
            self._send_raw(raw[pos : pos + max(1, size)])
            pos += max(1, size)
            if delay and pos < len(raw):
                time.sleep(delay)
        if pos < len(raw):
            self._send_raw(raw[pos:])

    def fin(self) -> None:
        """Half-close: the client reads end of stream; the script can still read what it
        sends."""
        with contextlib.suppress(OSError):
            self._connection().shutdown(socket.SHUT_WR)

    def rst(self) -> None:
        """Reset the connection (TCP RST, no FIN): the client's next read or write fails."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def start_tls(self, ctx: ssl.SSLContext) -> None:
        """Switch to TLS now, whatever was said before (TLS on demand): the server side of
        the handshake runs at once. ``starttls`` is the usual way, after a STARTTLS command."""
        if self._buf:
            raise AssertionError(f"the client sent {bytes(self._buf)!r} before the TLS handshake")
        try:
            self._conn = ctx.wrap_socket(self._connection(), server_side=True)
        except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:
            raise ClientClosed(f"the client closed instead of the TLS handshake: {exc}") from exc

    def expect_silence(self, seconds: float) -> None:
        """Assert that the client sends nothing for ``seconds`` (closing is fine)."""
        conn = self._connection()
        if self._buf:
            raise AssertionError(f"expected silence, the client sent {bytes(self._buf)!r}")
        conn.settimeout(seconds)
        try:
            data = conn.recv(65536)
        except socket.timeout:
            return
        except (ConnectionError, ssl.SSLError):
            return
        finally:
            with contextlib.suppress(OSError):
                conn.settimeout(self.timeout)
        if data:
            self.transcript.append(("C", data))
            raise AssertionError(f"expected silence, the client sent {data!r}")

    def drain(self, timeout: Optional[float] = None) -> bytes:
        """Read whatever the client sends until it closes the connection (or ``timeout``
        seconds of silence pass) and return it; it is in ``received`` too."""
        conn = self._connection()
        conn.settimeout(self.timeout if timeout is None else timeout)
        out = bytearray(self._buf)
        self._buf.clear()
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                self.transcript.append(("C", data))
                out += data
        except (OSError, ssl.SSLError):
            pass
        return bytes(out)

    @property
    def received(self) -> bytes:
        """Every byte the client sent so far that the script read, in order."""
        return b"".join(data for who, data in self.transcript if who == "C")

    def client_commands(self) -> List[Command]:
        """The commands in ``received``, cut literal-aware (see ``parse_commands``): what
        the client sent, not what the script chose to read."""
        return parse_commands(self.received)[0]

    def sleep(self, seconds: float) -> None:
        """Pause the script."""
        time.sleep(seconds)

    def drip(self, data: bytes, delay: float = 0.0) -> None:
        """Send ``data`` one byte per write, sleeping ``delay`` seconds between writes."""
        for i in range(len(data)):
            self._send_raw(data[i : i + 1])
            if delay:
                time.sleep(delay)

    # -- internals ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._accept()
            self._script(self)
        except BaseException as exc:
            if not self._aborted.is_set():
                self._error = exc
        finally:
            self.close()
            if self._listener is not None:
                self._listener.close()

    def _accept(self) -> None:
        assert self._listener is not None
        deadline = time.monotonic() + self.timeout
        while True:
            if self._aborted.is_set():
                raise ClientClosed("the server was stopped before a client connected")
            try:
                conn, _ = self._listener.accept()
                break
            except socket.timeout:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no client connected within {self.timeout} s") from None
        self._listener.close()
        conn.settimeout(self.timeout)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        if self._ssl_ctx is not None:
            self._conn = self._ssl_ctx.wrap_socket(conn, server_side=True)

    def _abort(self) -> None:
        self._aborted.set()
        conn = self._conn
        if conn is not None:
            _shutdown(conn)

    def _connection(self) -> socket.socket:
        if self._conn is None:
            raise ClientClosed("the connection is closed")
        return self._conn

    def _fill(self) -> None:
        try:
            data = self._connection().recv(65536)
        except socket.timeout:
            raise TimeoutError(
                f"the client sent nothing for {self.timeout} s; transcript: {self.transcript!r}"
            ) from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ClientClosed(f"the client connection failed: {exc}") from exc
        if not data:
            raise ClientClosed("the client closed the connection")
        self.transcript.append(("C", data))
        self._buf += data

    def _read_line(self) -> bytes:
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            start = len(self._buf)
            self._fill()

    def _send_raw(self, data: bytes) -> None:
        self.transcript.append(("S", data))
        self._connection().sendall(data)

    def _status(self, tag: str, status: str, text: str, code: Optional[str]) -> None:
        bracket = f"[{code}] " if code else ""
        self.send(f"{tag} {status} {bracket}{text}")


def serve_minimal(srv: ScriptedServer) -> None:
    """The default script: greet, then answer CAPABILITY, NOOP, LOGIN and LOGOUT, BAD otherwise."""
    srv.greeting()
    while True:
        try:
            command = srv.next_command()
        except ClientClosed:
            return
        if command.name == "CAPABILITY":
            srv.capabilities(command.tag)
        elif command.name in ("NOOP", "LOGIN"):
            srv.ok(command.tag, f"{command.name} completed")
        elif command.name == "LOGOUT":
            srv.bye("logging out")
            srv.ok(command.tag, "LOGOUT completed")
            return
        else:
            srv.bad(command.tag, f"{command.name or 'empty command'} not supported here")


def _caps(caps: Iterable[str]) -> str:
    items = list(caps)
    if not any(cap.upper().startswith("IMAP4") for cap in items):
        items.insert(0, "IMAP4rev1")
    return " ".join(items)


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
