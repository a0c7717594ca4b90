"""The command methods of the drop-in IMAP4, with imaplib's signatures and return shapes.

Mailbox arguments are quoted when they need it (``"Sent Items"``); everything else is sent
as the caller wrote it, as imaplib does. NUL, CR and LF are refused in every argument.
"""

from __future__ import annotations

import binascii
import hmac
import ssl
from typing import Any, Callable, List, Optional, Tuple

from . import _helpers as H
from ._core import IMAP4Base
from ._idle import Idler

Result = Tuple[str, List[Any]]


class _Authenticator:
    """Runs an imaplib authobject: challenges are base64-decoded for it, its answers encoded
    (None cancels the exchange with ``*``)."""

    def __init__(self, mechinst: Callable[[bytes], Any]) -> None:
        self.mech = mechinst

    def process(self, data: bytes) -> bytes:
        ret = self.mech(self.decode(data))
        if ret is None:
            return b"*"
        return self.encode(ret)

    def encode(self, inp: Any) -> bytes:
        if isinstance(inp, str):
            inp = inp.encode("utf-8")
        return binascii.b2a_base64(inp, newline=False)

    def decode(self, inp: Optional[bytes]) -> bytes:
        if not inp:
            return b""
        return binascii.a2b_base64(inp)


class IMAP4Methods(IMAP4Base):
    """Every imaplib command."""

    # -- responses kept by the connection -------------------------------------------------

    def recent(self) -> Result:
        """The RECENT count, prodding the server with NOOP when none is known."""
        name = "RECENT"
        typ, dat = self._untagged_response("OK", [None], name)
        if dat[-1]:
            return typ, dat
        typ, dat = self.noop()
        return self._untagged_response(typ, dat, name)

    def response(self, code: str) -> Result:
        """Takes the data of response code ``code`` (``UIDVALIDITY``...) kept so far."""
        return self._untagged_response(code, [None], code.upper())

    # -- session -------------------------------------------------------------------------

    def capability(self) -> Result:
        name = "CAPABILITY"
        typ, dat = self._simple_command(name)
        return self._untagged_response(typ, dat, name)

    def noop(self) -> Result:
        if self.debug >= 3:
            self._dump_ur(self.untagged_responses)
        return self._simple_command("NOOP")

    def login(self, user: str, password: str) -> Result:
        typ, dat = self._simple_command("LOGIN", user, self._quote(password))
        if typ != "OK":
            raise self.error(dat[-1])
        self.state = "AUTH"
        return typ, dat

    def authenticate(self, mechanism: str, authobject: Callable[[bytes], Any]) -> Result:
        """AUTHENTICATE ``mechanism``; ``authobject(challenge_bytes)`` returns each answer
        (bytes or str), or None to cancel."""
        mech = mechanism.upper()
        self.literal = _Authenticator(authobject).process
        typ, dat = self._simple_command("AUTHENTICATE", mech)
        if typ != "OK":
            raise self.error(dat[-1].decode("utf-8", "replace"))
        self.state = "AUTH"
        return typ, dat

    def login_cram_md5(self, user: str, password: str) -> Result:
        self.user, self.password = user, password
        return self.authenticate("CRAM-MD5", self._CRAM_MD5_AUTH)

    def _CRAM_MD5_AUTH(self, challenge: bytes) -> str:
        pwd = self.password.encode("utf-8") if isinstance(self.password, str) else self.password
        return self.user + " " + hmac.HMAC(pwd, challenge, "md5").hexdigest()

    def proxyauth(self, user: str) -> Result:
        return self._simple_command("PROXYAUTH", user)

    def starttls(self, ssl_context: Any = None) -> Result:
        """STARTTLS; without ``ssl_context`` the certificate is not verified (as imaplib)."""
        from .. import _tls
        from ._core import warn_unverified_once

        name = "STARTTLS"
        if self._tls_established:
            raise self.abort("TLS session already established")
        if name not in self.capabilities:
            raise self.abort("TLS not supported by server")
        if ssl_context is None:
            warn_unverified_once()
            options = _tls.TLSOptions(verify=False, check_hostname=False)
        else:
            options = _tls.tls_options(ssl_context)
        typ, dat = self._simple_command(name)
        if typ != "OK":
            raise self.error("Couldn't establish TLS session")
        if self._conn is None:  # a socket of a subclass's own: the standard library's way
            context = ssl_context or ssl.create_default_context()
            if ssl_context is None:
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
            self.file = self.sock.makefile("rb")
            self._tls_established = True
            self._get_capabilities()
            return self._untagged_response(typ, dat, name)
        if self._pos < len(self._buf):
            self.shutdown()
            raise self.abort("data sent by the server before the TLS handshake")
        self._call(self._conn.starttls, options)
        self._tls_established = True
        self._get_capabilities()
        return self._untagged_response(typ, dat, name)

    def enable(self, capability: str) -> Result:
        if "ENABLE" not in self.capabilities:
            raise self.error("Server does not support ENABLE")
        typ, data = self._simple_command("ENABLE", capability)
        if typ == "OK" and "UTF8=ACCEPT" in capability.upper():
            self._mode_utf8()
        return typ, data

    def logout(self) -> Result:
        self.state = "LOGOUT"
        typ, dat = self._simple_command("LOGOUT")
        self.shutdown()
        return typ, dat

    def namespace(self) -> Result:
        name = "NAMESPACE"
        typ, dat = self._simple_command(name)
        return self._untagged_response(typ, dat, name)

    def xatom(self, name: str, *args: Any) -> Result:
        """Any command the server announced; its responses stay in
        ``untagged_responses``."""
        name = name.upper()
        if name not in H.Commands:
            H.Commands[name] = (self.state,)
        return self._simple_command(name, *args)

    # -- mailboxes -----------------------------------------------------------------------

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> Result:
        self.untagged_responses = {}
        self.is_readonly = readonly
        name = "EXAMINE" if readonly else "SELECT"
        typ, dat = self._simple_command(name, self._checkquote(mailbox))
        if typ != "OK":
            self.state = "AUTH"
            return typ, dat
        self.state = "SELECTED"
        if "READ-ONLY" in self.untagged_responses and not readonly:
            raise self.readonly(f"{mailbox} is not writable")
        return typ, self.untagged_responses.get("EXISTS", [None])

    def unselect(self) -> Result:
        try:
            return self._simple_command("UNSELECT")
        finally:
            self.state = "AUTH"

    def close(self) -> Result:
        try:
            return self._simple_command("CLOSE")
        finally:
            self.state = "AUTH"

    def create(self, mailbox: str) -> Result:
        return self._simple_command("CREATE", self._checkquote(mailbox))

    def delete(self, mailbox: str) -> Result:
        return self._simple_command("DELETE", self._checkquote(mailbox))

    def rename(self, oldmailbox: str, newmailbox: str) -> Result:
        return self._simple_command(
            "RENAME", self._checkquote(oldmailbox), self._checkquote(newmailbox)
        )

    def subscribe(self, mailbox: str) -> Result:
        return self._simple_command("SUBSCRIBE", self._checkquote(mailbox))

    def unsubscribe(self, mailbox: str) -> Result:
        return self._simple_command("UNSUBSCRIBE", self._checkquote(mailbox))

    def list(self, directory: str = '""', pattern: str = "*") -> Result:
        name = "LIST"
        typ, dat = self._simple_command(name, directory, pattern)
        return self._untagged_response(typ, dat, name)

    def lsub(self, directory: str = '""', pattern: str = "*") -> Result:
        name = "LSUB"
        typ, dat = self._simple_command(name, directory, pattern)
        return self._untagged_response(typ, dat, name)

    def status(self, mailbox: str, names: str) -> Result:
        name = "STATUS"
        typ, dat = self._simple_command(name, self._checkquote(mailbox), names)
        return self._untagged_response(typ, dat, name)

    def append(self, mailbox: str, flags: Any, date_time: Any, message: bytes) -> Result:
        name = "APPEND"
        if not mailbox:
            mailbox = "INBOX"
        if flags:
            if (flags[0], flags[-1]) != ("(", ")"):
                flags = f"({flags})"
        else:
            flags = None
        date_time = H.Time2Internaldate(date_time) if date_time else None
        # In UTF-8 mode _command sends it as UTF8 (~{n}...), as Python 3.14 does.
        self.literal = H.MapCRLF.sub(H.CRLF, message)
        return self._simple_command(name, self._checkquote(mailbox), flags, date_time)

    # -- ACL, quota, annotations ---------------------------------------------------------

    def getacl(self, mailbox: str) -> Result:
        typ, dat = self._simple_command("GETACL", self._checkquote(mailbox))
        return self._untagged_response(typ, dat, "ACL")

    def setacl(self, mailbox: str, who: str, what: str) -> Result:
        return self._simple_command("SETACL", self._checkquote(mailbox), who, what)

    def deleteacl(self, mailbox: str, who: str) -> Result:
        return self._simple_command("DELETEACL", self._checkquote(mailbox), who)

    def myrights(self, mailbox: str) -> Result:
        typ, dat = self._simple_command("MYRIGHTS", self._checkquote(mailbox))
        return self._untagged_response(typ, dat, "MYRIGHTS")

    def getquota(self, root: str) -> Result:
        typ, dat = self._simple_command("GETQUOTA", root)
        return self._untagged_response(typ, dat, "QUOTA")

    def getquotaroot(self, mailbox: str) -> Result:
        typ, dat = self._simple_command("GETQUOTAROOT", self._checkquote(mailbox))
        typ, quota = self._untagged_response(typ, dat, "QUOTA")
        typ, quotaroot = self._untagged_response(typ, dat, "QUOTAROOT")
        return typ, [quotaroot, quota]

    def setquota(self, root: str, limits: str) -> Result:
        typ, dat = self._simple_command("SETQUOTA", root, limits)
        return self._untagged_response(typ, dat, "QUOTA")

    def getannotation(self, mailbox: str, entry: str, attribute: str) -> Result:
        typ, dat = self._simple_command("GETANNOTATION", mailbox, entry, attribute)
        return self._untagged_response(typ, dat, "ANNOTATION")

    def setannotation(self, *args: Any) -> Result:
        typ, dat = self._simple_command("SETANNOTATION", *args)
        return self._untagged_response(typ, dat, "ANNOTATION")

    # -- messages ------------------------------------------------------------------------

    def check(self) -> Result:
        return self._simple_command("CHECK")

    def expunge(self) -> Result:
        name = "EXPUNGE"
        typ, dat = self._simple_command(name)
        return self._untagged_response(typ, dat, name)

    def search(self, charset: Optional[str], *criteria: Any) -> Result:
        name = "SEARCH"
        if charset:
            if self.utf8_enabled:
                raise self.error("Non-None charset not valid in UTF8 mode")
            typ, dat = self._simple_command(name, "CHARSET", charset, *criteria)
        else:
            typ, dat = self._simple_command(name, *criteria)
        return self._untagged_response(typ, dat, name)

    def fetch(self, message_set: Any, message_parts: Any) -> Result:
        name = "FETCH"
        typ, dat = self._simple_command(name, message_set, message_parts)
        return self._untagged_response(typ, dat, name)

    def partial(self, message_num: Any, message_part: Any, start: Any, length: Any) -> Result:
        name = "PARTIAL"
        typ, dat = self._simple_command(name, message_num, message_part, start, length)
        return self._untagged_response(typ, dat, "FETCH")

    def store(self, message_set: Any, command: str, flags: str) -> Result:
        if (flags[0], flags[-1]) != ("(", ")"):
            flags = f"({flags})"
        typ, dat = self._simple_command("STORE", message_set, command, flags)
        return self._untagged_response(typ, dat, "FETCH")

    def copy(self, message_set: Any, new_mailbox: str) -> Result:
        return self._simple_command("COPY", message_set, self._checkquote(new_mailbox))

    def sort(self, sort_criteria: str, charset: str, *search_criteria: Any) -> Result:
        name = "SORT"
        if (sort_criteria[0], sort_criteria[-1]) != ("(", ")"):
            sort_criteria = f"({sort_criteria})"
        typ, dat = self._simple_command(name, sort_criteria, charset, *search_criteria)
        return self._untagged_response(typ, dat, name)

    def thread(self, threading_algorithm: str, charset: str, *search_criteria: Any) -> Result:
        name = "THREAD"
        typ, dat = self._simple_command(name, threading_algorithm, charset, *search_criteria)
        return self._untagged_response(typ, dat, name)

    def uid(self, command: str, *args: Any) -> Result:
        command = command.upper()
        if command not in H.Commands:
            raise self.error(f"Unknown IMAP4 UID command: {command}")
        if self.state not in H.Commands[command]:
            raise self.error(
                f"command {command} illegal in state {self.state}, "
                f"only allowed in states {', '.join(H.Commands[command])}"
            )
        typ, dat = self._simple_command("UID", command, *args)
        name = command if command in ("SEARCH", "SORT", "THREAD") else "FETCH"
        return self._untagged_response(typ, dat, name)

    # -- IDLE (Python 3.14) --------------------------------------------------------------

    def idle(self, duration: Optional[float] = None) -> Idler:
        """IDLE as Python 3.14 defines it: ``with M.idle(duration=60) as idler:`` then
        ``for typ, data in idler:`` gets each response until ``duration`` seconds pass
        (see ``_idle``)."""
        return Idler(self, duration)
