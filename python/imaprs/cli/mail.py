"""What the commands ask of the library, in one place.

Every use the command line makes of IMAP responses is a small function here, written against
the raw native API (``IMAP4Response`` lists, :func:`~imaprs.response_map`,
:func:`~imaprs.iutf7_decode`) with the standard library's :mod:`email` for header decoding.
The commands see only the plain values these functions return.
"""

from __future__ import annotations

import contextlib
import email.header
import email.parser
import email.policy
import itertools
import re
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from .._command import Raw
from .._functions import response_map
from .._imap4 import IMAP4
from .._imaprs import idate2unix, iutf7_decode
from ..errors import NO
from .errors import CliError
from .flags import canonical

__all__ = [
    "Folder",
    "FolderStatus",
    "Part",
    "Summary",
    "fetch_raw",
    "folders",
    "headers",
    "open_folder",
    "search",
    "summaries",
    "uid_sizes",
    "uids_after",
]

SPECIAL_USE = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
_HEADER_PARSER = email.parser.BytesHeaderParser(policy=email.policy.default)
_SEQUENCE_SET = re.compile(r"^[0-9*$][0-9:,*$]*$")
_SUMMARY_FIELDS = "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]"


class Folder(NamedTuple):
    """A folder as LIST shows it, with its counts when the server gave them."""

    name: str
    flags: Tuple[str, ...]
    special_use: Optional[str]
    messages: Optional[int]
    unseen: Optional[int]

    @property
    def selectable(self) -> bool:
        return not any(f.upper() in ("\\NOSELECT", "\\NONEXISTENT") for f in self.flags)


class FolderStatus(NamedTuple):
    """What SELECT or EXAMINE told about a folder."""

    uidvalidity: int
    uidnext: Optional[int]
    exists: int


class Summary(NamedTuple):
    """Decoded sender, subject and date of one message."""

    uid: int
    sender: str
    subject: str
    date: str


class Part(NamedTuple):
    """One leaf of a message's MIME structure."""

    section: str
    mime_type: str
    size: int
    name: Optional[str]


def folders(imap: IMAP4) -> List[Folder]:
    """Every folder with its special use, and message and unseen counts (LIST-STATUS in one
    command when offered, else a STATUS per folder)."""
    ret = ["SPECIAL-USE"] if "SPECIAL-USE" in imap.caps else []
    with_status = "LIST-STATUS" in imap.caps
    if with_status:
        ret.append("STATUS (MESSAGES UNSEEN)")
    cmd = imap.list("", "*", ret=ret)
    listed: List[Tuple[str, Tuple[str, ...]]] = []
    counts: Dict[str, Tuple[Optional[int], Optional[int]]] = {}
    for rsp in cmd.queue:
        if rsp.dtype in ("LIST", "XLIST") and len(rsp) >= 4:
            flags = tuple(str(f) for f in rsp[1] or ())
            listed.append((_name(rsp[3]), flags))
        elif rsp.dtype == "STATUS" and len(rsp) >= 3:
            counts[_name(rsp[1])] = _status_counts(rsp[2])
    cmd.queue.clear()
    out = []
    for name, flags in listed:
        special = next((canonical(f) for f in flags if canonical(f) in SPECIAL_USE), None)
        folder = Folder(name, flags, special, None, None)
        if not with_status and folder.selectable:
            status = imap.status(name, "MESSAGES", "UNSEEN")
            for rsp in status.queue:
                if rsp.dtype == "STATUS" and len(rsp) >= 3:
                    counts[name] = _status_counts(rsp[2])
        messages, unseen = counts.get(name, (None, None))
        out.append(folder._replace(messages=messages, unseen=unseen))
    return out


