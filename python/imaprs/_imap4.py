"""IMAP4 and IMAP4Command: the native API (the imaplib2 design) over the Rust connection.

A command is sent at once and returns an :class:`IMAP4Command`; with ``wait=True`` (the
default) the call also waits for its completion and raises ``NO``/``BAD`` on failure. Every
response read is routed by the core's claiming rules: to the first command in flight that
claims it, or to the unclaimed queue ``IMAP4.queue`` in arrival order.

This is the first slice of the engine: one lock serialises sending and reading, so several
threads may share a connection safely but do not yet overlap their waits.
"""

from __future__ import annotations

import collections
import ssl
import threading
from typing import Any, Deque, Iterable, Iterator, List, Optional, Tuple, Union

from . import _imaprs
from ._functions import qstr_iutf7
from ._tls import TLSOptions, tls_options
from ._types import IMAP4Response, IMAP4SeqSet
from .errors import BAD, BYE, NO, OK, IMAP4Error, ProtocolError

__all__ = ["IMAP4", "IMAP4Command", "Raw"]

Address = Union[str, Tuple[str, int]]


class Raw:
    """Command text sent as it is (``(FLAGS UID)``, ``BODY.PEEK[]``); CR, LF and NUL are
    still refused."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class IMAP4Command:
    """One command sent to the server.

    Attributes:
        tag, name, args, uid: what was sent.
        queue: the responses this command claimed and nobody has taken yet.
        result: the tagged completion, or None while the command runs.
    """

    def __init__(
        self, imap: IMAP4, tag: str, name: str, args: List[Any], seqset: Optional[str]
    ) -> None:
        self.imap = imap
        self.tag = tag
        self.name = name
        self.args = args
        self.uid = name.upper().startswith("UID ")
        self.seqset = seqset
        self.queue: Deque[IMAP4Response] = collections.deque()
        self.result: Optional[IMAP4Response] = None

    def __iter__(self) -> Iterator[IMAP4Response]:
        while True:
            while self.queue:
                yield self.queue.popleft()
            if self.result is not None:
                return
            self.imap._pump()

    def wait(self, *expect: str) -> IMAP4Command:
        """Waits for the completion, then :meth:`check` s it."""
        while self.result is None:
            self.imap._pump()
        return self.check(*expect)

    def check(self, *expect: str) -> IMAP4Command:
        """Raises unless the completion status is one of ``expect`` (default: OK)."""
        if self.result is None:
            raise IMAP4Error("command is not finished")
        status = self.result.status or ""
        if status not in (expect or ("OK",)):
            cls = {"NO": NO, "BAD": BAD, "OK": OK}.get(status, BAD)
            raise cls(f"{self.name} failed", str(self.result.info), self.result, self)
        return self

    def defer(self) -> None:
        """Moves this command's queued responses to the connection's unclaimed queue."""
        for rsp in self.queue:
            self.imap.queue[rsp.seq] = rsp
        self.imap.queue = collections.OrderedDict(sorted(self.imap.queue.items()))
        self.queue.clear()

    def __repr__(self) -> str:
        done = self.result is not None
        return f"{self.name}(tag={self.tag!r}, uid={self.uid}, done={done}, qlen={len(self.queue)})"


class IMAP4:
    """A connection to an IMAP server.

    Args:
        addr: ``'host'``, ``'host:port'`` or ``(host, port)``; the port defaults to 993
            with TLS, else 143.
        timeout: seconds to wait on the network (None: forever).
        ssl_ctx: an ``ssl.SSLContext`` or :class:`~imaprs.TLSOptions`: TLS from the start
            (verified unless the context says otherwise).
    """

    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Union[ssl.SSLContext, TLSOptions, None] = None,
    ) -> None:
        host, port = _address(addr, 993 if ssl_ctx is not None else 143)
        tls = tls_options(ssl_ctx) if ssl_ctx is not None else None
        self._conn = _imaprs._Connection(host, port, timeout, tls)
        self._lock = threading.RLock()
        self.encrypted = tls is not None
        self.queue: collections.OrderedDict[int, IMAP4Response] = collections.OrderedDict()
        self.cmds: collections.OrderedDict[str, IMAP4Command] = collections.OrderedDict()
        # (tag, name, sequence set) of the commands in flight, in send order, for claiming.
        self._active: List[Tuple[str, str, Optional[str]]] = []
        self.caps: set[str] = set()
        self.readonly: Optional[bool] = None
        greeting = self._conn.greeting
        self.greeting = greeting.info
        self.state = "auth" if greeting.status == "PREAUTH" else "!auth"
        if greeting.dtype == "CAPABILITY":
            self._set_caps(greeting[1:])
        else:
            self.capability()
        if "IMAP4REV1" not in self.caps and "IMAP4REV2" not in self.caps:
            self._conn.close()
            raise ProtocolError("server does not speak IMAP4rev1")

    # -- the engine --------------------------------------------------------------------

    def __call__(self, name: str, *args: Any, seqset: Optional[str] = None) -> IMAP4Command:
        """Sends command ``name`` with ``args`` (see ``_Connection.send``) and returns it."""
        if self.state == "logout":
            raise IMAP4Error("connection is closed")
        with self._lock:
            tag = self._conn.tag()
            cmd = IMAP4Command(self, tag, name, list(args), seqset)
            self.cmds[tag] = cmd
            self._active.append((tag, name, seqset))
            self._conn.send(tag, name, list(args))
            return cmd

    imap = __call__

    def _pump(self) -> IMAP4Response:
        """Reads one response and routes it."""
        with self._lock:
            rsp, claimed = self._conn.read(self._active)
            if rsp.dtype == "CAPABILITY":
                self._set_caps(rsp[1:])
            if rsp.type == "done":
                cmd = self.cmds.pop(rsp.tag, None)
                if cmd is None:
                    raise ProtocolError(f"completion for an unknown tag: {rsp.text}")
                self._active.remove((cmd.tag, cmd.name, cmd.seqset))
                cmd.result = rsp
            elif claimed is not None:
                self.cmds[claimed].queue.append(rsp)
            else:
                self.queue[rsp.seq] = rsp
                if rsp.status == "BYE" and not any(c.name == "LOGOUT" for c in self.cmds.values()):
                    self.state = "logout"
                    self._conn.close()
                    raise BYE("server closed the connection", str(rsp.info), rsp)
            return rsp

    def __iter__(self) -> Iterator[IMAP4Response]:
        while True:
            yield self._pump()

    def poll(self) -> Optional[IMAP4Response]:
        """A response if one is already buffered, else None (never waits on the network)."""
        with self._lock:
            return self._pump() if self._conn.has_buffered() else None

    def claim(self, rsp: IMAP4Response) -> IMAP4Response:
        """Takes ``rsp`` off the unclaimed queue."""
        return self.queue.pop(rsp.seq)

    def wait_all(self) -> None:
        """Waits for every command in flight."""
        while self.cmds:
            self._pump()

    def _run(self, wait: bool, name: str, *args: Any, seqset: Optional[str] = None) -> IMAP4Command:
        cmd = self(name, *args, seqset=seqset)
        return cmd.wait() if wait else cmd

    def _set_caps(self, caps: Iterable[Any]) -> None:
        self.caps = {str(c).upper() for c in caps}
        self._conn.set_literal_plus("LITERAL+" in self.caps, "LITERAL-" in self.caps)

    def __enter__(self) -> IMAP4:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    # -- commands ----------------------------------------------------------------------

    def capability(self) -> IMAP4Command:
        """CAPABILITY; refreshes ``caps``."""
        cmd = self._run(True, "CAPABILITY")
        return cmd

    def noop(self, *, wait: bool = True) -> IMAP4Command:
        """NOOP: gives the server a chance to send news (to the unclaimed queue)."""
        return self._run(wait, "NOOP")

    def login(self, username: str, password: str, allow_cleartext: bool = False) -> IMAP4Command:
        """LOGIN. Refused under LOGINDISABLED, and on an unencrypted link unless
        ``allow_cleartext``."""
        if "LOGINDISABLED" in self.caps:
            raise IMAP4Error("LOGIN is disabled by the server (LOGINDISABLED)")
        if not self.encrypted and not allow_cleartext:
            raise IMAP4Error(
                "refusing to send a password over an unencrypted link "
                "(allow_cleartext=True to override)"
            )
        cmd = self._run(True, "LOGIN", username, password)
        self.state = "auth"
        if cmd.result is not None and cmd.result.dtype != "CAPABILITY":
            self.capability()
        return cmd

    def logout(self) -> Optional[IMAP4Command]:
        """LOGOUT, then closes the connection."""
        if self.state == "logout":
            return None
        try:
            return self._run(True, "LOGOUT")
        finally:
            self.state = "logout"
            self._conn.close()

    def select(self, mbox: str = "INBOX", readonly: bool = False) -> IMAP4Command:
        """SELECT (EXAMINE when ``readonly``)."""
        self.queue.clear()
        cmd = self._run(True, "EXAMINE" if readonly else "SELECT", Raw(qstr_iutf7(mbox)))
        self.state = "selected"
        self.readonly = cmd.result is not None and cmd.result.dtype == "READ-ONLY"
        return cmd

    def close(self) -> IMAP4Command:
        """CLOSE: expunges and leaves the selected mailbox."""
        cmd = self._run(True, "CLOSE")
        self.state, self.readonly = "auth", None
        return cmd

    def create(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """CREATE."""
        return self._run(wait, "CREATE", Raw(qstr_iutf7(mbox)))

    def delete(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """DELETE."""
        return self._run(wait, "DELETE", Raw(qstr_iutf7(mbox)))

    def list(self, ref: str = "", mbox: str = "*", *, wait: bool = True) -> IMAP4Command:
        """LIST."""
        return self._run(wait, "LIST", Raw(qstr_iutf7(ref)), Raw(qstr_iutf7(mbox)))

    def status(self, mbox: str, *attrs: str, wait: bool = True) -> IMAP4Command:
        """STATUS (default: MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)."""
        items = attrs or ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN")
        return self._run(wait, "STATUS", Raw(qstr_iutf7(mbox)), Raw(f"({' '.join(items)})"))

    def append(
        self,
        mbox: str,
        data: Union[bytes, str],
        flags: Iterable[str] = (),
        idate: Optional[str] = None,
        *,
        wait: bool = True,
    ) -> IMAP4Command:
        """APPEND ``data`` (a literal) with ``flags`` and INTERNALDATE ``idate``."""
        body = data.encode() if isinstance(data, str) else bytes(data)
        args: List[Any] = [Raw(qstr_iutf7(mbox))]
        flag_list = [f for f in flags if f.upper() != "\\RECENT"]
        if flag_list:
            args.append(Raw("(" + " ".join(flag_list) + ")"))
        if idate is not None:
            args.append(idate)
        args.append(body)
        return self._run(wait, "APPEND", *args)

    def search(self, *criteria: Any, wait: bool = True, uid: bool = False) -> IMAP4Command:
        """[UID] SEARCH CHARSET UTF-8 criteria (strings are sent as atoms, quoted strings or
        literals as needed; use :class:`Raw` for syntax)."""
        spec = list(criteria) or [Raw("ALL")]
        return self._run(wait, _uid(uid, "SEARCH"), Raw("CHARSET UTF-8"), *spec)

    def fetch(self, seqset: Any, *attrs: str, wait: bool = True, uid: bool = False) -> IMAP4Command:
        """[UID] FETCH ``seqset`` (attrs); the command claims the FETCH responses inside the
        set (every FETCH for text such as ``'1:*'``)."""
        text, claim = _seqset(seqset)
        items = Raw("(" + " ".join(attrs or ("FLAGS",)) + ")")
        return self._run(wait, _uid(uid, "FETCH"), Raw(text), items, seqset=claim)

    def store(
        self, seqset: Any, item: str, *flags: str, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] STORE ``seqset`` item (flags)."""
        text, claim = _seqset(seqset)
        return self._run(
            wait,
            _uid(uid, "STORE"),
            Raw(text),
            Raw(item),
            Raw("(" + " ".join(flags) + ")"),
            seqset=claim,
        )

    def expunge(self, *, wait: bool = True) -> IMAP4Command:
        """EXPUNGE."""
        return self._run(wait, "EXPUNGE")


def _uid(uid: bool, name: str) -> str:
    return f"UID {name}" if uid else name


def _seqset(seqset: Any) -> Tuple[str, Optional[str]]:
    """The wire text of a sequence set, and the set to claim by (None: claim every FETCH)."""
    if isinstance(seqset, int):
        seqset = [seqset]
    if isinstance(seqset, str):
        if seqset.replace(",", "").replace(":", "").isdigit():
            return seqset, seqset
        return seqset, None
    text = str(seqset if isinstance(seqset, IMAP4SeqSet) else IMAP4SeqSet(seqset))
    return text, text


def _address(addr: Address, default_port: int) -> Tuple[str, int]:
    """``(host, port)`` from ``'host'``, ``'host:port'``, ``'[v6]:port'`` or a tuple."""
    if isinstance(addr, tuple):
        return addr[0], int(addr[1])
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if addr.count(":") == 1:
        host, port = addr.split(":")
        return host, int(port)
    return addr, default_port
