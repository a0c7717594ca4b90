"""Search criteria: ``Q``, and the conversion of search and sort arguments.

``Q`` builds RFC 3501 §6.4.4 search keys from keywords and combines them with ``&`` (all
of), ``|`` (OR) and ``~`` (NOT)::

    Q(unseen=True, from_="ann@example.com", since=date(2026, 1, 1), subject="Rückfrage")
    Q(flagged=True) | ~Q.header("X-Spam", "yes")

Values never become syntax: strings go as quoted strings or literals (the encoder decides),
dates are formatted here (``1-Feb-2026``, never through the locale), numbers are checked to
be numbers, flags and keywords to be atoms. A non-ASCII value makes the command ``CHARSET
UTF-8`` and goes as a literal, or as a UTF-8 quoted string after ``ENABLE UTF8=ACCEPT``.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable, List, Tuple, Union

from ._command import Raw
from ._types import IMAP4SeqSet

__all__ = ["Q", "search_args"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Keys without a value (``Q(unseen=True)``; ``False`` gives ``NOT key``).
FLAG_KEYS = frozenset(
    [
        "ALL",
        "ANSWERED",
        "DELETED",
        "DRAFT",
        "FLAGGED",
        "NEW",
        "OLD",
        "RECENT",
        "SEEN",
        "UNANSWERED",
        "UNDELETED",
        "UNDRAFT",
        "UNFLAGGED",
        "UNSEEN",
    ]
)
#: Keys taking a string.
STRING_KEYS = frozenset(["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"])
#: Keys taking a date.
DATE_KEYS = frozenset(["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"])
#: Keys taking a number: sizes in octets, OLDER/YOUNGER in seconds (RFC 5032), MODSEQ
#: (RFC 7162).
NUMBER_KEYS = frozenset(["LARGER", "SMALLER", "OLDER", "YOUNGER", "MODSEQ"])
#: Keys taking a flag keyword (an atom).
ATOM_KEYS = frozenset(["KEYWORD", "UNKEYWORD"])
#: Keys taking a sequence set.
SET_KEYS = frozenset(["UID"])

#: Bytes an atom cannot hold (RFC 3501 ``atom-specials``), besides controls and space.
_ATOM_SPECIALS = frozenset('(){%*"\\]')

Date = Union[datetime.date, datetime.datetime]
SeqSetLike = Union[str, int, Iterable[int]]
# A criterion tree: ("key", NAME) | (NAME, value) | ("HEADER", name, value) | ("AND", [...])
# | ("OR", a, b) | ("NOT", a) | ("SET", text)
Node = Tuple[Any, ...]


class Q:
    """Search criteria.

    Keywords are RFC 3501 search keys in lower case (``from_`` for FROM): flag keys take a
    bool (``unseen=True``; ``seen=False`` is ``NOT SEEN``), string keys a ``str``
    (``subject=``, ``from_=``, ``to=``, ``cc=``, ``bcc=``, ``body=``, ``text=``), date keys a
    ``date`` or ``datetime`` (``since=``, ``before=``, ``on=``, ``sentsince=``,
    ``sentbefore=``, ``senton=``), number keys an ``int`` (``larger=``, ``smaller=``,
    ``older=``, ``younger=``, ``modseq=``), ``keyword=``/``unkeyword=`` a flag keyword,
    ``uid=`` a sequence set. Several keywords must all match; none matches every message.

        >>> str(Q(unseen=True, larger=1000))
        'UNSEEN LARGER 1000'
        >>> str(Q(from_="ann") | ~Q(seen=True))
        'OR FROM "ann" NOT SEEN'
    """

    __slots__ = ("node",)

    def __init__(self, **criteria: Any) -> None:
        terms = [_term(key, value) for key, value in criteria.items()] or [("KEY", "ALL")]
        self.node: Node = terms[0] if len(terms) == 1 else ("AND", terms)

    @classmethod
    def _of(cls, node: Node) -> Q:
        q = cls.__new__(cls)
        q.node = node
        return q

    @classmethod
    def header(cls, name: str, value: str = "") -> Q:
        """``HEADER name value``: messages whose header ``name`` contains ``value`` (any
        value when empty)."""
        return cls._of(("HEADER", _str(name), _str(value)))

    @classmethod
    def uid(cls, uids: SeqSetLike) -> Q:
        """``UID set``: messages with these UIDs."""
        return cls._of(("UID", _seqset(uids)))

    @classmethod
    def seq(cls, numbers: SeqSetLike) -> Q:
        """A sequence set: messages with these numbers."""
        return cls._of(("SET", _seqset(numbers)))

    def __and__(self, other: Q) -> Q:
        if not isinstance(other, Q):
            return NotImplemented
        return Q._of(("AND", [*_flat(self.node), *_flat(other.node)]))

    def __or__(self, other: Q) -> Q:
        if not isinstance(other, Q):
            return NotImplemented
        return Q._of(("OR", self.node, other.node))

    def __invert__(self) -> Q:
        return Q._of(("NOT", self.node))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Q) and self.node == other.node

    def __hash__(self) -> int:
        return hash(repr(self.node))

    def args(self, utf8: bool = False) -> List[Any]:
        """The command arguments of the criteria (``Raw`` syntax, ``str`` values)."""
        out: List[Any] = []
        _emit(self.node, out, utf8)
        return out

    def __str__(self) -> str:
        return " ".join(_show(a) for a in self.args())

    def __repr__(self) -> str:
        return f"Q<{self}>"


def search_args(criteria: Iterable[Any], utf8: bool) -> Tuple[List[Any], bool]:
    """The arguments of SEARCH/SORT criteria, and whether any needs ``CHARSET UTF-8``.

    ``Q`` expands to its keys; ``date``/``datetime`` become RFC 3501 dates; ``int`` and
    ``IMAP4SeqSet`` become sequence sets; ``str``, ``bytes`` and ``Raw`` pass as given
    (a ``str`` as atom, quoted string or literal)."""
    out: List[Any] = []
    for item in criteria:
        if isinstance(item, Q):
            out += item.args(utf8)
        elif isinstance(item, (datetime.date, datetime.datetime)):
            out.append(Raw(_date(item)))
        elif isinstance(item, bool):
            raise TypeError("a search criterion cannot be a bool")
        elif isinstance(item, (int, IMAP4SeqSet)):
            out.append(Raw(_seqset(item)))
        else:
            out.append(item)
    return out, any(_non_ascii(a) for a in out)


def _term(key: str, value: Any) -> Node:
    name = key.rstrip("_").upper()
    if name in FLAG_KEYS:
        if not isinstance(value, bool):
            raise TypeError(f"{key}= takes True or False")
        return ("KEY", name) if value else ("NOT", ("KEY", name))
    if name in STRING_KEYS:
        return (name, _str(value))
    if name in DATE_KEYS:
        if not isinstance(value, (datetime.date, datetime.datetime)):
            raise TypeError(f"{key}= takes a date or datetime")
        return (name, _date(value))
    if name in NUMBER_KEYS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TypeError(f"{key}= takes a non-negative int")
        return (name, value)
    if name in ATOM_KEYS:
        return (name, _atom(value))
    if name in SET_KEYS:
        return (name, _seqset(value))
    raise TypeError(f"unknown search key {key!r}")


def _flat(node: Node) -> List[Node]:
    return list(node[1]) if node[0] == "AND" else [node]


def _emit(node: Node, out: List[Any], utf8: bool) -> None:
    kind = node[0]
    if kind == "KEY":
        out.append(Raw(node[1]))
    elif kind == "AND":
        for term in node[1]:
            _emit(term, out, utf8)
    elif kind == "OR":
        out.append(Raw("OR"))
        for side in node[1:]:
            _emit_one(side, out, utf8)
    elif kind == "NOT":
        out.append(Raw("NOT"))
        _emit_one(node[1], out, utf8)
    elif kind == "SET":
        out.append(Raw(node[1]))
    elif kind == "HEADER":
        out += [Raw("HEADER"), _value(node[1], utf8), _value(node[2], utf8)]
    elif kind in STRING_KEYS:
        out += [Raw(kind), _value(node[1], utf8)]
    elif kind in NUMBER_KEYS:
        out += [Raw(kind), Raw(str(node[1]))]
    else:  # dates, atoms and sets are already checked text
        out += [Raw(kind), Raw(node[1])]


def _emit_one(node: Node, out: List[Any], utf8: bool) -> None:
    """One search key: several keys in parentheses."""
    if node[0] == "AND" and len(node[1]) != 1:
        inner: List[Any] = []
        _emit(node, inner, utf8)
        out.append(inner)
    else:
        _emit(node, out, utf8)


def _value(text: str, utf8: bool) -> Any:
    """A string value: the encoder quotes it or sends a literal; after UTF8=ACCEPT,
    non-ASCII text goes as a UTF-8 quoted string."""
    if utf8 and not text.isascii():
        return Raw('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return text


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected str, not {type(value).__name__}")
    if any(c in value for c in "\r\n\0"):
        raise ValueError("search values cannot hold CR, LF or NUL")
    return value


def _atom(value: Any) -> str:
    text = _str(value)
    if not text or any(c in _ATOM_SPECIALS or not "!" <= c <= "~" for c in text):
        raise ValueError(f"not a flag keyword: {text!r}")
    return text


def _date(value: Date) -> str:
    return f"{value.day}-{_MONTHS[value.month - 1]}-{value.year:04d}"


def _seqset(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("a sequence set cannot be a bool")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("message numbers and UIDs start at 1")
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if text and all(c.isascii() and (c.isdigit() or c in ",:*$") for c in text):
            return text
        raise ValueError(f"not a sequence set: {value!r}")
    numbers = value if isinstance(value, IMAP4SeqSet) else IMAP4SeqSet(value)
    if not numbers:
        raise ValueError("an empty sequence set")
    return str(numbers)


def _non_ascii(arg: Any) -> bool:
    if isinstance(arg, list):
        return any(_non_ascii(a) for a in arg)
    if isinstance(arg, str):
        return not arg.isascii()
    if isinstance(arg, (bytes, bytearray)):
        return not bytes(arg).isascii()
    return isinstance(arg, Raw) and not arg.text.isascii()


def _show(arg: Any) -> str:
    if isinstance(arg, Raw):
        return arg.text
    if isinstance(arg, list):
        return "(" + " ".join(_show(a) for a in arg) + ")"
    return '"' + str(arg).replace("\\", "\\\\").replace('"', '\\"') + '"'