def open_folder(imap: IMAP4, name: str, readonly: bool = True) -> FolderStatus:
    """SELECT (EXAMINE when ``readonly``) ``name``; an unknown folder is a :class:`CliError`."""
    try:
        cmd = imap.select(name, readonly=readonly)
    except NO as exc:
        raise CliError("folder", f"cannot open folder {name!r}: {exc.args[1] or exc}") from None
    uidvalidity, uidnext, exists = 0, None, 0
    for rsp in cmd.queue:
        if rsp.dtype == "UIDVALIDITY":
            uidvalidity = int(_code_value(rsp))
        elif rsp.dtype == "UIDNEXT":
            uidnext = int(_code_value(rsp))
        elif rsp.dtype == "EXISTS":
            exists = int(rsp[0])
    cmd.queue.clear()
    return FolderStatus(uidvalidity, uidnext, exists)


def search(imap: IMAP4, criteria: Sequence[str]) -> List[int]:
    """UIDs of the messages matching ``criteria`` (IMAP SEARCH keys, one word or string
    each), in ascending order."""
    args = [Raw(c) if _SEQUENCE_SET.match(c) else c for c in criteria]
    cmd = imap.search(*args, uid=True)
    uids: List[int] = []
    for rsp in cmd.queue:
        if rsp.dtype == "SEARCH":
            uids.extend(int(u) for u in rsp[1:] if isinstance(u, int))
    cmd.queue.clear()
    return sorted(uids)


def uids_after(imap: IMAP4, uid: int) -> List[int]:
    """UIDs above ``uid`` in the selected folder."""
    return [u for u in search(imap, ["UID", f"{uid + 1}:*"]) if u > uid]


def summaries(imap: IMAP4, uids: Iterable[int]) -> Iterator[Summary]:
    """Decoded sender, subject and date of each message in ``uids`` (in server order)."""
    uid_list = sorted(set(uids))
    if not uid_list:
        return
    cmd = imap.fetch(uid_list, "UID", _SUMMARY_FIELDS, uid=True, wait=False)
    for rsp in cmd:
        items = response_map(rsp) if rsp.dtype == "FETCH" else {}
        raw = items.get("BODY[HEADER.FIELDS (FROM SUBJECT DATE)]")
        if "UID" not in items or not isinstance(raw, bytes):
            continue
        msg = _HEADER_PARSER.parsebytes(raw)
        yield Summary(
            int(items["UID"]),
            _decoded(msg, "From"),
            _decoded(msg, "Subject"),
            _decoded(msg, "Date"),
        )
    cmd.wait()


def headers(imap: IMAP4, uid: int) -> Tuple[List[Tuple[str, str]], List[Part]]:
    """The decoded header fields of message ``uid`` and the parts of its MIME structure."""
    cmd = imap.fetch([uid], "UID", "BODY.PEEK[HEADER]", "BODYSTRUCTURE", uid=True)
    for rsp in cmd.queue:
        items = response_map(rsp) if rsp.dtype == "FETCH" else {}
        raw = items.get("BODY[HEADER]")
        if items.get("UID") == uid and isinstance(raw, bytes):
            msg = _HEADER_PARSER.parsebytes(raw)
            fields = [(name, _decoded_value(value)) for name, value in msg.items()]
            return fields, _parts(items.get("BODYSTRUCTURE"), "")
    raise CliError("folder", f"no message with UID {uid}")


def uid_sizes(imap: IMAP4) -> Dict[int, int]:
    """UID -> size of every message in the selected folder."""
    cmd = imap.fetch("1:*", "UID", "RFC822.SIZE", uid=True, wait=False)
    sizes: Dict[int, int] = {}
    for rsp in cmd:
        items = _fetch_items(rsp)
        if "UID" in items:
            sizes[int(items["UID"])] = int(items.get("RFC822.SIZE") or 0)
    cmd.wait()
    return sizes


class Fetched(NamedTuple):
    """A message as a FETCH of its body returned it (the body went to the sink)."""

    seq: int
    uid: int
    flags: Tuple[str, ...]
    date: Optional[int]


