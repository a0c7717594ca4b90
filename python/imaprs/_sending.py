"""Sending a command, for every face: registering it with the session and writing its parts
(literals, synchronising ones after the server's ``+``, uploads piece by piece).

Each face's ``_send`` checks the command, waits for its turn under its send lock, then calls
:meth:`Sending._register` and writes the parts it returns: directly when the command is one
piece of text (most are), else by driving :meth:`Sending._write_op`, an operation (``_ops``)
that yields the face's waits. The face supplies ``_literal_header`` (a literal's header as
the core knows the server's literals), ``_set_barrier`` (nothing after the OK to STARTTLS or
COMPRESS is read before the link changes), ``_route_ready`` (read what the server sent
already, where reading is not continuous), ``_write(data, flush)``, ``_write_piece`` (one
piece of an upload), ``_write_guard`` and ``_command_class``.
"""

from __future__ import annotations

import abc
import logging
from typing import TYPE_CHECKING, Any, Callable, ContextManager, List, Optional, Tuple

from ._log import LEVELS as _LEVELS
from ._log import LOG, redact
from ._ops import Op
from ._router import Router
from ._upload import CallbackFailed, Progress, Upload, splice
from .errors import ConnectionClosed, LimitError, ProtocolError, TLSError

if TYPE_CHECKING:
    from ._command import IMAP4Command, Sink

__all__ = ["FATAL", "OWN_STEPS", "STREAM_THRESHOLD", "Sending"]

#: Literals of at least this size are streamed to a command's sink, and uploads of at least
#: this size are written straight from the caller's buffer or file instead of being queued.
STREAM_THRESHOLD = 64 * 1024
#: Failures that have made the connection unusable already.
FATAL = (ConnectionClosed, LimitError, TLSError, ProtocolError)
#: Commands before which what the server already sent is read (see ``_register``).
_GUARDED = frozenset({"STARTTLS", "LOGIN", "AUTHENTICATE"})
#: Commands after whose OK nothing is read before the link changes.
_BARRIERS = frozenset({"STARTTLS", "COMPRESS"})
#: Commands with steps of their own before they are written or after they complete.
OWN_STEPS = _GUARDED | _BARRIERS


