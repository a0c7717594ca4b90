"""Signatures of ``imaprs.aio.IMAP4``: the blocking face's commands, as coroutines."""

from __future__ import annotations

import builtins
from typing import (
    IO,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Optional,
    Set,
    Tuple,
    Union,
)

from .._command import Sink
from .._commands import Message, MessageData, SeqSet
from .._imap4 import Address
from .._imaprs import BodyStructure, SelectedMailbox, _Unclaimed
from .._router import Monitor
from .._session import Responder, SSLContext
from .._types import IMAP4Response
from ._command import AsyncCommand
from ._idle import AsyncIdle

#: A sink that is a coroutine function: ``await sink(head, data)`` per chunk.
AsyncSink = Callable[[bytes, bytes], Awaitable[Any]]

class IMAP4:
    host: str
    greeting: Any
    timeout: Optional[float]
    deadline: Optional[float]
    readonly: Optional[bool]
    utf8_enabled: bool
    queue: _Unclaimed
    cmds: Dict[str, AsyncCommand]
    monitor: Optional[Monitor]
    def __init__(
        self,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Optional[SSLContext] = None,
        *,
        starttls: bool = False,
        max_line: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> None: ...
    @classmethod
    async def connect(
        cls,
        addr: Address,
        timeout: Optional[float] = 60.0,
        ssl_ctx: Optional[SSLContext] = None,
        *,
        starttls: bool = False,
        max_line: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> IMAP4: ...
    async def __aenter__(self) -> IMAP4: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def __call__(
        self, name: str, *args: Any, wait: bool = True, **kw: Any
    ) -> AsyncCommand: ...
    @property
    def state(self) -> str: ...
    @property
    def caps(self) -> Set[str]: ...
    @property
    def encrypted(self) -> bool: ...
    @property
    def compressed(self) -> bool: ...
    @property
    def selected(self) -> Optional[SelectedMailbox]: ...
    @property
    def queued(self) -> builtins.list[IMAP4Response]: ...
    @property
    def new_caps(self) -> bool: ...
    def claim(self, rsp: IMAP4Response) -> IMAP4Response: ...
    def defer(self, rsp: IMAP4Response) -> None: ...
    def set_monitor(self, callback: Optional[Monitor]) -> Optional[Monitor]: ...
    async def wait_all(self) -> None: ...
    def __aiter__(self) -> AsyncIterator[IMAP4Response]: ...
    def poll(self) -> Optional[IMAP4Response]: ...
    async def block(self, timeout: Optional[float] = None) -> Optional[IMAP4Response]: ...
    async def capability(self) -> AsyncCommand: ...
    async def noop(self, *, wait: bool = True) -> AsyncCommand: ...
    async def starttls(self, ssl_ctx: Optional[SSLContext] = None) -> AsyncCommand: ...
    async def login(
        self, username: str, password: str, allow_cleartext: bool = False
    ) -> AsyncCommand: ...
    async def authenticate(
        self,
        mech: Optional[str] = None,
        ir: Optional[bytes] = None,
        cr: Optional[Responder] = None,
        *,
        username: Optional[str] = None,
        secret: Optional[str] = None,
        authzid: Optional[str] = None,
        allow_cleartext: bool = False,
    ) -> AsyncCommand: ...
    async def login_cram_md5(self, username: str, password: str) -> AsyncCommand: ...
    async def compress(self, method: str = "DEFLATE", level: int = 6) -> AsyncCommand: ...
    async def logout(self, graceful: bool = True) -> Optional[AsyncCommand]: ...
    def idle(self, timeout: Optional[float] = None, renew: float = ...) -> AsyncIdle: ...
    async def select(
        self, mbox: str = "INBOX", readonly: Optional[bool] = False
    ) -> AsyncCommand: ...
    async def examine(self, mbox: str = "INBOX") -> AsyncCommand: ...
    async def close(self, expunge: bool = True) -> AsyncCommand: ...
    async def unselect(self) -> AsyncCommand: ...
    async def enable(self, *caps: str) -> AsyncCommand: ...
    async def id(
        self, info: Optional[Dict[str, Optional[str]]] = None, *, wait: bool = True
    ) -> AsyncCommand: ...
    async def create(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def delete(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def rename(self, old: str, new: str, *, wait: bool = True) -> AsyncCommand: ...
    async def subscribe(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def unsubscribe(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def list(
        self,
        ref: str = "",
        mbox: str = "*",
        *,
        select: Iterable[str] = (),
        ret: Iterable[str] = (),
        wait: bool = True,
    ) -> AsyncCommand: ...
    async def lsub(self, ref: str = "", mbox: str = "*", *, wait: bool = True) -> AsyncCommand: ...
    async def status(self, mbox: str, *attrs: str, wait: bool = True) -> AsyncCommand: ...
    async def namespace(self, *, wait: bool = True) -> AsyncCommand: ...
    async def append(
        self,
        mbox: str,
        data: MessageData,
        flags: Iterable[str] = (),
        idate: Union[str, float, None] = None,
        *,
        wait: bool = True,
        size: Optional[int] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> AsyncCommand: ...
    async def multiappend(
        self,
        mbox: str,
        msgs: Iterable[Message],
        *,
        wait: bool = True,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> AsyncCommand: ...
    async def check(self, *, wait: bool = True) -> AsyncCommand: ...
    async def expunge(
        self, uids: Optional[SeqSet] = None, *, wait: bool = True
    ) -> AsyncCommand: ...
    async def search(
        self, *criteria: Any, wait: bool = True, uid: bool = False
    ) -> AsyncCommand: ...
    async def fetch(
        self,
        seqset: SeqSet,
        *attrs: str,
        wait: bool = True,
        uid: bool = False,
        changedsince: Optional[int] = None,
        vanished: bool = False,
        sink: Union[Sink, AsyncSink, IO[bytes], None] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> AsyncCommand: ...
    async def fetch_part(
        self,
        uid: int,
        part: Union[str, BodyStructure],
        sink: Union[Callable[[bytes], Any], IO[bytes], None] = None,
        *,
        decode: bool = True,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> Optional[bytes]: ...
    async def store(
        self,
        seqset: SeqSet,
        item: str,
        *flags: str,
        wait: bool = True,
        uid: bool = False,
        unchangedsince: Optional[int] = None,
    ) -> AsyncCommand: ...
    async def copy(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> AsyncCommand: ...
    async def move(
        self, seqset: SeqSet, mbox: str, *, wait: bool = True, uid: bool = False
    ) -> AsyncCommand: ...
    async def sort(
        self, keys: Union[str, Iterable[str]], *criteria: Any, wait: bool = True, uid: bool = False
    ) -> AsyncCommand: ...
    async def thread(
        self, method: str, *criteria: Any, wait: bool = True, uid: bool = False
    ) -> AsyncCommand: ...
    async def getquota(self, root: str, *, wait: bool = True) -> AsyncCommand: ...
    async def getquotaroot(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def setquota(
        self, root: str, *limits: Tuple[str, int], wait: bool = True
    ) -> AsyncCommand: ...
    async def setacl(
        self, mbox: str, ident: str, rights: str, *, wait: bool = True
    ) -> AsyncCommand: ...
    async def deleteacl(self, mbox: str, ident: str, *, wait: bool = True) -> AsyncCommand: ...
    async def getacl(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def listrights(self, mbox: str, ident: str, *, wait: bool = True) -> AsyncCommand: ...
    async def myrights(self, mbox: str, *, wait: bool = True) -> AsyncCommand: ...
    async def getmetadata(
        self, mbox: str, *entries: str, wait: bool = True, **opts: int
    ) -> AsyncCommand: ...
    async def setmetadata(
        self, mbox: str, *entries: Union[str, bytes, None], wait: bool = True
    ) -> AsyncCommand: ...
