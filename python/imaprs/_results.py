"""Command results as Python values: what ``IMAP4Command.data`` and ``items()`` give.

Each response's value is built in Rust from the parser's tokens (``_imaprs._result``); this
module only gathers those values per command:

=====================================  ============================================  ==========
command                                ``data``                                      ``items()``
=====================================  ============================================  ==========
SELECT, EXAMINE                        :class:`SelectedMailbox` at selection         that one
LIST, LSUB, XLIST                      ``list[MailboxInfo]`` (LIST-STATUS joined)    each entry
STATUS                                 ``dict[str, int]``                            pairs
SEARCH, SORT (UID too)                 ``list[int]`` in the server's order           each number
SEARCH RETURN (...) (ESEARCH)          :class:`ESearchResult`                        that one
FETCH, STORE (UID too)                 ``dict[int, FetchItem]``, by UID for UID ...  pairs
CAPABILITY, ENABLE                     ``frozenset[str]`` (upper case)               each name
NAMESPACE                              :class:`Namespaces`                           that one
GETQUOTA                               ``dict[resource, (usage, limit)]``            pairs
GETQUOTAROOT                           ``dict[root, dict[resource, (usage, limit)]]``  pairs
GETACL                                 ``dict[identifier, rights]``                  pairs
MYRIGHTS                               ``str``                                       that one
LISTRIGHTS                             ``(required, (optional, ...))``               that one
GETMETADATA                            ``dict[entry, str | bytes | None]``           pairs
ID                                     ``dict[str, str | None]`` (None for NIL)      that one
THREAD (UID too)                       ``list[tuple]``: numbers, then branches       each thread
APPEND, COPY, MOVE (UID too)           ``(uidvalidity, IMAP4SeqSet, IMAP4SeqSet)``   that one
                                       from APPENDUID/COPYUID, None without UIDPLUS
EXPUNGE, UID EXPUNGE                   ``list[int]``: expunged numbers (VANISHED     each number
                                       UIDs with QRESYNC)
anything else                          None                                          nothing
=====================================  ============================================  ==========

``data`` reads the responses still on the command's queue (iterating a command takes them
off) and leaves them there; it is computed once. ``items()`` takes the responses off the
queue as they arrive, as iterating the command does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from . import _imaprs
from ._imaprs import SelectedMailbox
from ._types import IMAP4Response
from .errors import IMAP4Error

if TYPE_CHECKING:
    from ._command import IMAP4Command

__all__ = [
    "ESearchResult",
    "Namespaces",
    "command_data",
    "command_items",
    "command_value",
    "fetch_item",
    "gatherer",
    "selected_state",
]

#: One namespace: its prefix and hierarchy delimiter.
Namespace = Tuple[str, Optional[str]]


class Namespaces(NamedTuple):
    """The answer to NAMESPACE (RFC 2342): each a tuple of ``(prefix, delimiter)``."""

    personal: Tuple[Namespace, ...]
    other: Tuple[Namespace, ...]
    shared: Tuple[Namespace, ...]


@dataclass(frozen=True)
class ESearchResult:
    """The answer to a SEARCH or SORT with ``RETURN (...)`` (ESEARCH, RFC 4731): each
    result the command asked for, None (``[]`` for ``all``) when it was not asked for or
    nothing matched.

    Attributes:
        all: every match (``ALL``), in the server's order.
        count: the number of matches (``COUNT``).
        min, max: the lowest and highest match (``MIN``, ``MAX``).
        modseq: the highest mod-sequence of the matches (``MODSEQ``, CONDSTORE).
        partial: ``((first, last), [number, ...])`` (``PARTIAL``, RFC 9394): the range
            asked for (negative: counted from the last match) and the matches in it.
        uid: whether the numbers are UIDs.
    """

    all: List[int] = field(default_factory=list)
    count: Optional[int] = None
    min: Optional[int] = None
    max: Optional[int] = None
    modseq: Optional[int] = None
    partial: Optional[Tuple[Tuple[int, int], List[int]]] = None
    uid: bool = False


def fetch_item(rsp: IMAP4Response) -> Any:
    """The ``imaprs.FetchItem`` of one FETCH response, built by the native core."""
    build = getattr(_imaprs, "fetch_item", None)
    if build is None:
        raise IMAP4Error("this build of imaprs has no FetchItem")
    return build(rsp)


def selected_state(name: str, rsps: List[IMAP4Response]) -> SelectedMailbox:
    """The selected mailbox ``name`` as the responses of its SELECT (and the completion)
    describe it."""
    state = SelectedMailbox(name)
    for rsp in rsps:
        state._apply(rsp)
    return state


def command_data(cmd: IMAP4Command) -> Any:
    """``cmd.data``: waits for the completion (raising NO/BAD), then gathers the value."""
    cmd.wait()
    return command_value(cmd)


def command_value(cmd: IMAP4Command) -> Any:
    """The value of a command that has completed, gathered from its responses."""
    return gatherer(cmd).gather(list(cmd.queue))


def command_items(cmd: IMAP4Command) -> Iterator[Any]:
    """``cmd.items()``: the values as their responses arrive; NO/BAD raise at the end."""
    gather = gatherer(cmd, streaming=True)
    for rsp in cmd:
        yield from gather.feed(rsp)
    cmd.wait()
    yield from gather.finish(cmd)


def _value(cmd: IMAP4Command, rsp: IMAP4Response) -> Any:
    return _imaprs._result(rsp, cmd.utf8)


class _Gather:
    """How one command's values are gathered: ``feed`` each response, ``finish`` with the
    completion, then ``value`` of all that was yielded."""

    shape = "none"
    dtypes: Tuple[str, ...] = ()

    def __init__(self, cmd: IMAP4Command) -> None:
        self.cmd = cmd

    def value_of(self, rsp: IMAP4Response) -> Any:
        """The value ``rsp`` carries when it is of one of ``dtypes``, else None."""
        return _value(self.cmd, rsp) if rsp.dtype in self.dtypes else None

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        return []

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        return []

    def gather(self, rsps: List[IMAP4Response]) -> Any:
        """The value of a completed command whose responses are ``rsps``."""
        values = [v for rsp in rsps for v in self.feed(rsp)]
        values += self.finish(self.cmd)
        return self.value(values)

    def value(self, values: List[Any]) -> Any:
        if self.shape == "list":
            return values
        if self.shape == "dict":
            return dict(values)
        if self.shape == "set":
            return frozenset(values)
        return values[-1] if values else None


class _Named(_Gather):
    """Responses whose value is a list of items (SEARCH, SORT, THREAD, CAPABILITY ...)."""

    def __init__(self, cmd: IMAP4Command, shape: str, dtypes: Tuple[str, ...]) -> None:
        super().__init__(cmd)
        self.shape, self.dtypes = shape, dtypes
        self.found = False

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        value = self.value_of(rsp)
        if value is None:
            return []
        self.found = True
        if rsp.dtype == "VANISHED":
            return sorted(value[1])
        if isinstance(value, list):
            return value
        return [value]

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        # A [CAPABILITY ...] code on the completion when no untagged data came.
        if self.found or cmd.result is None or cmd.result.dtype not in self.dtypes:
            return []
        return self.feed(cmd.result)


class _Search(_Named):
    """SEARCH and SORT: the numbers of SEARCH/SORT responses, or an :class:`ESearchResult`
    when the command asked for ``RETURN (...)`` (or the server answered with ESEARCH)."""

    def __init__(self, cmd: IMAP4Command) -> None:
        super().__init__(cmd, "list", ("SEARCH", "SORT", "ESEARCH"))
        from ._command import Raw  # _command imports this module

        first = cmd.args[0] if cmd.args else None
        self.extended = isinstance(first, Raw) and first.text.upper().startswith("RETURN")

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        if rsp.dtype != "ESEARCH":
            return super().feed(rsp)
        value = self.value_of(rsp)
        if value is None:
            return []
        self.found = True
        numbers, extra = value
        return [
            ESearchResult(
                all=list(numbers),
                count=extra.get("COUNT"),
                min=extra.get("MIN"),
                max=extra.get("MAX"),
                modseq=extra.get("MODSEQ"),
                partial=extra.get("PARTIAL"),
                uid=self.cmd.uid,
            )
        ]

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        if self.extended and not self.found:  # nothing matched, and the server said nothing
            return [ESearchResult(uid=cmd.uid)]
        return []

    def value(self, values: List[Any]) -> Any:
        results = [v for v in values if isinstance(v, ESearchResult)]
        if results:
            return results[-1]
        if self.extended:  # a server that answered RETURN with plain SEARCH
            return ESearchResult(all=values, uid=self.cmd.uid)
        return values


class _Pairs(_Gather):
    """Responses whose value is ``(name, {key: value})`` (STATUS, ACL, METADATA, ID ...)."""

    shape = "dict"

    def __init__(self, cmd: IMAP4Command, dtype: str) -> None:
        super().__init__(cmd)
        self.dtypes = (dtype,)

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        value = self.value_of(rsp)
        return [] if value is None else list(value[1].items())


class _One(_Gather):
    """A command with one value: the last response of its kind (or code of its completion)."""

    def __init__(self, cmd: IMAP4Command, dtypes: Tuple[str, ...], pick: Any = None) -> None:
        super().__init__(cmd)
        self.dtypes, self.pick = dtypes, pick

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        value = self.value_of(rsp)
        if value is None:
            return []
        return [self.pick(value) if self.pick is not None else value]

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        if cmd.result is None or cmd.result.dtype not in self.dtypes:
            return []
        return self.feed(cmd.result)


class _List(_Gather):
    """LIST and LSUB: one :class:`MailboxInfo` per entry, the STATUS that LIST-STATUS sends
    after an entry joined to it."""

    shape = "list"

    def __init__(self, cmd: IMAP4Command) -> None:
        super().__init__(cmd)
        self.pending: Any = None

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        if rsp.dtype == "STATUS":
            status = _value(self.cmd, rsp)
            if status is not None and self.pending is not None and status[0] == self.pending.name:
                self.pending = self.pending._with_status(list(status[1].items()))
            return []
        if rsp.dtype not in ("LIST", "LSUB", "XLIST"):
            return []
        info = _value(self.cmd, rsp)
        if info is None:
            return []
        out = [] if self.pending is None else [self.pending]
        self.pending = info
        return out

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        out = [] if self.pending is None else [self.pending]
        self.pending = None
        return out


class _Select(_Gather):
    """SELECT and EXAMINE: the mailbox state their responses and completion describe."""

    def __init__(self, cmd: IMAP4Command) -> None:
        super().__init__(cmd)
        self.rsps: List[IMAP4Response] = []

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        self.rsps.append(rsp)
        return []

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        rsps = self.rsps + ([cmd.result] if cmd.result is not None else [])
        name = cmd.context if isinstance(cmd.context, str) else ""
        return [selected_state(name, rsps)]


class _QuotaRoot(_Gather):
    """GETQUOTAROOT: every root named by QUOTAROOT, with the resources QUOTA gave it."""

    shape = "dict"
    dtypes = ("QUOTA", "QUOTAROOT")

    def __init__(self, cmd: IMAP4Command) -> None:
        super().__init__(cmd)
        self.roots: Dict[str, Dict[str, Tuple[int, int]]] = {}

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        value = self.value_of(rsp)
        if value is None:
            return []
        if rsp.dtype == "QUOTAROOT":
            for root in value[1]:
                self.roots.setdefault(root, {})
            return []
        self.roots[value[0]] = value[1]
        return [(value[0], value[1])]

    def finish(self, cmd: IMAP4Command) -> List[Any]:
        return [(root, {}) for root, res in self.roots.items() if not res]


class _Fetch(_Gather):
    """FETCH and STORE: one FetchItem per message, by UID for UID commands."""

    shape = "dict"

    def __init__(self, cmd: IMAP4Command) -> None:
        super().__init__(cmd)
        self.by_key: Dict[int, IMAP4Response] = {}

    def key(self, rsp: IMAP4Response) -> Optional[int]:
        key = _imaprs._fetch_key(rsp, self.cmd.uid) if rsp.dtype == "FETCH" else None
        if key is None:
            return None
        number, uid = key
        return uid if self.cmd.uid and uid is not None else number

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        key = self.key(rsp)
        return [] if key is None else [(key, rsp)]

    def gather(self, rsps: List[IMAP4Response]) -> Any:
        # One response a message, as servers send them: read in one call.
        items = _imaprs._fetch_items(rsps, bool(self.cmd.uid))
        return items if items is not None else super().gather(rsps)

    def value(self, values: List[Any]) -> Any:
        return {key: fetch_item(rsp) for key, rsp in join_split(values).items()}


def join_split(pairs: List[Tuple[int, IMAP4Response]]) -> Dict[int, IMAP4Response]:
    """FETCH responses by key, those the server split for one message joined into one."""
    out: Dict[int, IMAP4Response] = {}
    for key, rsp in pairs:
        old = out.get(key)
        if old is not None:
            text = _imaprs._join_fetch(old, rsp)
            if text is not None:
                rsp = IMAP4Response(text, list(old.literals) + list(rsp.literals))
        out[key] = rsp
    return out


class _FetchItems(_Fetch):
    """``items()`` of a FETCH: each response's FetchItem as it arrives."""

    def feed(self, rsp: IMAP4Response) -> List[Any]:
        entry = _imaprs._fetch_entry(rsp, bool(self.cmd.uid))
        if entry is not None:
            return [entry]
        # Not FETCH data, or items that cannot be read: skipped, or the error raised, as
        # for any response.
        return [(key, fetch_item(r)) for key, r in super().feed(rsp)]