class Sending(Router):
    """See the module documentation."""

    _literal_header: Callable[[int], Tuple[bytes, bool]]
    _set_barrier: Callable[[Optional[str]], None]
    _write_guard: ContextManager[Any]
    _command_class: type
    #: Whether ENABLE UTF8=ACCEPT is in force (a command's mailbox names are then UTF-8).
    utf8_enabled: bool

    @abc.abstractmethod
    def _route_ready(self) -> None:
        """Routes what the server sent already, where reading is not continuous."""

    @abc.abstractmethod
    def _write(self, data: bytes, flush: bool) -> Any:
        """Queues ``data`` behind what is queued; sends everything when ``flush``."""

    @abc.abstractmethod
    def _write_piece(self, piece: bytes) -> Any:
        """Writes one piece of an upload at once."""

    @abc.abstractmethod
    def _await_continuation(self, cmd: IMAP4Command) -> Any:
        """Waits for ``+``: its data, or None when ``cmd`` completed instead."""

    def _register(
        self,
        name: str,
        upper: str,
        args: Any,
        seqset: Optional[str],
        sink: Optional[Sink],
        progress: Optional[Callable[[int, int], None]],
        uploads: Optional[List[Upload]],
    ) -> Tuple[IMAP4Command, List[Any]]:
        """A new tag for command ``name``, its wire parts (refused before a byte is written
        when an argument is outside its grammar), and the command, now in flight. The
        caller holds the send lock and writes the parts next."""
        self._continuation = None  # a "+" can only be for the command being sent
        if upper in _GUARDED:
            # What the server sent already cannot answer a command not yet written: read
            # before the tag exists, a reply guessing it is a violation.
            self._route_ready()
        arg_list = list(args)
        # Tagged, encoded and tracked by the core in one call (an argument refused leaves no
        # trace); until the command is in `cmds`, what it claims is unclaimed, as nothing
        # the server sends before it is written can answer it.
        tag, wire = self._session.command(name, upper, arg_list, seqset)
        parts = [wire] if type(wire) is bytes else list(wire)
        if uploads is not None:
            try:
                parts = splice(parts, uploads, self._literal_header)
            except BaseException:
                self._session.unsent(tag)  # refused before a byte left
                raise
        return self._enlist(tag, name, upper, arg_list, seqset, sink, progress), parts

    def _enlist(
        self,
        tag: str,
        name: str,
        upper: str,
        args: List[Any],
        seqset: Optional[str],
        sink: Optional[Sink],
        progress: Optional[Callable[[int, int], None]],
    ) -> IMAP4Command:
        """The command object of ``tag``, now in flight (``cmds``): its responses are routed
        to it from here on."""
        cmd: IMAP4Command = self._command_class(self, tag, name, args, seqset, sink, progress)
        if _LEVELS.get(logging.DEBUG) is not False and LOG.isEnabledFor(logging.DEBUG):
            LOG.debug("C: %s %s %s", tag, name, redact(upper, args))
        if upper in _BARRIERS:
            # Nothing after its OK may be read before the link changes (see _session).
            self._set_barrier(tag)
        if sink is None:
            # One dict store, atomic: the router iterates over copies of `cmds` (see there),
            # so no lock is needed.
            self.cmds[tag] = cmd
        else:
            with self._guard:
                self.cmds[tag] = cmd
                self._sinks += 1
                if self._sinks == 1:
                    self._stream_threshold(STREAM_THRESHOLD)
        return cmd

    def _write_op(self, cmd: IMAP4Command, parts: List[Any], flush: bool) -> Op[None]:
        """Writes a command of several parts: text, literals (after ``+`` for a synchronising
        one), uploads (small ones queued with the command, large ones piece by piece)."""
        pending = bytearray()
        uploads = [p[0] for p in parts if isinstance(p, tuple) and isinstance(p[0], Upload)]
        progress = Progress(cmd.progress, sum(u.size for u in uploads)) if uploads else None
        small = 0
        for part in parts:
            if isinstance(part, bytes):
                pending += part
                continue
            data, sync = part
            if sync:
                self._route_ready()  # a "+" already there cannot be for this literal
                self._session.expect_continuation(cmd.tag, True)
                yield self._write(bytes(pending), True)
                pending.clear()
                if (yield self._await_continuation(cmd)) is None:
                    return  # the server refused the literal: the command completed
            if isinstance(data, Upload):
                if data.size < STREAM_THRESHOLD and isinstance(data.source, bytes):
                    pending += data.source  # small: queued with the command, as before
                    small += data.size
                    continue
                yield self._write(bytes(pending), True)
                pending.clear()
                yield self._drive(self._upload(data, progress))
                continue
            pending += data
        yield self._write(bytes(pending), flush)
        if progress is not None and small:
            try:
                progress.add(small)
            except CallbackFailed as exc:  # the command is sent whole: the stream is in step
                raise exc.error from exc.__cause__

    def _upload(self, upload: Upload, progress: Optional[Progress]) -> Op[None]:
        """Writes ``upload`` piece by piece (send lock held, queue flushed). A failure
        half-way leaves the server inside the literal: the connection is closed."""
        sent = 0
        with self._write_guard:
            try:
                for piece in upload.pieces():
                    sent += len(piece)
                    if sent > upload.size:
                        raise ValueError(f"the upload is larger than its size, {upload.size}")
                    if b"\0" in piece:
                        raise ValueError("a literal cannot carry NUL")
                    yield self._write_piece(piece)
                    if progress is not None:
                        progress.add(len(piece))
                if sent != upload.size:
                    raise ValueError(f"the upload ended at {sent} bytes of {upload.size}")
            except FATAL as exc:
                self._fail(exc)
                raise
            except BaseException as exc:
                self._fail(ConnectionClosed(f"an upload stopped half-way: {exc!r}"))
                if isinstance(exc, CallbackFailed):
                    raise exc.error from exc.__cause__
                raise

    @abc.abstractmethod
    def _drive(self, op: Op[Any], exclusive: bool = False) -> Any:
        """Runs operation ``op``, giving each value it yields the face's answer."""
