"""The session commands of IMAP4, for every face: connection set-up after the greeting,
CAPABILITY, NOOP, STARTTLS, LOGIN, AUTHENTICATE, COMPRESS, SELECT/EXAMINE, CLOSE, UNSELECT,
ENABLE, ID, LOGOUT.

Each method is written once. A single command goes through ``self._run(wait, name, ...)``;
anything of several steps is an operation (``_ops``) driven by ``self._drive``. The blocking
face (``imaprs.IMAP4``) returns the command; the asyncio face (``imaprs.aio.IMAP4``) returns
an awaitable of it. What differs between faces is only how to wait and how the link changes
(``_start_tls``, ``_start_compress``, ``_release_barrier``, ``_close_link``,
``_caps_unknown``), which each face's engine provides.
"""

from __future__ import annotations

import base64
import copy
import ssl
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Union

from . import _imaprs
from ._args import Quoted, Secret
from ._command import IMAP4Command, Raw
from ._ops import Op
from ._tls import TLSOptions, tls_options
from ._types import IMAP4Response
from .errors import (
    NO,
    AccessModeError,
    AuthenticationError,
    ConnectionClosed,
    IMAP4Error,
    ProtocolError,
    TLSError,
)

if TYPE_CHECKING:
    from ._engine import Engine

    _Base = Engine
else:
    _Base = object

__all__ = ["MAX_SASL_ROUNDS", "Responder", "SSLContext", "SessionCommands"]

SSLContext = Union[ssl.SSLContext, TLSOptions]
#: Continuation requests answered in one AUTHENTICATE before the client cancels it.
MAX_SASL_ROUNDS = 16
#: Answers one SASL challenge (bytes) with bytes, or None to cancel the exchange.
Responder = Callable[[bytes], Optional[bytes]]


