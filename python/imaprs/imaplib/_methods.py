"""The mailbox and message commands of the drop-in IMAP4, with imaplib's signatures and
results: ``(typ, data)``, where ``data`` is the untagged data the command is about (FETCH,
SEARCH, LIST...) or else the text of its completion.

Mailbox names are quoted when they need it (``"Sent Items"``; a name already in quotes is
left alone); every other argument goes as the caller wrote it, as with imaplib. NUL, CR and
LF are refused in every argument.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from . import _helpers as H
from ._idle import Idler
from ._session import SessionCommands, _Authenticator

__all__ = ["IMAP4Methods", "Idler", "_Authenticator"]

Result = Tuple[str, List[Any]]
#: The UID commands whose results are filed under their own name; the others' under FETCH.
_UID_OWN_RESULTS = ("SEARCH", "SORT", "THREAD")


def _parenthesised(text: str) -> str:
    return text if text[0] + text[-1] == "()" else f"({text})"


class IMAP4Methods(SessionCommands):
    """Every imaplib command."""

    # -- mailboxes -------------------------------------------------------------------------

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> Result:
        """SELECT (EXAMINE when ``readonly``): ``data`` is the EXISTS count. A mailbox the
        server opens read-only when read-write was asked raises ``readonly``."""
        self.untagged_responses = {}  # what the last mailbox said does not apply any more
        self.is_readonly = readonly
        typ, dat = self._ask("EXAMINE" if readonly else "SELECT", self._checkquote(mailbox))
        if typ != "OK":
            self.state = "AUTH"
            return typ, dat
        self.state = "SELECTED"
        if not readonly and "READ-ONLY" in self.untagged_responses:
            if self.debug >= 1:
                self._dump_ur(self.untagged_responses)
            raise self.readonly(f"{mailbox} is not writable")
        return typ, self.untagged_responses.get("EXISTS", [None])

    def close(self) -> Result:
        return self._leave_mailbox("CLOSE")

    def unselect(self) -> Result:
        return self._leave_mailbox("UNSELECT")

    def _leave_mailbox(self, name: str) -> Result:
        try:
            return self._ask(name)
        finally:
            self.state = "AUTH"  # whatever the server answered

    def create(self, mailbox: str) -> Result:
        return self._ask("CREATE", self._checkquote(mailbox))

    def delete(self, mailbox: str) -> Result:
        return self._ask("DELETE", self._checkquote(mailbox))

    def rename(self, oldmailbox: str, newmailbox: str) -> Result:
        return self._ask("RENAME", self._checkquote(oldmailbox), self._checkquote(newmailbox))

    def subscribe(self, mailbox: str) -> Result:
        return self._ask("SUBSCRIBE", self._checkquote(mailbox))

    def unsubscribe(self, mailbox: str) -> Result:
        return self._ask("UNSUBSCRIBE", self._checkquote(mailbox))

    def list(self, directory: str = '""', pattern: str = "*") -> Result:
        return self._ask("LIST", directory, pattern, keep="LIST")

    def lsub(self, directory: str = '""', pattern: str = "*") -> Result:
        return self._ask("LSUB", directory, pattern, keep="LSUB")

    def status(self, mailbox: str, names: str) -> Result:
        return self._ask("STATUS", self._checkquote(mailbox), names, keep="STATUS")

    def append(self, mailbox: str, flags: Any, date_time: Any, message: bytes) -> Result:
        """APPEND ``message`` (bytes; line ends become CRLF) to ``mailbox`` (INBOX when
        empty), with optional ``flags`` and INTERNALDATE (see ``Time2Internaldate``)."""
        flag_list = _parenthesised(flags) if flags else None
        when = H.Time2Internaldate(date_time) if date_time else None
        # In UTF-8 mode _command sends it as UTF8 (~{n}...), as Python 3.14 does.
        self.literal = H.MapCRLF.sub(H.CRLF, message)
        return self._ask("APPEND", self._checkquote(mailbox or "INBOX"), flag_list, when)

    # -- ACL, quota, annotations -----------------------------------------------------------

    def getacl(self, mailbox: str) -> Result:
        return self._ask("GETACL", self._checkquote(mailbox), keep="ACL")

    def setacl(self, mailbox: str, who: str, what: str) -> Result:
        return self._ask("SETACL", self._checkquote(mailbox), who, what)

    def deleteacl(self, mailbox: str, who: str) -> Result:
        return self._ask("DELETEACL", self._checkquote(mailbox), who)

    def myrights(self, mailbox: str) -> Result:
        return self._ask("MYRIGHTS", self._checkquote(mailbox), keep="MYRIGHTS")

    def getquota(self, root: str) -> Result:
        return self._ask("GETQUOTA", root, keep="QUOTA")

    def getquotaroot(self, mailbox: str) -> Result:
        """``data`` is ``[QUOTAROOT responses, QUOTA responses]``."""
        typ, dat = self._ask("GETQUOTAROOT", self._checkquote(mailbox))
        typ, quotas = self._untagged_response(typ, dat, "QUOTA")
        typ, roots = self._untagged_response(typ, dat, "QUOTAROOT")
        return typ, [roots, quotas]

    def setquota(self, root: str, limits: str) -> Result:
        return self._ask("SETQUOTA", root, limits, keep="QUOTA")

    def getannotation(self, mailbox: str, entry: str, attribute: str) -> Result:
        return self._ask("GETANNOTATION", mailbox, entry, attribute, keep="ANNOTATION")

    def setannotation(self, *args: Any) -> Result:
        return self._ask("SETANNOTATION", *args, keep="ANNOTATION")

    # -- messages --------------------------------------------------------------------------

    def check(self) -> Result:
        return self._ask("CHECK")

    def expunge(self) -> Result:
        """``data`` is the sequence numbers of the expunged messages, as reported."""
        return self._ask("EXPUNGE", keep="EXPUNGE")

    def search(self, charset: Optional[str], *criteria: Any) -> Result:
        if not charset:
            return self._ask("SEARCH", *criteria, keep="SEARCH")
        if self.utf8_enabled:
            raise self.error("Non-None charset not valid in UTF8 mode")
        return self._ask("SEARCH", "CHARSET", charset, *criteria, keep="SEARCH")

    def fetch(self, message_set: Any, message_parts: Any) -> Result:
        """``data`` holds one item per FETCH response: bytes, or ``(header, literal)``
        pairs followed by the rest of the line (often ``b')'``) when it has literals."""
        return self._ask("FETCH", message_set, message_parts, keep="FETCH")

    def partial(self, message_num: Any, message_part: Any, start: Any, length: Any) -> Result:
        return self._ask("PARTIAL", message_num, message_part, start, length, keep="FETCH")

    def store(self, message_set: Any, command: str, flags: str) -> Result:
        return self._ask("STORE", message_set, command, _parenthesised(flags), keep="FETCH")

    def copy(self, message_set: Any, new_mailbox: str) -> Result:
        return self._ask("COPY", message_set, self._checkquote(new_mailbox))

    def sort(self, sort_criteria: str, charset: str, *search_criteria: Any) -> Result:
        criteria = _parenthesised(sort_criteria)
        return self._ask("SORT", criteria, charset, *search_criteria, keep="SORT")

    def thread(self, threading_algorithm: str, charset: str, *search_criteria: Any) -> Result:
        algorithm = threading_algorithm
        return self._ask("THREAD", algorithm, charset, *search_criteria, keep="THREAD")

    def uid(self, command: str, *args: Any) -> Result:
        """``command`` (FETCH, SEARCH, STORE, COPY, MOVE...) with UIDs instead of sequence
        numbers; the result is filed as the command without UID would file it."""
        command = command.upper()
        allowed = H.Commands.get(command)
        if allowed is None:
            raise self.error(f"Unknown IMAP4 UID command: {command}")
        if self.state not in allowed:
            raise self.error(
                f"command {command} illegal in state {self.state}, "
                f"only allowed in states {', '.join(allowed)}"
            )
        kept = command if command in _UID_OWN_RESULTS else "FETCH"
        return self._ask("UID", command, *args, keep=kept)

    # -- IDLE ------------------------------------------------------------------------------

    def idle(self, duration: Optional[float] = None) -> Idler:
        """IDLE as Python 3.14 defines it: ``with M.idle(duration=60) as idler:`` then
        ``for typ, data in idler:`` gets each response until ``duration`` seconds pass
        (see ``_idle``)."""
        return Idler(self, duration)
