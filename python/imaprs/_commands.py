"""The mailbox and message commands of IMAP4 (RFC 3501 and the extensions servers offer).

Every method sends one command and returns its :class:`IMAP4Command`; ``wait=True`` (the
default) waits for the completion and raises ``NO``/``BAD``; ``wait=False`` returns at once.
Mailbox names are ``str``: sent in modified UTF-7 (UTF-8 after ENABLE UTF8=ACCEPT), and
any name a command's result gives back reaches the same mailbox when passed to another (the
rule in ``imaprs._mailbox``). Other strings are sent as atoms, quoted strings or literals as
needed; flags, sequence sets, numbers and keywords go as the kinds of ``_args`` (``Flags``,
``SequenceSet``, ``Number64``, ``Atom``, ``Quoted``), which the core checks against their
grammar before anything is written; :class:`Raw` passes syntax through (CR, LF and NUL are
refused everywhere, and so is text ending like a literal header). Each command's ``.data``
is its result as a Python value (the table in ``imaprs._results``).
"""

from __future__ import annotations

import re
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Tuple,
    Union,
)

from ._args import Atom, Flags, Number64, Quoted, SequenceSet
from ._command import IMAP4Command, Raw, Sink
from ._imaprs import BodyStructure, TransferDecoder, fetch_item, unix2idate
from ._mailbox import encode_mailbox
from ._ops import Op
from ._search import search_args
from ._types import IMAP4SeqSet
from ._upload import Upload
from .errors import IMAP4Error

if TYPE_CHECKING:
    from ._engine import Engine

    _Base = Engine
else:
    _Base = object

_NUL = re.compile(b"\x00")
SeqSet = Union[str, int, Iterable[int]]
#: A message's data: bytes-like, str, a binary file object, or an iterable of chunks.
MessageData = Union[bytes, bytearray, memoryview, str, IO[bytes], Iterable[bytes]]
Message = Union[
    MessageData,
    Tuple[MessageData, Iterable[str], Union[str, float, None]],
    Tuple[MessageData, Iterable[str], Union[str, float, None], Optional[int]],
]