class SessionCommands(_Base):
    """Mixed into each face's IMAP4 (see the module documentation)."""

    host: str
    greeting: Any
    #: The command class NOOP is sent as (its iteration drains the unclaimed queue).
    _noop_class: type

    if TYPE_CHECKING:  # what each face provides (see the module documentation)
        utf8_enabled: bool

        @property
        def encrypted(self) -> bool: ...
        @property
        def compressed(self) -> bool: ...

        def _mbox(self, name: str) -> Any: ...
        def _caps_unknown(self) -> Any: ...
        def _release_barrier(self) -> None: ...
        def _start_tls(self, options: Any) -> None: ...
        def _start_compress(self, level: int) -> None: ...
        def _close_link(self) -> Any: ...

    def _greeted(
        self, greeting: IMAP4Response, starttls: bool, ssl_ctx: Optional[SSLContext]
    ) -> Op[None]:
        """After the greeting: the state it sets, the capabilities, STARTTLS when asked for.
        Any failure closes the connection."""
        self.greeting = greeting.info
        self.state = "auth" if greeting.status == "PREAUTH" else "!auth"
        try:
            if greeting.status == "BYE":
                raise ConnectionClosed(f"server greeted with BYE: {greeting.info!r}")
            if starttls and greeting.status == "PREAUTH":
                raise TLSError("server greeted with PREAUTH on a clear-text link; TLS was required")
            if greeting.dtype == "CAPABILITY":
                self._set_caps(greeting[1:])
            else:
                yield self._run(True, "CAPABILITY")
            if "IMAP4REV1" not in self.caps and "IMAP4REV2" not in self.caps:
                raise ProtocolError("server does not speak IMAP4rev1")
            if starttls:
                ctx = ssl_ctx if ssl_ctx is not None else ssl.create_default_context()
                yield self._drive(self._starttls(ctx), exclusive=True)
        except BaseException:
            self.state = "logout"
            yield self._close_link()
            raise

    # -- session -------------------------------------------------------------------------

    def capability(self) -> IMAP4Command:
        """CAPABILITY; refreshes ``caps``."""
        return self._run(True, "CAPABILITY")

    def noop(self, *, wait: bool = True) -> IMAP4Command:
        """NOOP: gives the server a chance to send news. The news goes to the unclaimed
        queue; iterating the command drains that queue, yielding what was waiting there and
        what the NOOP brought::

            for rsp in imap.noop():
                ...
            assert len(imap.queue) == 0
        """
        return self._drive(self._noop(wait))

    def _noop(self, wait: bool) -> Op[IMAP4Command]:
        cmd: IMAP4Command = yield self._send("NOOP", flush=wait)
        cmd.__class__ = self._noop_class  # only the iteration differs
        result: IMAP4Command = yield self._finish(cmd, wait)
        return result

    def starttls(self, ssl_ctx: Optional[SSLContext] = None) -> IMAP4Command:
        """STARTTLS, then the TLS handshake (verified by default) and a fresh CAPABILITY.
        Everything learnt before the handshake (capabilities, unclaimed responses) is
        forgotten; any byte the server sent after its OK fails the connection."""
        if self.encrypted:
            raise RuntimeError("TLS is already active")
        ctx = ssl_ctx if ssl_ctx is not None else ssl.create_default_context()
        return self._drive(self._starttls(ctx), exclusive=True)

    def _starttls(self, ctx: SSLContext) -> Op[IMAP4Command]:
        options = tls_options(ctx)
        cmd: IMAP4Command = yield self._send("STARTTLS", flush=True)
        try:
            yield cmd.wait()
            self._release_barrier()
            self._start_tls(options)
        except IMAP4Error as exc:
            self._fail(exc if isinstance(exc, TLSError) else TLSError(f"STARTTLS failed: {exc}"))
            raise self._error from exc  # type: ignore[misc]
        except BaseException:
            # Whether the server switched to TLS is unknown: the link cannot be used.
            self._fail(TLSError("STARTTLS was interrupted"))
            raise
        with self._guard:
            self.queue.clear()
            self._set_caps(())
        yield self._run(True, "CAPABILITY")
        return cmd

    def login(self, username: str, password: str, allow_cleartext: bool = False) -> IMAP4Command:
        """LOGIN ``"user" "password"`` (quoted strings; non-ASCII ones go as literals).
        Refused under LOGINDISABLED, and on an unencrypted link unless ``allow_cleartext``.
        Capabilities the server sends with its answer replace ``caps``; without any,
        ``caps`` is re-read (before it is next needed)."""
        if "LOGINDISABLED" in self.caps:
            raise IMAP4Error("LOGIN is disabled by the server (LOGINDISABLED)")
        self._check_cleartext(allow_cleartext)
        return self._drive(self._login(username, password))

    def _login(self, username: str, password: str) -> Op[IMAP4Command]:
        cmd: IMAP4Command = yield self._run(
            True, "LOGIN", Quoted(username), Secret(Quoted(password))
        )
        yield self._authenticated(cmd)
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
        return self._drive(self._authenticate(mech, ir, cr, sasl), exclusive=True)

    def _authenticate(
        self, mech: str, ir: Optional[bytes], cr: Optional[Responder], sasl: Any
    ) -> Op[IMAP4Command]:
        inline = ir is not None and "SASL-IR" in self.caps
        args: List[Any] = [Raw(mech)]
        if inline and ir is not None:
            args.append(Secret(Raw(base64.b64encode(ir).decode() or "=")))
        cmd: IMAP4Command = yield self._send("AUTHENTICATE", *args, flush=True)
        pending = None if inline else ir
        rounds = 0
        while (challenge := (yield self._await_continuation(cmd))) is not None:
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
                yield self._send_raw(b"*\r\n")  # type: ignore[func-returns-value]
                yield cmd.wait("BAD", "NO", "OK")
                reason = why or (sasl.server_error if sasl is not None else None)
                raise AuthenticationError(f"AUTHENTICATE {mech} cancelled", reason or "")
            line = base64.b64encode(answer) + b"\r\n"
            yield self._send_raw(line, secret=True, answer=cmd.tag)  # type: ignore[func-returns-value]
        yield cmd.wait()
        if sasl is not None:
            sasl.finish(None)
        yield self._authenticated(cmd)
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

    def _authenticated(self, cmd: IMAP4Command) -> Any:
        """After LOGIN or AUTHENTICATE: capabilities sent meanwhile (untagged, or as the
        completion's code) have replaced ``caps`` already; without them, ``caps`` is re-read
        (servers change it on login): the face's ``_caps_unknown`` says when."""
        self.state = "auth"
        sent = [r for r in (cmd.result, *cmd.queue) if r is not None and r.dtype == "CAPABILITY"]
        return None if sent else self._caps_unknown()

    def compress(self, method: str = "DEFLATE", level: int = 6) -> IMAP4Command:
        """COMPRESS=DEFLATE (RFC 4978): both directions compressed from the server's OK."""
        if method.upper() != "DEFLATE":
            raise ValueError("only DEFLATE compression exists")
        if self.compressed:
            raise RuntimeError("compression is already active")
        return self._drive(self._compress(max(1, min(9, level))), exclusive=True)

    def _compress(self, level: int) -> Op[IMAP4Command]:
        try:
            cmd: IMAP4Command = yield self._run(True, "COMPRESS", Raw("DEFLATE"))
        except IMAP4Error:
            self._release_barrier()
            raise
        except BaseException:
            # Whether the server compresses from now on is unknown.
            self._fail(ConnectionClosed("COMPRESS was interrupted"))
            raise
        self._release_barrier()
        try:
            self._start_compress(level)
        except IMAP4Error as exc:
            self._fail(exc)
            raise
        return cmd

    def logout(self, graceful: bool = True) -> Optional[IMAP4Command]:
        """LOGOUT (after every command in flight completes, when ``graceful``), then closes
        the connection."""
        return self._drive(self._logout(graceful))

    def _logout(self, graceful: bool) -> Op[Optional[IMAP4Command]]:
        if self.state == "logout":
            yield self._close_link()
            return None
        try:
            if graceful and self._idle_cmd() is None:
                yield self.wait_all()  # type: ignore[func-returns-value]
            cmd: IMAP4Command = yield self._send("LOGOUT", flush=True)
            if graceful:
                yield cmd.wait("OK", "BAD", "NO")
            return cmd
        finally:
            self.state = "logout"
            yield self._close_link()

    # -- the selected state --------------------------------------------------------------

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
        return self._drive(self._select(mbox, readonly))

    def _select(self, mbox: str, readonly: Optional[bool]) -> Op[IMAP4Command]:
        state = _imaprs.SelectedMailbox(mbox)
        arg = self._mbox(mbox)
        with self._guard:
            self.queue.clear()
            previous, self._selected = self._selected, state  # routing feeds it the responses
        try:
            cmd: IMAP4Command = yield self._send(
                "EXAMINE" if readonly else "SELECT", arg, flush=True
            )
        except BaseException:
            self._selected = previous  # nothing was sent
            raise
        cmd.context = mbox
        try:
            yield cmd.wait()
        except NO:
            # RFC 3501 6.3.1: a refused SELECT leaves no mailbox selected.
            self._unselected()
            with self._guard:
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
        return self._drive(self._leave("CLOSE" if expunge else "UNSELECT"))

    def unselect(self) -> IMAP4Command:
        """UNSELECT: leaves the mailbox without expunging."""
        return self._drive(self._leave("UNSELECT"))

    def _leave(self, name: str) -> Op[IMAP4Command]:
        cmd: IMAP4Command = yield self._run(True, name)
        self._unselected()
        return cmd

    def _unselected(self) -> None:
        with self._guard:
            self._selected = None
        self.state = "auth"

    def enable(self, *caps: str) -> IMAP4Command:
        """ENABLE (e.g. ``'UTF8=ACCEPT'``, ``'CONDSTORE'``, ``'QRESYNC'``). After UTF8=ACCEPT
        is enabled, mailbox names are sent as UTF-8 (``utf8_enabled``)."""
        return self._drive(self._enable(caps))

    def _enable(self, caps: Any) -> Op[IMAP4Command]:
        cmd: IMAP4Command = yield self._run(True, "ENABLE", *(Raw(c) for c in caps))
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
        fields: List[Any] = []
        for key, value in info.items():  # RFC 2971: strings or NIL, never atoms
            fields += [Quoted(key), None if value is None else Quoted(value)]
        return self._run(wait, "ID", fields)
