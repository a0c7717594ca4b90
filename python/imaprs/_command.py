"""IMAP4Command (one command sent to the server), Raw, and the per-command rules.

The rules table says in which connection states a command may be sent, whether it needs the
connection to itself (``exclusive``: it waits until every other command has completed, and
nothing else is sent until it completes) and which capability the server must announce.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple

from ._results import command_data, command_items
from ._types import IMAP4Response
from .errors import BAD, NO, OK, IMAP4Error

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["IMAP4Command", "Raw", "Rule", "RULES", "Sink", "allowed"]

#: Receives a streamed literal: ``sink(rsp_head, data)`` per chunk; see ``fetch(sink=...)``.
Sink = Callable[[bytes, bytes], None]


class Raw:
    """Command text sent as it is (``(FLAGS UID)``, ``BODY.PEEK[]``); CR, LF and NUL are
    still refused."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text!r})"


_UNSET = object()

ANY = ("!auth", "auth", "selected", "logout")
NONAUTH = ("!auth",)
AUTH = ("auth", "selected")
SELECTED = ("selected",)


class Rule:
    """When a command may be sent."""

    __slots__ = ("states", "exclusive", "cap")

    def __init__(self, states: Tuple[str, ...], exclusive: bool = False, cap: str = "") -> None:
        self.states, self.exclusive, self.cap = states, exclusive, cap


def _rules() -> Dict[str, Rule]:
    table: Dict[str, Rule] = {}
    for names, rule in (
        ("CAPABILITY NOOP LOGOUT", Rule(ANY)),
        ("ID", Rule(ANY, cap="ID")),
        ("COMPRESS", Rule(AUTH, exclusive=True, cap="COMPRESS=DEFLATE")),
        ("STARTTLS", Rule(NONAUTH, exclusive=True, cap="STARTTLS")),
        ("AUTHENTICATE LOGIN", Rule(NONAUTH, exclusive=True)),
        ("SELECT EXAMINE", Rule(AUTH, exclusive=True)),
        ("CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB STATUS APPEND", Rule(AUTH)),
        ("GETQUOTA GETQUOTAROOT SETQUOTA", Rule(AUTH, cap="QUOTA")),
        ("IDLE", Rule(AUTH, exclusive=True, cap="IDLE")),
        ("NAMESPACE", Rule(AUTH, cap="NAMESPACE")),
        ("SETACL DELETEACL GETACL LISTRIGHTS MYRIGHTS", Rule(AUTH, cap="ACL")),
        ("GETMETADATA SETMETADATA", Rule(AUTH)),
        ("ENABLE", Rule(("auth",), cap="ENABLE")),
        ("CHECK EXPUNGE SEARCH FETCH STORE COPY", Rule(SELECTED)),
        ("UID SEARCH", Rule(SELECTED)),
        ("UID FETCH UID STORE UID COPY", Rule(SELECTED)),
        ("MOVE", Rule(SELECTED, cap="MOVE")),
        ("UID MOVE", Rule(SELECTED, cap="MOVE")),
        ("UID EXPUNGE", Rule(SELECTED, cap="UIDPLUS")),
        ("SORT", Rule(SELECTED, cap="SORT")),
        ("UID SORT", Rule(SELECTED, cap="SORT")),
        ("THREAD UID THREAD", Rule(SELECTED)),
        ("CLOSE", Rule(SELECTED, exclusive=True)),
        ("UNSELECT", Rule(SELECTED, exclusive=True, cap="UNSELECT")),
    ):
        if names.startswith("UID "):
            for name in names[4:].split(" UID "):
                table["UID " + name] = rule
        else:
            for name in names.split():
                table[name] = rule
    return table


RULES = _rules()