class Commands(_Base):
    """Mixed into IMAP4."""

    #: True after ENABLE UTF8=ACCEPT (RFC 6855): mailbox names and strings go as UTF-8.
    utf8_enabled = False

    def _mbox(self, name: str) -> Union[Raw, bytes]:
        """A mailbox name as sent: modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT; a
        :class:`MailboxName` as the bytes the server sent (see ``imaprs._mailbox``)."""
        return encode_mailbox(name, self.utf8_enabled)

    # -- mailboxes -----------------------------------------------------------------------

    def create(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """CREATE."""
        return self._run(wait, "CREATE", self._mbox(mbox))

    def delete(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """DELETE."""
        return self._run(wait, "DELETE", self._mbox(mbox))

    def rename(self, old: str, new: str, *, wait: bool = True) -> IMAP4Command:
        """RENAME."""
        return self._run(wait, "RENAME", self._mbox(old), self._mbox(new))

    def subscribe(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """SUBSCRIBE."""
        return self._run(wait, "SUBSCRIBE", self._mbox(mbox))

    def unsubscribe(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """UNSUBSCRIBE."""
        return self._run(wait, "UNSUBSCRIBE", self._mbox(mbox))

    def list(
        self,
        ref: str = "",
        mbox: str = "*",
        *,
        select: Iterable[str] = (),
        ret: Iterable[str] = (),
        wait: bool = True,
    ) -> IMAP4Command:
        """LIST; ``select`` options (``SPECIAL-USE``, ``SUBSCRIBED``) and ``ret`` options
        (``SPECIAL-USE``, ``STATUS (MESSAGES UNSEEN)`` with LIST-STATUS) per RFC 5258.
        ``.data`` is a list of :class:`MailboxInfo` whose ``name`` is decoded and reaches
        the same mailbox when passed back; the raw responses keep the wire form."""
        args: List[Any] = []
        if select:
            args.append([Atom(s) for s in select])
        args += [self._mbox(ref), self._mbox(mbox)]
        if ret:
            args += [Atom("RETURN"), Raw("(" + " ".join(ret) + ")")]
        return self._run(wait, "LIST", *args)

    def lsub(self, ref: str = "", mbox: str = "*", *, wait: bool = True) -> IMAP4Command:
        """LSUB; ``.data`` as for :meth:`list`."""
        return self._run(wait, "LSUB", self._mbox(ref), self._mbox(mbox))

    def status(self, mbox: str, *attrs: str, wait: bool = True) -> IMAP4Command:
        """STATUS (default: MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN); ``.data`` is
        ``{'MESSAGES': 3, ...}``."""
        items = attrs or ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN")
        return self._run(wait, "STATUS", self._mbox(mbox), [Atom(i) for i in items])

    def namespace(self, *, wait: bool = True) -> IMAP4Command:
        """NAMESPACE; ``.data`` is :class:`Namespaces` (personal, other, shared)."""
        return self._run(wait, "NAMESPACE")

    # -- messages in, messages out -------------------------------------------------------

    def append(
        self,
        mbox: str,
        data: MessageData,
        flags: Iterable[str] = (),
        idate: Union[str, float, None] = None,
        *,
        wait: bool = True,
        size: Optional[int] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> IMAP4Command:
        """APPEND ``data`` with ``flags`` and INTERNALDATE ``idate`` (a Unix time or an
        IMAP date string). The message lands whole or the command fails.

        ``data`` is bytes-like or ``str``, a binary file object (read from its current
        position; its size is found by seeking, or given as ``size`` when it cannot seek), or
        an iterable of bytes-like chunks (``size`` required: it is announced before the first
        chunk is read). Large messages are written straight from the caller's buffer or
        file, so memory stays bounded whatever their size. ``progress(done, total)`` reports
        the bytes written; if it raises, the connection is closed (the server is left inside
        the message) and the call raises ``CallbackError``."""
        return self.multiappend(mbox, [(data, flags, idate, size)], wait=wait, progress=progress)

    def multiappend(
        self,
        mbox: str,
        msgs: Iterable[Message],
        *,
        wait: bool = True,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> IMAP4Command:
        """One APPEND of several messages (MULTIAPPEND, RFC 3502): all land or none.
        Each message is its data (as for ``append``), or ``(data, flags, idate)``, or
        ``(data, flags, idate, size)`` for an iterable or a file that cannot seek."""
        args: List[Any] = [self._mbox(mbox)]
        uploads: List[Upload] = []
        for msg in msgs:
            if isinstance(msg, tuple):
                data, flags, idate, size = (*msg, None)[:4]
            else:
                data, flags, idate, size = msg, (), None, None
            flag_list = Flags(f for f in flags if f.upper() != "\\RECENT")
            if flag_list:
                args.append(flag_list)
            if isinstance(idate, (int, float)):
                idate = unix2idate(idate)
            if idate is not None:
                args.append(idate)
            args.append(b"")  # the encoder's placeholder for the message, streamed
            uploads.append(_upload(data, size))
        if not uploads:
            raise ValueError("nothing to append")
        if len(uploads) > 1 and "MULTIAPPEND" not in self.caps:
            raise IMAP4Error("the server does not support MULTIAPPEND")
        return self._run(wait, "APPEND", *args, uploads=uploads, progress=progress)

    def check(self, *, wait: bool = True) -> IMAP4Command:
        """CHECK."""
        return self._run(wait, "CHECK")

    def expunge(self, uids: Optional[SeqSet] = None, *, wait: bool = True) -> IMAP4Command:
        """EXPUNGE, or UID EXPUNGE of ``uids`` (UIDPLUS); ``.data`` lists the expunged
        message numbers (the UIDs of VANISHED with QRESYNC)."""
        if uids is None:
            return self._run(wait, "EXPUNGE")
        return self._run(wait, "UID EXPUNGE", SequenceSet(_seqset(uids)[0]))

    def search(self, *criteria: Any, wait: bool = True, uid: bool = False) -> IMAP4Command:
        """[UID] SEARCH criteria: :class:`Q` objects, ``date``/``datetime`` values (sent as
        RFC 3501 dates), ``int`` and :class:`IMAP4SeqSet` values (sequence sets), strings
        (atoms, quoted strings or literals) and :class:`Raw` syntax. ``CHARSET UTF-8`` is
        added when a value is not ASCII (not after ENABLE UTF8=ACCEPT).
        ``.data`` is the list of numbers (UIDs with ``uid=True``); with
        ``Raw('RETURN (MIN MAX COUNT ALL)')`` first (ESEARCH, RFC 4731) it is an
        :class:`ESearchResult` of what was asked for."""
        spec = list(criteria)
        ret = []
        if spec and isinstance(spec[0], Raw) and spec[0].text.upper().startswith("RETURN"):
            ret = [spec.pop(0)]
        args, non_ascii = search_args(spec or [Raw("ALL")], self.utf8_enabled)
        charset = [Raw("CHARSET UTF-8")] if non_ascii and not self.utf8_enabled else []
        return self._run(wait, _uid(uid, "SEARCH"), *ret, *charset, *args)

    def fetch(
        self,
        seqset: SeqSet,
        *attrs: str,
        wait: bool = True,
        uid: bool = False,
        changedsince: Optional[int] = None,
        vanished: bool = False,
        sink: Union[Sink, IO[bytes], None] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> IMAP4Command:
        """[UID] FETCH ``seqset`` (attrs); the command claims the FETCH responses inside the
        set (every FETCH for text such as ``'1:*'``).

        ``changedsince`` (CONDSTORE) and ``vanished`` (QRESYNC, UID FETCH only) add the
        RFC 7162 modifiers. ``sink`` receives large literals (message bodies) while they
        arrive instead of keeping them: a binary file object, or ``sink(head, data)`` called
        per chunk with the response head (``* n FETCH (... BODY[] {0}``) to tell messages
        apart; the literal then reads as ``b''`` in the response. ``progress(done, total)``
        reports the bytes of the literal being received. Memory stays bounded whatever the
        message size. The sink runs in whichever thread reads; it must not use the
        connection.
        """
        text, claim = _seqset(seqset)
        args: List[Any] = [SequenceSet(text), _ITEMS.get(attrs) or _items(attrs)]
        if changedsince is not None or vanished:
            modifiers: List[Any] = []
            if changedsince is not None:
                modifiers += [Atom("CHANGEDSINCE"), Number64(changedsince)]
            if vanished:
                modifiers.append(Atom("VANISHED"))
            args.append(modifiers)
        write = sink if sink is None or callable(sink) else _sink(sink)
        name = "UID FETCH" if uid else "FETCH"
        return self._run(wait, name, *args, seqset=claim, sink=write, progress=progress)

    def fetch_part(
        self,
        uid: int,
        part: Union[str, BodyStructure],
        sink: Union[Callable[[bytes], Any], IO[bytes], None] = None,
        *,
        decode: bool = True,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> Optional[bytes]:
        """Downloads one body part of message ``uid``: ``BODY.PEEK[<part>]``.

        ``part`` is a :class:`BodyStructure` node (from ``attachments()`` or ``walk()``) or
        a section number such as ``'2.1'``. With ``decode`` the part's base64 or
        quoted-printable transfer encoding is undone while the bytes arrive (a section
        number costs one more FETCH for the body structure). ``sink`` receives the bytes
        as they come: a binary file object or a callable taking ``bytes``; memory stays
        bounded whatever the part's size. ``progress(done, total)`` reports the encoded
        bytes received. Returns the bytes when there is no sink, else None.

        Raises:
            IMAP4Error: the message or the part does not exist.
        """
        return self._drive(self._fetch_part(int(uid), part, sink, decode, progress))

    def _fetch_part(
        self,
        uid: int,
        part: Union[str, BodyStructure],
        sink: Union[Callable[[bytes], Any], IO[bytes], None],
        decode: bool,
        progress: Optional[Callable[[int, int], None]],
    ) -> Op[Optional[bytes]]:
        if isinstance(part, BodyStructure):
            section, encoding = part.part, part.encoding
        else:
            section, encoding = str(part), None
            if decode:
                structure = yield self.fetch(str(uid), "BODYSTRUCTURE", uid=True)
                found = [fetch_item(r) for r in structure.queue if r.dtype == "FETCH"]
                body = found[0].bodystructure if found else None
                node = next((n for n in body.walk() if n.part == section), None) if body else None
                if node is None:
                    raise IMAP4Error(f"message UID {uid} has no part {section!r}")
                encoding = node.encoding
        decoder = TransferDecoder((encoding or "7bit") if decode else "binary")
        chunks: List[bytes] = []
        write: Callable[[bytes], Any]
        if sink is None:
            write = chunks.append
        elif callable(sink):
            write = sink  # it may return an awaitable (asyncio): the driver awaits it
        else:
            write = sink.write
        received = False

        def receive(_head: bytes, data: bytes) -> Any:
            nonlocal received
            received = True
            out = decoder.decode(data)
            return write(out) if out else None

        cmd = yield self.fetch(
            str(uid), f"BODY.PEEK[{section}]", uid=True, sink=receive, progress=progress
        )
        if not received:
            # Small or empty parts may come as a quoted string (or NIL), not a literal.
            items = [fetch_item(r) for r in cmd.queue if r.dtype == "FETCH"]
            value = items[0].get(f"BODY[{section}]") if items else None
            if value is None:
                raise IMAP4Error(f"message UID {uid} has no part {section!r}")
            yield receive(b"", value)
        tail = decoder.finish()
        if tail:
            yield write(tail)
        return b"".join(chunks) if sink is None else None

    def store(
        self,
        seqset: SeqSet,
        item: str,
        *flags: str,
        wait: bool = True,
        uid: bool = False,
        unchangedsince: Optional[int] = None,
    ) -> IMAP4Command:
        """[UID] STORE ``seqset`` item (flags), e.g. ``store('1:3', '+FLAGS', '\\\\Seen')``;
        ``unchangedsince`` adds the CONDSTORE modifier."""
        text, claim = _seqset(seqset)
        args: List[Any] = [SequenceSet(text)]
        if unchangedsince is not None:
            args.append([Atom("UNCHANGEDSINCE"), Number64(unchangedsince)])
        args += [Atom(item), Flags(flags)]
        return self._run(wait, _uid(uid, "STORE"), *args, seqset=claim)

    def copy(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] COPY; ``.data`` is the COPYUID code ``(uidvalidity, source UIDs, new
        UIDs)`` (UIDPLUS), else None."""
        return self._run(wait, _uid(uid, "COPY"), SequenceSet(_seqset(seqset)[0]), self._mbox(mbox))

    def move(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] MOVE (RFC 6851); ``.data`` as for :meth:`copy`."""
        return self._run(wait, _uid(uid, "MOVE"), SequenceSet(_seqset(seqset)[0]), self._mbox(mbox))

    def sort(
        self, keys: Union[str, Iterable[str]], *criteria: Any, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] SORT (keys) UTF-8 criteria (RFC 5256); criteria as for :meth:`search`.
        ``.data`` is the list of numbers in the sorted order."""
        keys = keys.split() if isinstance(keys, str) else list(keys)
        args, _ = search_args(criteria or [Raw("ALL")], self.utf8_enabled)
        return self._run(wait, _uid(uid, "SORT"), [Atom(k) for k in keys], Atom("UTF-8"), *args)

    def thread(
        self, method: str, *criteria: Any, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] THREAD method UTF-8 criteria (RFC 5256; needs THREAD=method); criteria as
        for :meth:`search`. ``.data`` is the list of threads, each a tuple of message numbers
        followed by tuples for its branches."""
        if f"THREAD={method.upper()}" not in self.caps:
            raise IMAP4Error(f"the server does not support THREAD={method.upper()}")
        args, _ = search_args(criteria or [Raw("ALL")], self.utf8_enabled)
        return self._run(wait, _uid(uid, "THREAD"), Atom(method), Atom("UTF-8"), *args)

    # -- quota, ACL, metadata ------------------------------------------------------------

    def getquota(self, root: str, *, wait: bool = True) -> IMAP4Command:
        """GETQUOTA (RFC 9208); ``.data`` is ``{resource: (usage, limit)}``."""
        return self._run(wait, "GETQUOTA", root)

    def getquotaroot(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """GETQUOTAROOT: the QUOTAROOT and QUOTA responses for a mailbox; ``.data`` is
        ``{root: {resource: (usage, limit)}}``."""
        return self._run(wait, "GETQUOTAROOT", self._mbox(mbox))

    def setquota(self, root: str, *limits: Tuple[str, int], wait: bool = True) -> IMAP4Command:
        """SETQUOTA root ((resource, limit)...)."""
        flat = [x for name, value in limits for x in (Atom(name), Number64(value))]
        return self._run(wait, "SETQUOTA", root, flat)

    def setacl(self, mbox: str, ident: str, rights: str, *, wait: bool = True) -> IMAP4Command:
        """SETACL (RFC 4314)."""
        return self._run(wait, "SETACL", self._mbox(mbox), ident, rights)

    def deleteacl(self, mbox: str, ident: str, *, wait: bool = True) -> IMAP4Command:
        """DELETEACL."""
        return self._run(wait, "DELETEACL", self._mbox(mbox), ident)

    def getacl(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """GETACL; ``.data`` is ``{identifier: rights}``."""
        return self._run(wait, "GETACL", self._mbox(mbox))

    def listrights(self, mbox: str, ident: str, *, wait: bool = True) -> IMAP4Command:
        """LISTRIGHTS; ``.data`` is ``(required, (optional, ...))``."""
        return self._run(wait, "LISTRIGHTS", self._mbox(mbox), ident)

    def myrights(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """MYRIGHTS; ``.data`` is the rights string."""
        return self._run(wait, "MYRIGHTS", self._mbox(mbox))

    def getmetadata(self, mbox: str, *entries: str, wait: bool = True, **opts: int) -> IMAP4Command:
        """GETMETADATA (RFC 5464); ``opts`` such as ``MAXSIZE=1024``, ``DEPTH='infinity'``.
        ``mbox=''`` reads server annotations. ``.data`` is ``{entry: value}`` (``str``,
        ``bytes`` when not UTF-8, or None)."""
        self._check_metadata(mbox)
        args: List[Any] = []
        if opts:
            args.append(
                [
                    x
                    for k, v in opts.items()
                    for x in (Atom(k.upper()), Atom(v) if isinstance(v, str) else Number64(v))
                ]
            )
        args.append(self._mbox(mbox))
        args.append(list(entries) if len(entries) != 1 else entries[0])
        return self._run(wait, "GETMETADATA", *args)

    def setmetadata(
        self, mbox: str, *entries: Union[str, bytes, None], wait: bool = True
    ) -> IMAP4Command:
        """SETMETADATA mbox (entry value ...): alternating names and values (None deletes)."""
        self._check_metadata(mbox)
        if len(entries) % 2:
            raise ValueError("entries must alternate names and values")
        # RFC 5464: a value is a string, NIL or a literal, never an atom (Cyrus holds to it).
        items = [Quoted(e) if i % 2 and isinstance(e, str) else e for i, e in enumerate(entries)]
        return self._run(wait, "SETMETADATA", self._mbox(mbox), items)

    def _check_metadata(self, mbox: str) -> None:
        if "METADATA" not in self.caps and not (mbox == "" and "METADATA-SERVER" in self.caps):
            raise IMAP4Error("the server does not support METADATA")


#: FETCH item lists already built, by their items (a few distinct ones per program).
_ITEMS: Dict[Tuple[str, ...], Raw] = {(): Raw("(FLAGS)")}


def _items(attrs: Tuple[str, ...]) -> Raw:
    """The parenthesised FETCH items for ``attrs`` (``(FLAGS)`` when there are none)."""
    raw = _ITEMS.get(attrs)
    if raw is None:
        raw = Raw(f"({' '.join(attrs)})")
        if len(_ITEMS) < 256:
            _ITEMS[attrs] = raw
    return raw


def _uid(uid: bool, name: str) -> str:
    return f"UID {name}" if uid else name


def _seqset(seqset: SeqSet) -> Tuple[str, Optional[str]]:
    """The wire text of a sequence set, and the set to claim by (None: claim every FETCH)."""
    if type(seqset) is list and len(seqset) == 1 and type(seqset[0]) is int and seqset[0] > 0:
        text = str(seqset[0])  # the common single-message case, first
        return text, text
    if isinstance(seqset, (list, tuple)) and len(seqset) == 1 and isinstance(seqset[0], int):
        seqset = seqset[0]
    if isinstance(seqset, int):
        if seqset > 0:
            text = str(seqset)
            return text, text
        seqset = [seqset]  # refused by IMAP4SeqSet below
    if isinstance(seqset, str):
        if seqset.replace(",", "").replace(":", "").isdigit():
            return seqset, seqset
        return seqset, None
    text = str(seqset if isinstance(seqset, IMAP4SeqSet) else IMAP4SeqSet(seqset))
    return text, text


def _sink(sink: Union[Sink, IO[bytes], None]) -> Optional[Sink]:
    if sink is None or callable(sink):
        return sink
    write = sink.write

    def to_file(_head: bytes, data: bytes) -> None:
        write(data)

    return to_file


def _upload(data: Any, size: Optional[int]) -> Upload:
    """The upload of one message, its size known before anything is sent."""
    if isinstance(data, str):
        data = data.encode()
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        if _NUL.search(view) is not None:
            raise ValueError("a message cannot contain NUL")
        return Upload(data, view.nbytes)
    if size is None and hasattr(data, "read") and getattr(data, "seekable", lambda: False)():
        here = data.tell()
        size = data.seek(0, 2) - here
        data.seek(here)
    if size is None:
        raise TypeError("the size of a message given as a stream or chunks is needed (size=)")
    if not isinstance(size, int) or size < 0:
        raise ValueError("size must be a non-negative int")
    return Upload(data, size)
