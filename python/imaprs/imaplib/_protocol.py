"""The command and response bookkeeping of imaplib's IMAP4, over any byte source.

Everything here works on the lines and bytes that ``readline()``/``read()`` give and on what
``send()`` takes (``_core`` serves them from the Rust connection), and keeps the attributes
imaplib keeps, with the same meaning, because scripts and libraries read them:

- ``tagged_commands``: tag (bytes) -> None while the command runs, then ``(status, [text])``;
- ``untagged_responses``: response type (str) -> the data of each such response, in order,
  a response with literals giving ``(header, literal)`` pairs and then its last line;
  response codes (``[UIDVALIDITY 3]``) are kept under their own name too;
- ``continuation_response``: the text of the last ``+``; ``mo``: the last regex match;
- ``literal``: what the next command sends as a literal, or a callable producing each
  answer to the server's ``+`` (AUTHENTICATE).

The private methods keep imaplib's names and contracts, for the libraries built on them.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Pattern, Tuple

from .. import _imaprs
from . import _helpers as H

Result = Tuple[str, List[Any]]
_STATUSES = ("OK", "NO", "BAD")


def _debug_level() -> int:
    """``imaprs.imaplib.Debug`` as callers set it (``imaplib.Debug = 4``)."""
    return int(getattr(sys.modules.get(__package__ or ""), "Debug", H.Debug))


class Protocol:
    """Commands out, responses in, as imaplib does them."""

    class error(Exception):
        """Any failure; the reason is the argument."""

    class abort(error):
        """The connection cannot go on: open a new one."""

    class readonly(abort):
        """The selected mailbox became read-only: select it again."""

    # Set by the connection (see _core).
    capabilities: Tuple[str, ...] = ()
    debug = 0
    state = "LOGOUT"
    is_readonly = False
    utf8_enabled = False
    _encoding = "ascii"
    tagpre = b""
    tagnum = 0
    mo: Any = None
    literal: Any = None
    continuation_response: Any = ""
    tagged_commands: Dict[bytes, Optional[Result]]
    untagged_responses: Dict[str, List[Any]]
    tagre: Pattern[bytes]
    Literal: Pattern[bytes]
    Untagged_status: Pattern[bytes]
    #: While IDLE runs, untagged responses go to ``_idle_responses``, one
    #: ``(type, [data, ...])`` pair per response (see ``_idle``).
    _idle_capture = False
    _idle_responses: List[Result]
    _history: Deque[Tuple[str, float]]  # the last ten lines

    readline: Callable[[], bytes]
    read: Callable[[int], bytes]
    send: Callable[[bytes], None]

    # -- UTF-8 mode ------------------------------------------------------------------------

    def _mode_ascii(self) -> None:
        self._set_mode(utf8=False)

    def _mode_utf8(self) -> None:
        self._set_mode(utf8=True)

    def _set_mode(self, utf8: bool) -> None:
        flags = 0 if utf8 else re.ASCII
        self.utf8_enabled = utf8
        self._encoding = "utf-8" if utf8 else "ascii"
        self.Literal = re.compile(H._Literal, flags)
        self.Untagged_status = re.compile(H._Untagged_status, flags)

    # -- sending a command -----------------------------------------------------------------

    def _new_tag(self) -> bytes:
        tag = self.tagpre + str(self.tagnum).encode(self._encoding)
        self.tagnum += 1
        self.tagged_commands[tag] = None
        return tag

    def _command(self, name: str, *args: Any) -> bytes:
        allowed = H.Commands[name]
        if self.state not in allowed:
            self.literal = None
            raise self.error(
                f"command {name} illegal in state {self.state}, "
                f"only allowed in states {', '.join(allowed)}"
            )
        untagged = self.untagged_responses
        if "OK" in untagged or "NO" in untagged or "BAD" in untagged:
            for status in _STATUSES:  # from earlier commands: they would confuse this one's
                untagged.pop(status, None)
        if not self.is_readonly and "READ-ONLY" in untagged:
            raise self.readonly("mailbox status changed to READ-ONLY")
        tag = self._new_tag()
        encoding = self._encoding
        words = [a.encode(encoding) if isinstance(a, str) else a for a in args if a is not None]
        try:
            # The core's checks, as for the native API: the name is atoms, and no argument
            # holds CR, LF or NUL or ends like a literal header (either would let it end the
            # command and start another, or hang the server waiting for literal data).
            _imaprs._check_command(name, words)
            data = self.literal
            if isinstance(data, (bytes, bytearray)):
                data = data if isinstance(data, bytes) else bytes(data)
                _imaprs._check_literal(data, binary=self.utf8_enabled)
        except ValueError:
            self.literal = None  # or the next command would carry this one's literal
            raise
        words[:0] = (tag, name.encode(encoding))
        literal, self.literal = self.literal, None
        answers = literal if callable(literal) else None
        if literal is not None and answers is None:
            if self.utf8_enabled:  # RFC 6855: UTF8 (literal8), as CPython's newest sends
                words.append(b"UTF8 (~{%d}" % len(literal))
                literal = literal + b")"
            else:
                words.append(b"{%d}" % len(literal))
        line = b" ".join(words)
        # LOGIN's password never reaches the trace or the history (imaplib prints it).
        shown = b" ".join([*words[:3], b"<secret>"]) if name == "LOGIN" else line
        self._trace(f"> {shown!r}")
        self._write(line + H.CRLF)
        # With a literal: wait for each "+" (or the completion, when the server refuses),
        # then send the literal, or the authobject's answer to that "+".
        while literal is not None and self._wait_for_continuation(tag):
            data = answers(self.continuation_response) if answers else literal
            if self.debug >= 4:
                self._mesg(f"writing a literal of {len(data)} bytes")
            self._write(data, H.CRLF)
            if answers is None:
                break
        return tag

    def _write(self, *chunks: bytes) -> None:
        try:
            for chunk in chunks:
                self.send(chunk)
        except OSError as exc:
            raise self.abort(f"socket error: {exc}") from exc

    def _wait_for_continuation(self, tag: bytes) -> bool:
        """Reads until the server's ``+`` (True) or this command's completion (False)."""
        while self._get_response() is not None:
            if self.tagged_commands[tag]:
                return False
        return True

    def _simple_command(self, name: str, *args: Any) -> Result:
        return self._command_complete(name, self._command(name, *args))

    def _command_complete(self, name: str, tag: bytes) -> Result:
        # After LOGOUT a BYE is the expected answer, not a failure.
        logging_out = name == "LOGOUT"
        if not logging_out:
            self._check_bye()
        try:
            status, data = self._get_tagged_response(tag, expect_bye=logging_out)
        except self.abort as exc:
            raise self.abort(f"command: {name} => {exc}") from None
        except self.error as exc:
            raise self.error(f"command: {name} => {exc}") from None
        if not logging_out:
            self._check_bye()
        if status == "BAD":
            raise self.error(f"{name} command error: {status} {data}")
        return status, data

    # -- reading responses -----------------------------------------------------------------

    def _get_tagged_response(self, tag: bytes, expect_bye: bool = False) -> Any:
        while self.tagged_commands[tag] is None:
            if expect_bye and "BYE" in self.untagged_responses:
                return "BYE", self.untagged_responses.pop("BYE")
            self._check_bye()
            try:
                self._get_response()
            except self.abort:
                if self.debug >= 1:
                    self.print_log()
                raise
        return self.tagged_commands.pop(tag)

    def _get_response(self) -> Optional[bytes]:
        """Reads one response and files it; returns its first line, None for a ``+``."""
        line = self._get_line()
        if self._match(self.tagre, line):
            tag = self.mo.group("tag")
            if tag not in self.tagged_commands:
                raise self.abort(f"unexpected tagged response: {line!r}")
            kind = self.mo.group("type").decode(self._encoding)
            text = self.mo.group("data")
            self.tagged_commands[tag] = (kind, [text])
        else:
            untagged = self._untagged_parts(line)
            if untagged is None:
                return None
            kind, text = untagged
            while self._match(self.Literal, text):  # the line ends in {n}: n bytes follow
                size = int(self.mo.group("size"))
                if self.debug >= 4:
                    self._mesg(f"reading a literal of {size} bytes")
                self._append_untagged(kind, (text, self.read(size)))
                text = self._get_line()
            self._append_untagged(kind, text)
        if kind in _STATUSES and self._match(H.Response_code, text):
            code = self.mo.group("type").decode(self._encoding)
            self._append_untagged(code, self.mo.group("data"))
        if self.debug >= 1 and kind in ("NO", "BAD", "BYE"):
            self._mesg(f"{kind} from the server: {text!r}")
        return line

    def _untagged_parts(self, line: bytes) -> Optional[Tuple[str, bytes]]:
        """``(type, data)`` of an untagged line (``* 3 EXISTS`` is ``("EXISTS", b"3")``,
        ``* 1 FETCH (...)`` is ``("FETCH", b"1 (...)")``); None for a continuation, whose
        text is kept in ``continuation_response``."""
        if self._match(H.Untagged_response, line):
            data = self.mo.group("data") or b""
        elif self._match(self.Untagged_status, line):
            data, rest = self.mo.group("data"), self.mo.group("data2")
            if rest:
                data += b" " + rest
        elif self._match(H.Continuation, line):
            self.continuation_response = self.mo.group("data")
            return None
        else:
            raise self.abort(f"unexpected response: {line!r}")
        return self.mo.group("type").decode(self._encoding), data

    def _get_line(self) -> bytes:
        line = self.readline()
        if not line:
            raise self.abort("socket error: EOF")
        if line[-2:] != H.CRLF:
            raise self.abort(f"socket error: unterminated line: {line!r}")
        line = line[:-2]
        self._trace(f"< {line!r}")
        return line

    def _match(self, cre: Pattern[bytes], s: bytes) -> bool:
        self.mo = cre.match(s)
        if self.mo is not None and self.debug >= 5:
            self._mesg(f"\tmatched {cre.pattern!r}: {self.mo.groups()!r}")
        return self.mo is not None

    # -- what the responses left -----------------------------------------------------------

    def _append_untagged(self, typ: str, dat: Any) -> None:
        if dat is None:
            dat = b""
        if self.debug >= 5:
            self._mesg(f"untagged_responses[{typ}] += {dat!r}")
        if self._idle_capture:
            # During IDLE each response is queued whole for the iteration. A response with
            # literals comes in pieces: its (header, literal) pairs, then its last line.
            queue = self._idle_responses
            if queue and queue[-1][0] == typ and not isinstance(queue[-1][1][-1], bytes):
                queue[-1][1].append(dat)
            else:
                queue.append((typ, [dat]))
            return
        self.untagged_responses.setdefault(typ, []).append(dat)

    def _untagged_response(self, typ: str, dat: Any, name: str) -> Result:
        """``(typ, dat)`` when the command failed (NO); else ``(typ, the data kept under
        name)``, taken out of ``untagged_responses``, or ``(typ, [None])`` if none came."""
        if typ == "NO":
            return typ, dat
        return typ, self.untagged_responses.pop(name, [None])

    def _check_bye(self) -> None:
        said = self.untagged_responses.get("BYE")
        if said:
            raise self.abort(said[-1].decode(self._encoding, "replace"))

    # -- quoting ---------------------------------------------------------------------------

    def _quote(self, arg: str) -> str:
        escaped = arg.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'

    def _checkquote(self, arg: Any) -> Any:
        """``arg`` quoted if it is a string that needs quotes and has none yet (nor
        parentheses); anything else as it is."""
        if not isinstance(arg, str):
            return arg
        wrapped = len(arg) > 1 and arg[0] + arg[-1] in ("()", '""')
        if wrapped or (arg and not H.NEEDS_QUOTES.search(arg)):
            return arg
        return self._quote(arg)

    # -- debugging -------------------------------------------------------------------------

    def _mesg(self, s: str, secs: Optional[float] = None) -> None:
        """Writes a time-stamped debugging line to stderr."""
        when = time.time() if secs is None else secs
        stamp = time.strftime("%M:%S", time.localtime(when))
        sys.stderr.write(f"  {stamp}.{int(when * 100) % 100:02d} {s}\n")
        sys.stderr.flush()

    def _dump_ur(self, untagged_resp_dict: Dict[str, Any]) -> None:
        if untagged_resp_dict:
            lines = [f"{k}: {v!r}" for k, v in untagged_resp_dict.items()]
            self._mesg("untagged responses:\n\t\t" + "\n\t\t".join(lines))

    def _trace(self, text: str) -> None:
        """Shows a line sent or read (debug 4 and up), else keeps it for ``print_log``."""
        if self.debug >= 4:
            self._mesg(text)
        else:
            self._log(text)

    def _log(self, line: str) -> None:
        self._history.append((line, time.time()))

    def print_log(self) -> None:
        """Writes the last ten lines sent or read to stderr."""
        self._mesg(f"the last {len(self._history)} lines exchanged:")
        for line, when in self._history:
            self._mesg(line, when)
