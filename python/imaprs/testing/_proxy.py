"""A TCP proxy that breaks the connection on purpose, to put in front of a real server.

Example::

    with FaultProxy(("127.0.0.1", 143), after=200, fault="rst") as proxy:
        imap = IMAP4(proxy.address)   # the 201st byte from the server never arrives: RST

The proxy serves one client. It forwards both ways and counts the bytes the server sends
(``direction="server"``, the default) or the client sends (``"client"``); when ``after`` bytes
have passed in that direction, the fault happens:

- ``"close"``: both connections are closed cleanly (FIN), as a server that hangs up;
- ``"rst"``: both are reset (TCP RST), as a crashed host or a middlebox;
- ``"stall"``: nothing more is forwarded either way, and the connections stay open, as a
  server that stopped answering.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType
from typing import List, Optional, Tuple, Type

__all__ = ["FaultProxy"]

_FAULTS = ("close", "rst", "stall")


class FaultProxy:
    """A one-client TCP proxy that cuts, resets or stalls after ``after`` bytes.

    Args:
        upstream: the real server's ``(host, port)``.
        after: bytes forwarded in ``direction`` before the fault (None: never).
        fault: ``"close"``, ``"rst"`` or ``"stall"``.
        direction: whose bytes are counted: ``"server"`` or ``"client"``.
    """

    def __init__(
        self,
        upstream: Tuple[str, int],
        after: Optional[int] = None,
        fault: str = "close",
        direction: str = "server",
    ) -> None:
        if fault not in _FAULTS:
            raise ValueError(f"fault must be one of {_FAULTS}")
        if direction not in ("server", "client"):
            raise ValueError("direction must be 'server' or 'client'")
        self.upstream = upstream
        self.after = after
        self.fault = fault
        self.direction = direction
        #: Bytes forwarded so far: ``{"server": n, "client": n}``.
        self.forwarded = {"server": 0, "client": 0}
        #: Set once the fault has happened.
        self.tripped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def address(self) -> Tuple[str, int]:
        """Where clients connect."""
        host, port = self._listener.getsockname()[:2]
        return host, port

    def __enter__(self) -> FaultProxy:
        thread = threading.Thread(target=self._accept, name="imaprs-fault-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stops forwarding and closes every socket."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for sock in self._sockets:
            _close(sock)
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
                break
            except socket.timeout:
                continue
            except OSError:
                return
        else:
            return
        try:
            server = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            _close(client)
            return
        for sock in (client, server):
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sockets += [client, server]
        for src, dst, who in ((server, client, "server"), (client, server, "client")):
            thread = threading.Thread(
                target=self._pump, args=(src, dst, who), name=f"imaprs-proxy-{who}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _pump(self, src: socket.socket, dst: socket.socket, who: str) -> None:
        while not self._stop.is_set():
            try:
                data = src.recv(65536)
            except OSError:
                break
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                break
            with self._lock:
                if self.tripped.is_set():
                    if self.fault == "stall":
                        continue  # swallowed
                    break
                data = self._before_fault(data, who)
                self.forwarded[who] += len(data)
            with contextlib.suppress(OSError):
                dst.sendall(data)
            if self.tripped.is_set():
                self._trip()
                if self.fault != "stall":
                    break

    def _before_fault(self, data: bytes, who: str) -> bytes:
        """The part of ``data`` that passes; marks the fault when the count is reached."""
        if self.after is None or who != self.direction:
            return data
        room = self.after - self.forwarded[who]
        if len(data) >= room:
            self.tripped.set()
            return data[: max(room, 0)]
        return data

    def _trip(self) -> None:
        if self.fault == "stall":
            return
        for sock in self._sockets:
            _close(sock, reset=self.fault == "rst")


def _close(sock: socket.socket, reset: bool = False) -> None:
    """Closes ``sock``, waking a thread blocked reading it; with ``reset``, a TCP RST
    instead of a FIN (SHUT_RD wakes the reader without sending anything)."""
    with contextlib.suppress(OSError):
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RD)
        else:
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
