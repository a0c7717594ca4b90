"""The mailbox and message commands of IMAP4 (RFC 3501 and the extensions servers offer).

Every method sends one command and returns its :class:`IMAP4Command`; ``wait=True`` (the
default) waits for the completion and raises ``NO``/``BAD``; ``wait=False`` returns at once.
Mailbox names are encoded with modified UTF-7 and quoted; other strings are sent as atoms,
quoted strings or literals as needed; :class:`Raw` passes syntax through (CR, LF and NUL are
refused everywhere).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple, Union

from ._command import IMAP4Command, Raw, Sink
from ._functions import qstr_iutf7
from ._imaprs import BodyStructure, TransferDecoder, fetch_item, unix2idate
from ._types import IMAP4SeqSet
from .errors import IMAP4Error

if TYPE_CHECKING:
    from ._engine import Engine

    _Base = Engine
else:
    _Base = object

SeqSet = Union[str, int, Iterable[int]]
Message = Union[bytes, str, Tuple[Union[bytes, str], Iterable[str], Union[str, float, None]]]


class Commands(_Base):
    """Mixed into IMAP4."""

    #: True after ENABLE UTF8=ACCEPT (RFC 6855): mailbox names and strings go as UTF-8.
    utf8_enabled = False

    def _mbox(self, name: str) -> Raw:
        """A mailbox name as sent: modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT."""
        if self.utf8_enabled and not name.isascii():
            if any(c in name for c in "\r\n\0"):
                raise ValueError("mailbox names cannot hold CR, LF or NUL")
            return Raw('"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"')
        return Raw(qstr_iutf7(name))

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
        (``SPECIAL-USE``, ``STATUS (MESSAGES UNSEEN)`` with LIST-STATUS) per RFC 5258."""
        args: List[Any] = []
        if select:
            args.append(Raw("(" + " ".join(select) + ")"))
        args += [self._mbox(ref), self._mbox(mbox)]
        if ret:
            args += [Raw("RETURN"), Raw("(" + " ".join(ret) + ")")]
        return self._run(wait, "LIST", *args)

    def lsub(self, ref: str = "", mbox: str = "*", *, wait: bool = True) -> IMAP4Command:
        """LSUB."""
        return self._run(wait, "LSUB", self._mbox(ref), self._mbox(mbox))

    def status(self, mbox: str, *attrs: str, wait: bool = True) -> IMAP4Command:
        """STATUS (default: MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)."""
        items = attrs or ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN")
        return self._run(wait, "STATUS", self._mbox(mbox), Raw(f"({' '.join(items)})"))

    def namespace(self, *, wait: bool = True) -> IMAP4Command:
        """NAMESPACE."""
        return self._run(wait, "NAMESPACE")

    # -- messages in, messages out -------------------------------------------------------

    def append(
        self,
        mbox: str,
        data: Union[bytes, str],
        flags: Iterable[str] = (),
        idate: Union[str, float, None] = None,
        *,
        wait: bool = True,
    ) -> IMAP4Command:
        """APPEND ``data`` with ``flags`` and INTERNALDATE ``idate`` (a Unix time or an
        IMAP date string). The message lands whole or the command fails."""
        return self.multiappend(mbox, [(data, flags, idate)], wait=wait)

    def multiappend(self, mbox: str, msgs: Iterable[Message], *, wait: bool = True) -> IMAP4Command:
        """One APPEND of several messages (MULTIAPPEND, RFC 3502): all land or none.
        Each message is bytes/str, or ``(data, flags, idate)``."""
        args: List[Any] = [self._mbox(mbox)]
        count = 0
        for msg in msgs:
            data, flags, idate = msg if isinstance(msg, tuple) else (msg, (), None)
            flag_list = [f for f in flags if f.upper() != "\\RECENT"]
            if flag_list:
                args.append(Raw("(" + " ".join(flag_list) + ")"))
            if isinstance(idate, (int, float)):
                idate = unix2idate(idate)
            if idate is not None:
                args.append(idate)
            args.append(data.encode() if isinstance(data, str) else bytes(data))
            count += 1
        if count == 0:
            raise ValueError("nothing to append")
        if count > 1 and "MULTIAPPEND" not in self.caps:
            raise IMAP4Error("the server does not support MULTIAPPEND")
        return self._run(wait, "APPEND", *args)

    def check(self, *, wait: bool = True) -> IMAP4Command:
        """CHECK."""
        return self._run(wait, "CHECK")

    def expunge(self, uids: Optional[SeqSet] = None, *, wait: bool = True) -> IMAP4Command:
        """EXPUNGE, or UID EXPUNGE of ``uids`` (UIDPLUS)."""
        if uids is None:
            return self._run(wait, "EXPUNGE")
        return self._run(wait, "UID EXPUNGE", Raw(_seqset(uids)[0]))

    def search(self, *criteria: Any, wait: bool = True, uid: bool = False) -> IMAP4Command:
        """[UID] SEARCH CHARSET UTF-8 criteria (strings go as atoms, quoted strings or
        literals; use :class:`Raw` for syntax). ``Raw('RETURN (MIN MAX COUNT ALL)')`` first
        asks for ESEARCH results."""
        spec = list(criteria) or [Raw("ALL")]
        if spec and isinstance(spec[0], Raw) and spec[0].text.upper().startswith("RETURN"):
            return self._run(wait, _uid(uid, "SEARCH"), spec[0], Raw("CHARSET UTF-8"), *spec[1:])
        return self._run(wait, _uid(uid, "SEARCH"), Raw("CHARSET UTF-8"), *spec)

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
        args: List[Any] = [Raw(text), Raw("(" + " ".join(attrs or ("FLAGS",)) + ")")]
        modifiers = []
        if changedsince is not None:
            modifiers.append(f"CHANGEDSINCE {int(changedsince)}")
        if vanished:
            modifiers.append("VANISHED")
        if modifiers:
            args.append(Raw("(" + " ".join(modifiers) + ")"))
        write = _sink(sink)
        name = _uid(uid, "FETCH")
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
        uid = int(uid)
        if isinstance(part, BodyStructure):
            section, encoding = part.part, part.encoding
        else:
            section, encoding = str(part), None
            if decode:
                structure = self.fetch(str(uid), "BODYSTRUCTURE", uid=True)
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
            write = sink
        else:
            write = sink.write
        received = False

        def receive(_head: bytes, data: bytes) -> None:
            nonlocal received
            received = True
            out = decoder.decode(data)
            if out:
                write(out)

        cmd = self.fetch(
            str(uid), f"BODY.PEEK[{section}]", uid=True, sink=receive, progress=progress
        )
        if not received:
            # Small or empty parts may come as a quoted string (or NIL), not a literal.
            items = [fetch_item(r) for r in cmd.queue if r.dtype == "FETCH"]
            value = items[0].get(f"BODY[{section}]") if items else None
            if value is None:
                raise IMAP4Error(f"message UID {uid} has no part {section!r}")
            receive(b"", value)
        tail = decoder.finish()
        if tail:
            write(tail)
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
        args: List[Any] = [Raw(text)]
        if unchangedsince is not None:
            args.append(Raw(f"(UNCHANGEDSINCE {int(unchangedsince)})"))
        args += [Raw(item), Raw("(" + " ".join(flags) + ")")]
        return self._run(wait, _uid(uid, "STORE"), *args, seqset=claim)

    def copy(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] COPY (the COPYUID code comes with UIDPLUS)."""
        return self._run(wait, _uid(uid, "COPY"), Raw(_seqset(seqset)[0]), self._mbox(mbox))

    def move(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] MOVE (RFC 6851)."""
        return self._run(wait, _uid(uid, "MOVE"), Raw(_seqset(seqset)[0]), self._mbox(mbox))

    def sort(
        self, keys: Union[str, Iterable[str]], *criteria: Any, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] SORT (keys) UTF-8 criteria (RFC 5256)."""
        keys = keys.split() if isinstance(keys, str) else list(keys)
        spec = list(criteria) or [Raw("ALL")]
        return self._run(
            wait, _uid(uid, "SORT"), Raw("(" + " ".join(keys) + ")"), Raw("UTF-8"), *spec
        )

    def thread(
        self, method: str, *criteria: Any, wait: bool = True, uid: bool = False
    ) -> IMAP4Command:
        """[UID] THREAD method UTF-8 criteria (RFC 5256; needs THREAD=method)."""
        if f"THREAD={method.upper()}" not in self.caps:
            raise IMAP4Error(f"the server does not support THREAD={method.upper()}")
        spec = list(criteria) or [Raw("ALL")]
        return self._run(wait, _uid(uid, "THREAD"), Raw(method), Raw("UTF-8"), *spec)

    # -- quota, ACL, metadata ------------------------------------------------------------

    def getquota(self, root: str, *, wait: bool = True) -> IMAP4Command:
        """GETQUOTA (RFC 9208)."""
        return self._run(wait, "GETQUOTA", root)

    def getquotaroot(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """GETQUOTAROOT: the QUOTAROOT and QUOTA responses for a mailbox."""
        return self._run(wait, "GETQUOTAROOT", self._mbox(mbox))

    def setquota(self, root: str, *limits: Tuple[str, int], wait: bool = True) -> IMAP4Command:
        """SETQUOTA root ((resource, limit)...)."""
        flat = " ".join(f"{name} {int(value)}" for name, value in limits)
        return self._run(wait, "SETQUOTA", root, Raw(f"({flat})"))

    def setacl(self, mbox: str, ident: str, rights: str, *, wait: bool = True) -> IMAP4Command:
        """SETACL (RFC 4314)."""
        return self._run(wait, "SETACL", self._mbox(mbox), ident, rights)

    def deleteacl(self, mbox: str, ident: str, *, wait: bool = True) -> IMAP4Command:
        """DELETEACL."""
        return self._run(wait, "DELETEACL", self._mbox(mbox), ident)

    def getacl(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """GETACL."""
        return self._run(wait, "GETACL", self._mbox(mbox))

    def listrights(self, mbox: str, ident: str, *, wait: bool = True) -> IMAP4Command:
        """LISTRIGHTS."""
        return self._run(wait, "LISTRIGHTS", self._mbox(mbox), ident)

    def myrights(self, mbox: str, *, wait: bool = True) -> IMAP4Command:
        """MYRIGHTS."""
        return self._run(wait, "MYRIGHTS", self._mbox(mbox))

    def getmetadata(self, mbox: str, *entries: str, wait: bool = True, **opts: int) -> IMAP4Command:
        """GETMETADATA (RFC 5464); ``opts`` such as ``MAXSIZE=1024``, ``DEPTH='infinity'``.
        ``mbox=''`` reads server annotations."""
        self._check_metadata(mbox)
        args: List[Any] = []
        if opts:
            args.append(Raw("(" + " ".join(f"{k.upper()} {v}" for k, v in opts.items()) + ")"))
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
        return self._run(wait, "SETMETADATA", self._mbox(mbox), list(entries))

    def _check_metadata(self, mbox: str) -> None:
        if "METADATA" not in self.caps and not (mbox == "" and "METADATA-SERVER" in self.caps):
            raise IMAP4Error("the server does not support METADATA")


def _uid(uid: bool, name: str) -> str:
    return f"UID {name}" if uid else name


def _seqset(seqset: SeqSet) -> Tuple[str, Optional[str]]:
    """The wire text of a sequence set, and the set to claim by (None: claim every FETCH)."""
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
