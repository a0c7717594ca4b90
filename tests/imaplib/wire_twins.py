"""Runs one scripted conversation twice, with the standard library's imaplib and with
imaprs.imaplib, and records everything a script can observe of each run: what the method
returned or raised, the connection's state and collected responses afterwards, and every
byte the client sent. Tags are random per connection, so they are replaced by their number.

A conversation is a greeting and a list of exchanges. Each exchange names the command the
client must send next (``"UID FETCH"``...) or ``LINE`` (one raw line, for AUTHENTICATE answers
and refused literals), and the server's replies: ``str`` lines where ``{tag}`` stands for the
command's tag, ``bytes`` sent as they are, or ``CLOSE`` (``RESET``) to drop the connection
(with a TCP reset).
"""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import re
import socket
import struct
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import imaprs.imaplib as rs_imaplib
from imaprs.testing import ClientClosed, ScriptedServer

MODULES = (std_imaplib, rs_imaplib)
IDS = ("imaplib", "imaprs")

CLOSE = object()
RESET = object()  # drop the connection with a TCP reset
LINE = "<line>"
Reply = Union[str, bytes, object]
Exchange = Tuple[str, Sequence[Reply]]


def conversation(
    greeting: Sequence[Reply], exchanges: Sequence[Exchange], prefixes: List[str]
) -> Callable[..., None]:
    """A ScriptedServer script playing ``exchanges``; it stops quietly when the client hangs
    up, and answers anything beyond the script with BAD. The prefix of the client's tags is
    added to ``prefixes``."""

    def script(srv: ScriptedServer) -> None:
        try:
            _reply(srv, greeting, "*")
            tag = "*"
            for name, replies in exchanges:
                if name == LINE:
                    srv.readline()  # answers to the last command keep its tag
                else:
                    command = srv.next_command()
                    if not prefixes:
                        prefixes.append(command.tag.rstrip("0123456789"))
                    assert command.name == name, f"expected {name}, got {command}"
                    tag = command.tag
                if not _reply(srv, replies, tag):
                    return
            while True:
                extra = srv.next_command()
                if not prefixes:
                    prefixes.append(extra.tag.rstrip("0123456789"))
                srv.bad(extra.tag, "not in the script")
        except (ClientClosed, OSError):  # the client hung up, perhaps while we wrote
            return

    return script


def _reply(srv: ScriptedServer, replies: Sequence[Reply], tag: str) -> bool:
    for item in replies:
        if item is CLOSE:
            srv.close()
            return False
        if item is RESET:
            # A zero linger makes close() send RST (the server has no call for it).
            srv._connection().setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
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
    prefixes: List[str] = []
    with ScriptedServer(script=conversation(greeting, exchanges, prefixes), timeout=5) as srv:
        M = None
        try:
            M = (connect or _connect)(mod, srv.address)
            seen["result"] = ("returned", action(M))
        except Exception as exc:
            seen["result"] = ("raised", _kind(mod, exc), str(exc))
        if M is not None:
            seen["after"] = {
                "state": M.state,
                "untagged": dict(M.untagged_responses),
                "pending tags": sorted(int(t[len(M.tagpre) :]) for t in M.tagged_commands),
                "readonly": M.is_readonly,
                "utf8": M.utf8_enabled,
                "capabilities": M.capabilities,
                "continuation": M.continuation_response,
            }
            with contextlib.suppress(OSError):
                M.shutdown()
    seen["sent"] = b"".join(data for who, data in srv.transcript if who == "C")
    if not prefixes:
        return seen
    # A whole word only: a prefix such as "IMAP" must not eat into "IMAP4REV1".
    tag = re.compile(r"(?<![A-Za-z0-9])" + re.escape(prefixes[0]) + r"(\d+)(?![A-Za-z0-9])")
    return _tagless(seen, lambda text: tag.sub(r"T\1", text))


def _tagless(value: Any, fix: Callable[[str], str]) -> Any:
    """``value`` with every tag replaced, so that two runs compare equal."""
    if isinstance(value, dict):
        return {k: _tagless(v, fix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_tagless(v, fix) for v in value)
    if isinstance(value, bytes):
        return fix(value.decode("latin-1")).encode("latin-1")
    if isinstance(value, str):
        return fix(value)
    return value


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


def standard(caps: str = "IMAP4rev1 IDLE ENABLE UTF8=ACCEPT") -> List[Exchange]:
    """The opening every conversation shares: the client's CAPABILITY."""
    return [("CAPABILITY", [f"* CAPABILITY {caps}", "{tag} OK done"])]


GREETING = ["* OK [CAPABILITY IMAP4rev1] ready"]
PREAUTH = ["* PREAUTH ready"]
Results = List[Dict[str, Any]]
