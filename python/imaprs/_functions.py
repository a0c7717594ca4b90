"""Module functions that are argument shaping in Python over the native core."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Tuple, TypeVar, Union

from ._imaprs import iutf7_encode, qstr

__all__ = ["qstr_or_lit", "qstr_iutf7", "group", "ungroup", "response_map"]

T = TypeVar("T")
BytesLike = Union[bytes, bytearray, memoryview]


def qstr_or_lit(s: Union[str, BytesLike], encoding: str = "utf-8") -> Union[str, BytesLike]:
    """Quote ``s`` when it can be quoted; otherwise return bytes to be sent as a literal.

    Bytes-like values are returned unchanged (they are always sent as literals); a ``str``
    that :func:`qstr` accepts is returned quoted; any other ``str`` (non-ASCII, CR, LF or
    NUL) is encoded with ``encoding``.

        >>> qstr_or_lit('user')
        '"user"'
        >>> qstr_or_lit('zoë')
        b'zo\\xc3\\xab'
    """
    if isinstance(s, (bytes, bytearray, memoryview)):
        return s
    try:
        return qstr(s)
    except ValueError:
        return s.encode(encoding)


def qstr_iutf7(s: str) -> str:
    """Quote a mailbox name after encoding it in modified UTF-7.

    >>> qstr_iutf7('Entwürfe')
    '"Entw&APw-rfe"'
    """
    return qstr(iutf7_encode(s))


def group(seq: Iterable[T], n: int = 2) -> Iterator[Tuple[T, ...]]:
    """Consecutive ``n``-tuples of ``seq``; an incomplete trailing group is dropped.

    >>> list(group(['UID', 5, 'FLAGS', []]))
    [('UID', 5), ('FLAGS', [])]
    """
    it = iter(seq)
    return zip(*([it] * n))


def ungroup(items: Iterable[Iterable[T]]) -> Iterator[T]:
    """Flatten one level: the inverse of :func:`group`.

    >>> list(ungroup([('UID', 5), ('FLAGS', [])]))
    ['UID', 5, 'FLAGS', []]
    """
    for item in items:
        yield from item


_PEEK = re.compile(r"^(BODY|BINARY)\.PEEK(?=\[)", re.IGNORECASE)
_PARTIAL = re.compile(r"<(\d+)\.\d+>$")


def _answer_name(name: str) -> str:
    """The item name a server answers a FETCH request item with."""
    name = _PEEK.sub(lambda m: m.group(1), name.upper())
    return _PARTIAL.sub(r"<\1>", name)


def response_map(fetch_map: Any) -> Dict[Any, Any]:
    """Map FETCH item names, or turn FETCH data into a dict.

    Given a FETCH response (an ``IMAP4Response`` such as ``* 1 FETCH (UID 5 ...)``) or its
    attribute list (``['UID', 5, 'FLAGS', [...]]``), returns ``{'UID': 5, 'FLAGS': [...]}``
    with upper-cased names.

    Given request item names (a dict or an iterable of str), maps each name to the name the
    server answers with: ``BODY.PEEK[...]`` → ``BODY[...]``, ``BINARY.PEEK[...]`` →
    ``BINARY[...]``, and a partial ``<o.n>`` loses its count (``BODY[]<0.100>`` →
    ``BODY[]<0>``). A dict keeps its values; for an iterable each value is the request name.

        >>> response_map(['UID', 'BODY.PEEK[]<0.100>'])
        {'UID': 'UID', 'BODY[]<0>': 'BODY.PEEK[]<0.100>'}
        >>> response_map(['UID', 5, 'FLAGS', ['\\\\Seen']])
        {'UID': 5, 'FLAGS': ['\\\\Seen']}
    """
    if isinstance(fetch_map, Mapping):
        return {_answer_name(k): v for k, v in fetch_map.items()}
    items: List[Any] = list(fetch_map)
    if _is_fetch_response(fetch_map, items):
        items = items[-1]
    if all(isinstance(item, str) for item in items):
        return {_answer_name(name): name for name in items}
    if len(items) % 2:
        raise ValueError("FETCH data must alternate names and values")
    return {str(k).upper(): v for k, v in group(items)}


def _is_fetch_response(obj: Any, items: List[Any]) -> bool:
    dtype = getattr(obj, "dtype", None)
    return dtype == "FETCH" and bool(items) and isinstance(items[-1], list)
