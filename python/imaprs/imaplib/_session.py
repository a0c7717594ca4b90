"""The commands about the session: capabilities, logging in (LOGIN, AUTHENTICATE with an
imaplib authobject, CRAM-MD5), STARTTLS, ENABLE, NOOP, LOGOUT and extension commands, plus
``response()``/``recent()`` for what the server reported on its own."""

from __future__ import annotations

import base64
import hmac
import ssl
from typing import Any, Callable, List, Optional, Tuple

from .. import _tls
from . import _helpers as H
from . import _link
from ._core import IMAP4Base

Result = Tuple[str, List[Any]]


class _Authenticator:
    """Wraps an imaplib authobject for AUTHENTICATE: each server challenge is decoded from
    base64 and given to it; what it returns (bytes, or str sent as UTF-8) is encoded back, and
    None becomes ``*``, which cancels the exchange."""

    def __init__(self, mechinst: Callable[[bytes], Any]) -> None:
        self.mech = mechinst

    def process(self, data: Optional[bytes]) -> bytes:
        answer = self.mech(self.decode(data))
        return b"*" if answer is None else self.encode(answer)

    def encode(self, inp: Any) -> bytes:
        return base64.b64encode(inp.encode("utf-8") if isinstance(inp, str) else inp)

    def decode(self, inp: Optional[bytes]) -> bytes:
        return base64.b64decode(inp) if inp else b""


class SessionCommands(IMAP4Base):
    """The session's commands, with imaplib's signatures and results."""

    def _ask(self, name: str, *args: Any, keep: Optional[str] = None) -> Result:
        """Runs a command; with ``keep``, the result is the untagged data of that name
        (taken out of ``untagged_responses``) unless the command failed with NO."""
        typ, dat = self._simple_command(name, *args)
        return (typ, dat) if keep is None else self._untagged_response(typ, dat, keep)

    # -- what the server said on its own ---------------------------------------------------

    def response(self, code: str) -> Result:
        """``(code, data)``: the data kept for a response or response code (``EXISTS``,
        ``UIDVALIDITY``...), taken out; ``(code, [None])`` when there is none."""
        return self._untagged_response(code, [None], code.upper())

    def recent(self) -> Result:
        """The RECENT counts reported so far; when there are none, a NOOP asks for news."""
        found = self._untagged_response("OK", [None], "RECENT")
        if found[1][-1]:
            return found
        typ, dat = self.noop()
        return self._untagged_response(typ, dat, "RECENT")

    # -- session ---------------------------------------------------------------------------

    def capability(self) -> Result:
        return self._ask("CAPABILITY", keep="CAPABILITY")

    def noop(self) -> Result:
        if self.debug >= 3:
            self._dump_ur(self.untagged_responses)
        return self._ask("NOOP")

    def namespace(self) -> Result:
        return self._ask("NAMESPACE", keep="NAMESPACE")

    def enable(self, capability: str) -> Result:
        if "ENABLE" not in self.capabilities:
            raise self.error("Server does not support ENABLE")
        typ, dat = self._ask("ENABLE", capability)
        if typ == "OK" and "UTF8=ACCEPT" in capability.upper():
            self._mode_utf8()
        return typ, dat

    def xatom(self, name: str, *args: Any) -> Result:
        """Any command, such as one the server announced in its capabilities; allowed from
        then on in the current state. Its untagged responses stay in
        ``untagged_responses``."""
        name = name.upper()
        H.Commands.setdefault(name, (self.state,))
        return self._ask(name, *args)

    def logout(self) -> Result:
        self.state = "LOGOUT"
        result = self._ask("LOGOUT")
        self.shutdown()
        return result

    # -- logging in ------------------------------------------------------------------------

    def login(self, user: str, password: str) -> Result:
        """LOGIN; the password is always sent quoted. Under LOGINDISABLED nothing is sent."""
        if "LOGINDISABLED" in self.capabilities:
            raise self.error("LOGIN is disabled by the server (LOGINDISABLED)")
        self._refuse_early_replies()
        typ, dat = self._ask("LOGIN", user, self._quote(password))
        if typ != "OK":
            raise self.error(dat[-1])
        self.state = "AUTH"
        return typ, dat

    def authenticate(self, mechanism: str, authobject: Callable[[bytes], Any]) -> Result:
        """AUTHENTICATE ``mechanism``: ``authobject(challenge)`` gets each decoded challenge
        and returns the answer (bytes or str), or None to cancel."""
        self.literal = _Authenticator(authobject).process
        typ, dat = self._ask("AUTHENTICATE", mechanism.upper())
        if typ != "OK":
            raise self.error(dat[-1].decode("utf-8", "replace"))
        self.state = "AUTH"
        return typ, dat

    def login_cram_md5(self, user: str, password: str) -> Result:
        """AUTHENTICATE CRAM-MD5 with ``user`` and ``password``."""
        self.user, self.password = user, password
        return self.authenticate("CRAM-MD5", self._CRAM_MD5_AUTH)

    def _CRAM_MD5_AUTH(self, challenge: bytes) -> str:
        secret = self.password
        key = secret.encode("utf-8") if isinstance(secret, str) else secret
        return f"{self.user} {hmac.new(key, challenge, 'md5').hexdigest()}"

    def proxyauth(self, user: str) -> Result:
        return self._ask("PROXYAUTH", user)

    def starttls(self, ssl_context: Any = None) -> Result:
        """STARTTLS; without ``ssl_context`` the certificate is not verified, as in imaplib
        (a warning says so once). Data the server sends right after its OK, before the
        handshake, is refused: the connection is closed and ``abort`` raised."""
        if self._tls_established:
            raise self.abort("TLS session already established")
        if "STARTTLS" not in self.capabilities:
            raise self.abort("TLS not supported by server")
        # Made first, so that a context that cannot be used fails before anything is sent.
        options = _link.standard_tls() if ssl_context is None else _tls.tls_options(ssl_context)
        self._refuse_early_replies()
        typ, dat = self._ask("STARTTLS")
        if typ != "OK":
            raise self.error("Couldn't establish TLS session")
        if self._conn is None:
            self._wrap_own_socket(ssl_context)
        elif self._pos < len(self._buf):
            self.shutdown()
            raise self.abort("data sent by the server before the TLS handshake")
        else:
            self._call(self._conn.starttls, options)
            self._tls_options = options
            self.sock = self._socket_view(self.sock.gettimeout(), ssl_context)
        self._tls_established = True
        self.untagged_responses.clear()  # said in clear text: not to be trusted
        self._get_capabilities()
        return self._untagged_response(typ, dat, "STARTTLS")

    def _refuse_early_replies(self) -> None:
        """Before STARTTLS and LOGIN: a tagged reply the server sent before the command was
        written (one guessing the next tag) fails the connection, as in the native API."""
        if self._conn is None:
            return
        early = self._call(self._conn.read_raw_ready)
        if not early:
            return
        self._buf = self._buf[self._pos :] + early
        self._pos = 0
        for line in self._buf.split(b"\r\n"):
            if self.tagre.match(line):
                self.shutdown()
                raise self.abort(f"tagged reply before its command was sent: {line!r}")

    def _wrap_own_socket(self, ssl_context: Any) -> None:
        """STARTTLS on a socket a subclass opened itself: the standard library's TLS."""
        context = ssl_context
        if context is None:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
        self.file = self.sock.makefile("rb")
