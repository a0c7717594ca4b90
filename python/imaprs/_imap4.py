"""IMAP4: the native API (the imaplib2 design) over the Rust connection.

A command is sent at once and returns an :class:`IMAP4Command`; with ``wait=True`` (the
default) the call also waits for its completion and raises ``NO``/``BAD`` on failure. The
engine (``_engine.py``) routes every response and lets threads share the connection; this
module holds the connection set-up and the session commands (TLS, authentication,
compression, selection, IDLE); ``_commands.py`` holds the mailbox and message commands.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import ssl
from typing import Any, Callable, Iterator, Optional, Tuple, Union

from . import _imaprs
from ._args import Quoted, Secret
from ._command import IMAP4Command, Raw
from ._commands import Commands
from ._engine import Engine
from ._idle import Idle
from ._log import LOG
from ._tls import TLSOptions, tls_options
from ._types import IMAP4Response
from .errors import (
    NO,
    AccessModeError,
    AuthenticationError,
    IMAP4Error,
    ProtocolError,
    TLSError,
)

__all__ = ["IMAP4", "IMAP4Command", "Raw"]

Address = Union[str, Tuple[str, int]]
SSLContext = Union[ssl.SSLContext, TLSOptions]
#: Continuation requests answered in one AUTHENTICATE before the client cancels it.
MAX_SASL_ROUNDS = 16
#: Answers one SASL challenge (bytes) with bytes, or None to cancel the exchange.
Responder = Callable[[bytes], Optional[bytes]]


class _Noop(IMAP4Command):
    """NOOP: iterating it takes every response off the unclaimed queue, those waiting there
    and those arriving while it runs (NOOP claims nothing itself)."""

    __slots__ = ()

    def __iter__(self) -> Iterator[IMAP4Response]:
        imap = self.imap
        while True:
            while self.queue:
                yield self.queue.popleft()
            with imap._cond:
                rsp = imap.queue.popleft()
            if rsp is not None:
                yield rsp
            elif self.result is not None:
                return
            else:
                imap._wait_for(lambda: bool(imap.queue) or self.result is not None)


class IMAP4(Commands, Engine):
    """A connection to an IMAP server.

    Args:
        addr: ``'host'``, ``'host:port'`` or ``(host, port)``; the port defaults to 993
            with TLS from the start, else 143.
        timeout: seconds any network wait may last (None: forever).
        ssl_ctx: an ``ssl.SSLContext`` or :class:`~imaprs.TLSOptions` (verified unless the
            context says otherwise): TLS from the start, or after STARTTLS when ``starttls``.
        starttls: connect in clear text and require STARTTLS before anything else; a server
            that does not offer it, refuses it, or greets with PREAUTH fails the connection.
        max_line: the longest response line accepted (bytes).
        deadline: seconds one response may take once it has started to arrive (default: ten
            times ``timeout``), so a server sending a byte at a time cannot hold a call for
            ever; each chunk of a streamed literal counts as one.
        crlf_relaxed: accept response lines that end in a bare LF (a broken server); by
            default such a line fails the connection with ``ProtocolError``.
    """

    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Optional[SSLContext] = None,
        *,
        starttls: bool = False,
        max_line: Optional[int] = None,
        deadline: Optional[float] = None,
        crlf_relaxed: bool = False,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive or None")
        implicit = ssl_ctx is not None and not starttls
        host, port = _address(addr, 993 if implicit else 143)
        self.host = host
        tls = tls_options(ssl_ctx) if implicit and ssl_ctx is not None else None
        if deadline is None and timeout is not None:
            deadline = 10 * timeout
        conn = _imaprs._Connection(
            host,
            port,
            timeout,
            tls,
            max_line=max_line,
            deadline=deadline,
            crlf_relaxed=crlf_relaxed,
        )
        conn.set_deadline(deadline)
        self._engine_init(conn, timeout)
        greeting = conn.greeting
        self.greeting = greeting.info
        self.state = "auth" if greeting.status == "PREAUTH" else "!auth"
        LOG.info("connected to %s:%s (%s)", host, port, "TLS" if implicit else "clear text")
        try:
            if starttls and greeting.status == "PREAUTH":
                raise TLSError("server greeted with PREAUTH on a clear-text link; TLS was required")
            if greeting.dtype == "CAPABILITY":
                self._set_caps(greeting[1:])
            else:
                self.capability()
            if "IMAP4REV1" not in self.caps and "IMAP4REV2" not in self.caps:
                raise ProtocolError("server does not speak IMAP4rev1")
            if starttls:
                self.starttls(ssl_ctx if ssl_ctx is not None else ssl.create_default_context())
        except BaseException:
            self.state = "logout"
            conn.close()
            raise

    @property
    def encrypted(self) -> bool:
        """Whether the link is encrypted with TLS."""
        return self._conn.link[0]

    @property
    def compressed(self) -> bool:
        """Whether COMPRESS=DEFLATE is active."""
        return self._conn.link[1]

    def __enter__(self) -> IMAP4:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    # -- session -------------------------------------------------------------------------

    def capability(self) -> IMAP4Command:
        """CAPABILITY; refreshes ``caps``."""
        cmd = self._run(True, "CAPABILITY")
        return cmd

    def noop(self, *, wait: bool = True) -> IMAP4Command:
        """NOOP: gives the server a chance to send news. The news goes to the unclaimed
        queue; iterating the command drains that queue, yielding what was waiting there and
        what the NOOP brought::

            for rsp in imap.noop():
                ...
            assert len(imap.queue) == 0
        """
        cmd = self._send("NOOP", flush=wait)
        cmd.__class__ = _Noop  # the engine makes plain commands; only the iteration differs
        if wait:
            return cmd.wait()
        self._arm_flush()
        return cmd

    def starttls(self, ssl_ctx: Optional[SSLContext] = None) -> IMAP4Command:
        """STARTTLS, then the TLS handshake (verified by default) and a fresh CAPABILITY.
        Everything learnt before the handshake (capabilities, unclaimed responses) is
        forgotten; any byte the server sent after its OK fails the connection."""
        if self.encrypted:
            raise RuntimeError("TLS is already active")
        ctx = ssl_ctx if ssl_ctx is not None else ssl.create_default_context()
        options = tls_options(ctx)
        with self._send_lock:
            cmd = self("STARTTLS")
            try:
                cmd.wait()
                self._conn.set_barrier(None)
                self._conn.starttls(options)
            except IMAP4Error as exc:
                self._fail(
                    exc if isinstance(exc, TLSError) else TLSError(f"STARTTLS failed: {exc}")
                )
                raise self._error from exc  # type: ignore[misc]
            with self._cond:
                self.queue.clear()
                self.caps = set()
            self.capability()
        return cmd

    def login(self, username: str, password: str, allow_cleartext: bool = False) -> IMAP4Command:
        """LOGIN ``"user" "password"`` (quoted strings; non-ASCII ones go as literals).
        Refused under LOGINDISABLED, and on an unencrypted link unless ``allow_cleartext``.
        Capabilities the server sends with its answer replace ``caps``; without any,
        ``caps`` is re-read when it is next needed."""
        if "LOGINDISABLED" in self.caps:
            raise IMAP4Error("LOGIN is disabled by the server (LOGINDISABLED)")
        self._check_cleartext(allow_cleartext)
        cmd = self._run(True, "LOGIN", Quoted(username), Secret(Quoted(password)))
        self._authenticated(cmd)
        return cmd

    def authenticate(
        self,
        mech: Optional[str] = None,
        ir: Optional[bytes] = None,
        cr: Optional[Responder] = None,
        *,
        username: Optional[str] = None,
        secret: Optional[str] = None,
        authzid: Optional[str] = None,
        allow_cleartext: bool = False,
    ) -> IMAP4Command:
        """AUTHENTICATE.

        With ``username`` and ``secret`` (a password, or an OAuth 2.0 token for XOAUTH2 and
        OAUTHBEARER), a built-in mechanism runs the exchange: PLAIN, LOGIN, CRAM-MD5,
        XOAUTH2, OAUTHBEARER, SCRAM-SHA-1, SCRAM-SHA-256 (the server's proof is checked); with
        ``mech=None`` the strongest one the server offers is chosen. Otherwise ``mech`` is
        any mechanism: ``ir`` is its initial response and ``cr(challenge)`` answers each
        challenge (None cancels). The initial response goes with the command when the server
        offers SASL-IR. Base64 is done here, both ways.
        """
        offered = [c[5:] for c in self.caps if c.startswith("AUTH=")]
        if mech is None:
            mech = _imaprs._sasl_preferred(offered) if username is not None else None
            if mech is None:
                raise IMAP4Error(f"no usable SASL mechanism among {sorted(offered)}")
        mech = mech.upper()
        if f"AUTH={mech}" not in self.caps:
            raise IMAP4Error(f"the server does not offer AUTH={mech}")
        if mech in ("PLAIN", "LOGIN"):
            self._check_cleartext(allow_cleartext)
        sasl = None
        if username is not None:
            if secret is None:
                raise TypeError("a built-in mechanism needs username and secret")
            sasl = _imaprs._Sasl(mech, username, secret, authzid, f"{self.host}")
            ir = sasl.initial_response()
            cr = sasl.step
        with self._send_lock:
            inline = ir is not None and "SASL-IR" in self.caps
            args: list[Any] = [Raw(mech)]
            if inline and ir is not None:
                args.append(Secret(Raw(base64.b64encode(ir).decode() or "=")))
            cmd = self("AUTHENTICATE", *args)
            pending = None if inline else ir
            rounds = 0
            while (challenge := self._await_continuation(cmd)) is not None:
                rounds += 1
                why: Optional[str] = None
                if rounds > MAX_SASL_ROUNDS:
                    answer: Optional[bytes] = None
                    why = f"more than {MAX_SASL_ROUNDS} rounds"
                elif pending is not None and not challenge:
                    answer = pending
                    pending = None
                else:
                    try:
                        answer = cr(challenge) if cr is not None else None
                    except IMAP4Error as exc:
                        answer, why = None, str(exc)
                if answer is None:
                    self._send_raw(b"*\r\n")
                    cmd.wait("BAD", "NO", "OK")
                    reason = why or (sasl.server_error if sasl is not None else None)
                    raise AuthenticationError(f"AUTHENTICATE {mech} cancelled", reason or "")
                self._send_raw(base64.b64encode(answer) + b"\r\n", secret=True, answer=cmd.tag)
            cmd.wait()
            if sasl is not None:
                sasl.finish(None)
        self._authenticated(cmd)
        return cmd

    def login_cram_md5(self, username: str, password: str) -> IMAP4Command:
        """AUTHENTICATE CRAM-MD5."""
        return self.authenticate("CRAM-MD5", username=username, secret=password)

    def _check_cleartext(self, allow_cleartext: bool) -> None:
        if not self.encrypted and not allow_cleartext:
            raise IMAP4Error(
                "refusing to send a password over an unencrypted link "
                "(allow_cleartext=True to override)"
            )

    def _authenticated(self, cmd: IMAP4Command) -> None:
        """After LOGIN or AUTHENTICATE: capabilities sent meanwhile (untagged, or as the
        completion's code) have replaced ``caps`` already; without them, ``caps`` is re-read
        when it is next needed (servers change it on login)."""
        self.state = "auth"
        sent = [r for r in (cmd.result, *cmd.queue) if r is not None and r.dtype == "CAPABILITY"]
        if not sent:
            self._caps_stale = True

    @property
    def caps(self) -> set[str]:
        """The server's capabilities (upper case); re-read first when authentication left
        them unknown."""
        if self.__dict__.get("_caps_stale") and self._can_refresh_caps():
            with self._send_lock:
                if self._caps_stale:
                    self._caps_stale = False
                    self.capability()
        return self._session.capabilities()

    @caps.setter
    def caps(self, value: set[str]) -> None:
        self._set_caps(value)
        self._caps_stale = False

    def _can_refresh_caps(self) -> bool:
        return self.state != "logout" and self._error is None and self._idle_cmd() is None

    def compress(self, method: str = "DEFLATE", level: int = 6) -> IMAP4Command:
        """COMPRESS=DEFLATE (RFC 4978): both directions compressed from the server's OK."""
        if method.upper() != "DEFLATE":
            raise ValueError("only DEFLATE compression exists")
        if self.compressed:
            raise RuntimeError("compression is already active")
        with self._send_lock:
            try:
                cmd = self._run(True, "COMPRESS", Raw("DEFLATE"))
            finally:
                self._conn.set_barrier(None)
            try:
                self._conn.compress(max(1, min(9, level)))
            except IMAP4Error as exc:
                self._fail(exc)
                raise
        return cmd

    def logout(self, graceful: bool = True) -> Optional[IMAP4Command]:
        """LOGOUT (after every command in flight completes, when ``graceful``), then closes
        the connection."""
        if self.state == "logout":
            self._conn.close()
            return None
        try:
            if graceful and self._idle_cmd() is None:
                self.wait_all()
            cmd = self("LOGOUT")
            return cmd.wait("OK", "BAD", "NO") if graceful else cmd
        finally:
            with contextlib.suppress(IMAP4Error):  # already failed: nothing more to say
                self._flush()
            self.state = "logout"
            self._conn.close()

    @property
    def selected(self) -> Optional[_imaprs.SelectedMailbox]:
        """The selected mailbox (None outside the selected state): its name, ``readonly``,
        ``exists``, ``recent``, ``uidvalidity``, ``uidnext``, ``flags``,
        ``permanentflags``, ``highestmodseq``, kept current by the EXISTS, EXPUNGE,
        VANISHED, RECENT and FLAGS responses and response codes as they arrive, whichever
        command claims them or none."""
        return self._selected if self.state == "selected" else None

    def select(self, mbox: str = "INBOX", readonly: Optional[bool] = False) -> IMAP4Command:
        """SELECT (EXAMINE when ``readonly``). ``AccessModeError`` when the server opened the
        mailbox in the other mode (``readonly=None`` accepts either). ``.data`` is the
        mailbox's state at selection; :attr:`selected` follows it from then on. A SELECT
        the server refuses leaves no mailbox selected (RFC 3501 §6.3.1)."""
        state = _imaprs.SelectedMailbox(mbox)
        arg = self._mbox(mbox)
        with self._cond:
            self.queue.clear()
            previous, self._selected = self._selected, state  # routing feeds it the responses
        try:
            cmd = self._send("EXAMINE" if readonly else "SELECT", arg, flush=True)
        except BaseException:
            self._selected = previous  # nothing was sent
            raise
        cmd.context = mbox
        try:
            cmd.wait()
        except NO:
            # RFC 3501 6.3.1: a refused SELECT leaves no mailbox selected.
            self._unselected()
            with self._cond:
                self.queue.clear()
            raise
        except BaseException:
            self._selected = previous  # BAD or a failure: the selection did not change
            raise
        if cmd.result is not None:
            state._apply(cmd.result)  # [READ-ONLY] or [READ-WRITE]
        cmd._data = copy.copy(state)
        self.state = "selected"
        self.readonly = state.readonly
        if readonly is not None and self.readonly != bool(readonly):
            raise AccessModeError(f"{mbox} opened {'read-only' if self.readonly else 'read-write'}")
        return cmd

    def examine(self, mbox: str = "INBOX") -> IMAP4Command:
        """EXAMINE: SELECT read-only."""
        return self.select(mbox, readonly=True)

    def close(self, expunge: bool = True) -> IMAP4Command:
        """CLOSE (expunges), or UNSELECT when ``expunge`` is False."""
        if not expunge:
            return self.unselect()
        cmd = self._run(True, "CLOSE")
        self._unselected()
        return cmd

    def unselect(self) -> IMAP4Command:
        """UNSELECT: leaves the mailbox without expunging."""
        cmd = self._run(True, "UNSELECT")
        self._unselected()
        return cmd

    def _unselected(self) -> None:
        with self._cond:
            self._selected = None
        self.state = "auth"

    def enable(self, *caps: str) -> IMAP4Command:
        """ENABLE (e.g. ``'UTF8=ACCEPT'``, ``'CONDSTORE'``, ``'QRESYNC'``). After UTF8=ACCEPT
        is enabled, mailbox names are sent as UTF-8 (``utf8_enabled``)."""
        cmd = self._run(True, "ENABLE", *(Raw(c) for c in caps))
        for rsp in cmd.queue:
            if rsp.dtype == "ENABLED" and "UTF8=ACCEPT" in (str(c).upper() for c in rsp[1:]):
                self.utf8_enabled = True
        return cmd

    def id(
        self, info: Optional[dict[str, Optional[str]]] = None, *, wait: bool = True
    ) -> IMAP4Command:
        """ID (RFC 2971): ``ID NIL``, or the given fields."""
        if info is None:
            return self._run(wait, "ID", None)
        fields: list[Any] = []
        for key, value in info.items():  # RFC 2971: strings or NIL, never atoms
            fields += [Quoted(key), None if value is None else Quoted(value)]
        return self._run(wait, "ID", fields)

    def idle(self, timeout: Optional[float] = None, renew: float = 29 * 60) -> Idle:
        """IDLE as a context manager and iterator::

            with imap.idle(timeout=60) as idle:
                for rsp in idle:      # each response; ends after `timeout` s of silence
                    ...

        DONE is sent on exit; IDLE is renewed every ``renew`` seconds (servers drop an IDLE
        after 30 minutes). No other command can be sent while IDLE runs."""
        return Idle(self, timeout, renew)


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