def fetch_raw(
    imap: IMAP4,
    uids: Sequence[int],
    sink: Any,
    progress: Any,
) -> Iterator[Fetched]:
    """UID FETCH of ``uids`` with flags, INTERNALDATE and the whole message, streamed: each
    body goes to ``sink(head, data)`` (``progress(done, total)`` after each piece) before
    its message is yielded. Memory stays bounded whatever the message sizes."""
    cmd = imap.fetch(
        list(uids),
        "UID",
        "FLAGS",
        "INTERNALDATE",
        "BODY.PEEK[]",
        uid=True,
        wait=False,
        sink=sink,
        progress=progress,
    )
    for rsp in cmd:
        items = _fetch_items(rsp)
        if "UID" not in items or "BODY[]" not in items:
            continue
        idate = items.get("INTERNALDATE")
        yield Fetched(
            int(rsp[0]),
            int(items["UID"]),
            tuple(str(f) for f in items.get("FLAGS") or ()),
            idate2unix(idate) if isinstance(idate, str) else None,
        )
    cmd.wait()


# -- decoding ---------------------------------------------------------------------------------


def _fetch_items(rsp: Any) -> Dict[str, Any]:
    """``response_map`` for the FETCH responses of a whole folder: the same dict, built
    without its generality (this runs once per message)."""
    if rsp.dtype != "FETCH" or len(rsp) < 3 or not isinstance(rsp[2], list):
        return {}
    items = rsp[2]
    return {str(name).upper(): value for name, value in zip(items[::2], items[1::2])}


def _name(raw: Any) -> str:
    """A mailbox name as LIST or STATUS sent it, decoded from modified UTF-7."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    text = str(raw)
    try:
        return iutf7_decode(text)
    except ValueError:
        return text  # not modified UTF-7: used as it is, it names the same mailbox


def _status_counts(items: Any) -> Tuple[Optional[int], Optional[int]]:
    values = response_map(items) if isinstance(items, list) else {}
    return values.get("MESSAGES"), values.get("UNSEEN")


def _code_value(rsp: Any) -> Any:
    """The value of a status response's code: ``* OK [UIDNEXT 5] ...`` -> 5."""
    for token in rsp:
        if isinstance(token, int):
            return token
    text = str(rsp.text)
    start = text.upper().find(str(rsp.dtype)) + len(str(rsp.dtype))
    return text[start:].strip().split("]")[0].split()[0]


def _decoded(msg: Any, field: str) -> str:
    value = msg.get(field)
    return "" if value is None else _decoded_value(value)


def _decoded_value(value: Any) -> str:
    """A header value with RFC 2047 words decoded; the raw text when it cannot be."""
    try:
        return " ".join(str(value).split())
    except Exception:  # a malformed header the parser kept as it was
        try:
            return str(email.header.make_header(email.header.decode_header(str(value))))
        except Exception:
            return repr(value)


def _parts(structure: Any, prefix: str) -> List[Part]:
    """The leaves of a BODYSTRUCTURE (RFC 3501 §7.4.2), numbered as BODY[section] wants."""
    if not isinstance(structure, list) or not structure:
        return []
    if isinstance(structure[0], list):  # multipart: children, then the subtype
        out: List[Part] = []
        children = itertools.takewhile(lambda child: isinstance(child, list), structure)
        for number, child in enumerate(children, 1):
            out += _parts(child, f"{prefix}{number}.")
        return out
    mime = f"{structure[0]}/{structure[1]}".lower() if len(structure) > 1 else str(structure[0])
    size = structure[6] if len(structure) > 6 and isinstance(structure[6], int) else 0
    params = _params(structure[2] if len(structure) > 2 else None)
    # The disposition follows the fields that text/* and message/rfc822 parts add.
    at = 9 if mime.startswith("text/") else 11 if mime == "message/rfc822" else 8
    disposition = structure[at] if len(structure) > at else None
    if isinstance(disposition, list) and len(disposition) > 1:
        params = {**params, **_params(disposition[1])}
    name = params.get("filename") or params.get("name")
    return [Part(prefix.rstrip(".") or "1", mime, size, name)]


def _params(raw: Any) -> Dict[str, str]:
    if not isinstance(raw, list):
        return {}
    out = {}
    for key, value in zip(raw[::2], raw[1::2]):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        with contextlib.suppress(Exception):  # else kept as sent
            text = str(email.header.make_header(email.header.decode_header(text)))
        out[str(key).lower()] = text
    return out