def allowed(upper: str, state: str, imap: Any, check: bool = True) -> Optional[Rule]:
    """The rule of command ``upper`` after checking it (unless not ``check``) against the
    connection ``state`` and the server's capabilities (``imap.caps``, read only when the
    rule names one); raises IMAP4Error when the command may not be sent. None for a command
    without a rule. Nothing is sent once the connection is closed."""
    if state == "logout":
        raise IMAP4Error("connection is closed")
    rule = RULES.get(upper)
    if check and rule is not None:
        if state not in rule.states:
            raise IMAP4Error(f"{upper} is not allowed in state {state}")
        if rule.cap and rule.cap not in imap.caps:
            raise IMAP4Error(f"the server does not support {upper} ({rule.cap})")
    return rule


class IMAP4Command:
    """One command sent to the server.

    Attributes:
        tag, name, args, uid: what was sent (``name`` includes ``UID `` for UID commands).
        queue: the responses this command claimed and nobody has taken yet.
        result: the tagged completion, or None while the command runs.
        sink, progress: where a streamed literal goes (see ``IMAP4.fetch``).
    """

    __slots__ = (
        "imap",
        "tag",
        "name",
        "args",
        "uid",
        "seqset",
        "queue",
        "result",
        "sink",
        "progress",
        "literal_bytes",
        "sink_error",
        "context",
        "utf8",
        "_data",
    )

    def __init__(
        self,
        imap: Engine,
        tag: str,
        name: str,
        args: List[Any],
        seqset: Optional[str] = None,
        sink: Optional[Sink] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> None:
        self.imap = imap
        self.tag = tag
        self.name = name
        self.args = args
        self.uid = name[:4].upper() == "UID "
        self.seqset = seqset
        self.queue: Deque[IMAP4Response] = deque()
        self.result: Optional[IMAP4Response] = None
        self.sink = sink
        self.progress = progress
        self.literal_bytes = 0
        self.sink_error: Optional[Exception] = None
        #: What the method that sent the command knows of it (SELECT: the mailbox name).
        self.context: Any = None
        #: Whether ENABLE UTF8=ACCEPT was in force when the command was sent: its mailbox
        #: names are UTF-8 rather than modified UTF-7.
        self.utf8: bool = imap.utf8_enabled
        self._data: Any = _UNSET

    def __iter__(self) -> Iterator[IMAP4Response]:
        """The responses this command claims, as they arrive, until it completes."""
        while True:
            while self.queue:
                yield self.queue.popleft()
            if self.result is not None:
                return
            self.imap._wait_for(lambda: bool(self.queue) or self.result is not None)

    @property
    def data(self) -> Any:
        """The command's result as a Python value, once it has completed (this waits for
        it; NO and BAD raise as :meth:`wait` does): ``list[MailboxInfo]`` for LIST,
        ``dict[str, int]`` for STATUS, ``list[int]`` for SEARCH and SORT, ``dict[int,
        FetchItem]`` for FETCH, the :class:`SelectedMailbox` for SELECT ... (the table in
        ``imaprs._results``). Built from the responses on :attr:`queue`, which stay there;
        computed once."""
        if self._data is _UNSET:
            self._data = command_data(self)
        return self._data

    def items(self) -> Iterator[Any]:
        """The values that make up :attr:`data`, one by one as their responses arrive (for
        ``wait=False`` streams of FETCH, LIST, SEARCH ...): list elements, ``(key, value)``
        pairs for dict results, the one value otherwise. Takes the responses off
        :attr:`queue` as iterating the command does; raises NO/BAD once the completion
        says so."""
        return command_items(self)

    def wait(self, *expect: str, timeout: Optional[float] = None) -> IMAP4Command:
        """Waits for the completion, then :meth:`check` s it."""
        if self.result is None or self.imap._cork:
            self.imap._wait_for(self._finished, timeout)
        if self.sink_error is not None:
            raise self.sink_error
        if not expect and self.result.status == "OK":  # type: ignore[union-attr]
            return self  # what check() says, without the call
        return self.check(*expect)

    def _finished(self) -> bool:
        return self.result is not None

    @property
    def done(self) -> bool:
        return self.result is not None

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
        self.imap._defer_all(list(self.queue))
        self.queue.clear()

    def __repr__(self) -> str:
        done = self.result is not None
        return f"{self.name}(tag={self.tag!r}, uid={self.uid}, done={done}, qlen={len(self.queue)})"