def gatherer(cmd: IMAP4Command, streaming: bool = False) -> _Gather:
    name = cmd.name.upper()
    base = name[4:] if name.startswith("UID ") else name
    if base in ("SELECT", "EXAMINE"):
        return _Select(cmd)
    if base in ("LIST", "LSUB", "XLIST"):
        return _List(cmd)
    if base in ("FETCH", "STORE"):
        return _FetchItems(cmd) if streaming else _Fetch(cmd)
    if base in ("SEARCH", "SORT"):
        return _Search(cmd)
    if base == "THREAD":
        return _Named(cmd, "list", ("THREAD",))
    if base == "CAPABILITY":
        return _Named(cmd, "set", ("CAPABILITY",))
    if base == "ENABLE":
        return _Named(cmd, "set", ("ENABLED",))
    if base == "EXPUNGE":
        return _Named(cmd, "list", ("EXPUNGE", "VANISHED"))
    if base == "STATUS":
        return _Pairs(cmd, "STATUS")
    if base == "GETACL":
        return _Pairs(cmd, "ACL")
    if base == "GETMETADATA":
        return _Pairs(cmd, "METADATA")
    if base == "GETQUOTA":
        return _Pairs(cmd, "QUOTA")
    if base == "GETQUOTAROOT":
        return _QuotaRoot(cmd)
    if base == "ID":
        return _One(cmd, ("ID",))
    if base == "NAMESPACE":
        return _One(cmd, ("NAMESPACE",), lambda v: Namespaces(*v))
    if base == "MYRIGHTS":
        return _One(cmd, ("MYRIGHTS",), lambda v: v[1])
    if base == "LISTRIGHTS":
        return _One(cmd, ("LISTRIGHTS",), lambda v: (v[2], v[3]))
    if base in ("APPEND", "COPY", "MOVE"):
        return _One(cmd, ("APPENDUID", "COPYUID"))
    return _Gather(cmd)
