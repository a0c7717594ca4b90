"""IMAP4Response and IMAP4SeqSet: thin Python classes whose contents Rust builds."""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _imaprs

__all__ = ["IMAP4Response", "IMAP4SeqSet", "NEED_DATA"]

NEED_DATA = _imaprs.NEED_DATA


def _rebuild(items: List[Any], state: Tuple[Any, ...]) -> IMAP4Response:
    rsp = list.__new__(IMAP4Response)
    rsp.extend(items)
    for name, value in zip(IMAP4Response.__slots__, state):
        setattr(rsp, name, value)
    return rsp


class IMAP4Response(list):  # type: ignore[type-arg]
    """One server response, decoded into a list of tokens.

    Atoms and quoted strings are ``str``, literals ``bytes``, numbers ``int``, NIL ``None``
    and parenthesised lists ``list``. Built from raw bytes with literals inline, or from the
    design's template form, where ``{0}``, ``{1}`` ... in ``text`` stand for ``literals``::

        >>> IMAP4Response('* DATA {0} CONTAINING {1}', [b'RESPONSE', b'LITERALS'])[:]
        ['DATA', b'RESPONSE', 'CONTAINING', b'LITERALS']
        >>> IMAP4Response(b'* 1 FETCH (UID 7)\\r\\n').dtype
        'FETCH'

    Attributes:
        seq: process-wide arrival number (the order key of the unclaimed queue).
        type: ``'status'``, ``'data'``, ``'done'`` or ``'continue'``.
        tag: ``'*'``, ``'+'`` or the command tag.
        status: ``'OK'``, ``'NO'``, ``'BAD'``, ``'PREAUTH'`` or ``'BYE'``, else None.
        info: the human text of a status, done or continue response (a continuation's
            base64 text is decoded to ``bytes``), else None.
        dtype: the upper-cased name identifying the response (``'FETCH'``, ``'LIST'``, a
            response code such as ``'TRYCREATE'``), else None.
        text: the response line, with ``{i}`` in place of each literal.
        literals: the literals, in order.

    Raises:
        ParseError: the response is malformed (also a ``ValueError``).
    """

    __slots__ = ("seq", "type", "tag", "status", "info", "dtype", "literals", "_line", "_typed")

    seq: int
    type: str
    tag: str
    status: Optional[str]
    info: Union[str, bytes, None]
    dtype: Optional[str]
    literals: List[bytes]
    _line: Union[str, bytes]
    #: A FETCH response's typed items, built by the read from the same parse (see
    #: ``FetchItem``); absent or None: ``fetch_item`` parses the response again.
    _typed: Any

    def __init__(
        self,
        text: Union[str, bytes, bytearray, memoryview],
        literals: Optional[Iterable[bytes]] = None,
    ) -> None:
        if isinstance(text, str):
            given = [bytes(lit) for lit in literals or ()]
            _imaprs._fill_template(self, text, given)
            self._line = text
        elif literals is not None:
            raise TypeError("literals are only given with template text (a str)")
        else:
            _imaprs._fill_raw(self, bytes(text))

    @property
    def text(self) -> str:
        """The response line, with ``{i}`` in place of each literal and no final CRLF."""
        line = self._line
        if isinstance(line, bytes):
            line = self._line = line.decode("utf-8", "surrogateescape")
        return line

    @property
    def data(self) -> Tuple[Any, ...]:
        """The decoded tokens as a tuple."""
        return tuple(self)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (
            f"IMAP4Response(seq={self.seq!r}, type={self.type!r}, tag={self.tag!r}, "
            f"status={self.status!r}, info={self.info!r}, dtype={self.dtype!r}, "
            f"data={self.data!r})"
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        # The typed items are not pickled: they are built again from the line and literals.
        state = tuple(getattr(self, name, None) for name in self.__slots__ if name != "_typed")
        return (_rebuild, (list(self), state))


class IMAP4SeqSet(set):  # type: ignore[type-arg]
    """A set of message sequence numbers or UIDs that parses and prints IMAP sequence sets.

        >>> str(IMAP4SeqSet({1, 2, 3, 5}))
        '1:3,5'
        >>> sorted(IMAP4SeqSet('5:3,10'))
        [3, 4, 5, 10]

    A string containing ``*`` or ``$`` cannot be expanded and raises ``ValueError``.
    """

    __slots__ = ()

    def __init__(self, seq: Union[str, Iterable[int]] = ()) -> None:
        if isinstance(seq, str):
            super().__init__(_imaprs.seqset_expand(seq))
        else:
            super().__init__(seq)

    def __str__(self) -> str:
        return _imaprs.seqset_format(self)

    def __repr__(self) -> str:
        return f"IMAP4SeqSet({str(self)!r})"
