"""Runs one scripted conversation twice, with the standard library's imaplib and with
imaprs.imaplib, and records everything a script can observe of each run: what the method
returned or raised, the connection's state and collected responses afterwards, and every
byte the client sent. Tags are random per connection, so they are replaced by their number.

A conversation is a greeting and a list of exchanges. Each exchange names the command the
client must send next (``"UID FETCH"``...) or ``LINE`` (one raw line, for AUTHENTICATE answers
and refused literals), and the server's replies: ``str`` lines where ``{tag}`` stands for the
command's tag, ``bytes`` sent as they are, or ``CLOSE`` to drop the connection.
"""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import re
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import imaprs.imaplib as rs_imaplib
from imaprs.testing import ClientClosed, ScriptedServer

MODULES = (std_imaplib, rs_imaplib)
IDS = ("imaplib", "imaprs")

CLOSE = object()
LINE = "<line>"
Reply = Union[str, bytes, object]
Exchange = Tuple[str, Sequence[Reply]]

_TAG = re.compile(rb"(?m)^[A-P]{3,4}(\d+) ")
_TAG_IN_TEXT = re.compile(r"\b[A-P]{3,4}(\d+)\b")


def conversation(greeting: Sequence[Reply], exchanges: Sequence[Exchange]) -> Callable[..., None]:
    """A ScriptedServer script playing ``exchanges``; it stops quietly when the client hangs
    up, and answers anything beyond the script with BAD."""

    def script(srv: ScriptedServer) -> None:
        try:
            _reply(srv, greeting, "*")
            tag = "*"
            for name, replies in exchanges:
                if name == LINE:
                    srv.readline()  # answers to the last command keep its tag
                else:
                    command = srv.next_command()
                    assert command.name == name, f"expected {name}, got {command}"
                    tag = command.tag
                if not _reply(srv, replies, tag):
                    return
            while True:
                extra = srv.next_command()
                srv.bad(extra.tag, "not in the script")
        except ClientClosed:
            return

    return script


def _reply(srv: ScriptedServer, replies: Sequence[Reply], tag: str) -> bool:
    for item in replies:
        if item is CLOSE:
            srv.close()
            return False
        if isinstance(item, str):
            srv.send(item.replace("{tag}", tag))
        else:
            assert isinstance(item, bytes)
            srv.send(item)
    return True


def observe(
    mod: ModuleType,
    greeting: Sequence[Reply],
    exchanges: Sequence[Exchange],
    action: Callable[[Any], Any],
    connect: Optional[Callable[[ModuleType, Tuple[str, int]], Any]] = None,
) -> Dict[str, Any]:
    """One run of the conversation with ``mod``: what ``action(M)`` gave and left behind."""
    seen: Dict[str, Any] = {}
    with ScriptedServer(script=conversation(greeting, exchanges), timeout=5) as srv:
        M = None
        try:
            M = (connect or _connect)(mod, srv.address)
            seen["result"] = ("returned", _plain(action(M)))
        except Exception as exc:
            seen["result"] = ("raised", _kind(mod, exc), _tagless(str(exc)))
        if M is not None:
            seen["after"] = {
                "state": M.state,
                "untagged": _plain(M.untagged_responses),
                "pending tags": sorted(int(t[len(M.tagpre) :]) for t in M.tagged_commands),
                "readonly": M.is_readonly,
                "utf8": M.utf8_enabled,
                "capabilities": M.capabilities,
                "continuation": _plain(M.continuation_response),
            }
            with contextlib.suppress(OSError):
                M.shutdown()
    sent = b"".join(data for who, data in srv.transcript if who == "C")
    seen["sent"] = _TAG.sub(rb"T\1 ", sent)
    return seen


def twins(
    greeting: Sequence[Reply],
    exchanges: Sequence[Exchange],
    action: Callable[[Any], Any],
    connect: Optional[Callable[[ModuleType, Tuple[str, int]], Any]] = None,
) -> Dict[str, Any]:
    """Runs the conversation with both modules, asserts they saw the same, returns it."""
    want, got = (observe(mod, greeting, exchanges, action, connect) for mod in MODULES)
    for key in sorted(set(want) | set(got)):
        assert got.get(key) == want.get(key), (
            f"{key}: imaplib {want.get(key)!r}\n   imaprs.imaplib {got.get(key)!r}"
        )
    return want


def _connect(mod: ModuleType, address: Tuple[str, int]) -> Any:
    return mod.IMAP4(*address, timeout=5)


def _kind(mod: ModuleType, exc: BaseException) -> str:
    for name in ("readonly", "abort", "error"):
        if isinstance(exc, getattr(mod.IMAP4, name)):
            return name
    return type(exc).__name__


def _tagless(text: str) -> str:
    return _TAG_IN_TEXT.sub(r"T\1", text)


def _plain(value: Any) -> Any:
    """``value`` with every tag replaced, so that two runs compare equal."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, bytes):
        return _TAG_IN_TEXT.sub(r"T\1", value.decode("latin-1")).encode("latin-1")
    if isinstance(value, str):
        return _tagless(value)
    return value


def standard(caps: str = "IMAP4rev1 IDLE ENABLE UTF8=ACCEPT") -> List[Exchange]:
    """The opening every conversation shares: the client's CAPABILITY."""
    return [("CAPABILITY", [f"* CAPABILITY {caps}", "{tag} OK done"])]


GREETING = ["* OK [CAPABILITY IMAP4rev1] ready"]
PREAUTH = ["* PREAUTH ready"]
Results = List[Dict[str, Any]]
