"""Test helpers for IMAP clients: a scripted server, a fault-injecting proxy, certificates.

- :class:`ScriptedServer` serves one client from a script: whatever a real server never
  sends (a literal cut short, a BYE in the middle of a command, bytes after the STARTTLS
  ``OK``), cut into segments, delayed, ended with FIN or RST, switched to TLS on demand; it
  records every byte the client sent (``received``, ``client_commands()``, literal-aware).
- :class:`CrowdServer` serves thousands of clients at once from an asyncio loop in a child
  process (greeting, CAPABILITY, NOOP, IDLE, LOGOUT), and pushes a line to every client in
  IDLE: for scale tests.
- :class:`FaultProxy` sits in front of a real server and cuts, resets or stalls the
  connection after a given number of bytes.
- :func:`make_test_certificate` makes a throw-away authority and server certificate.

Everything here needs only the standard library, so it can test any IMAP client.

Example::

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "AUTH=PLAIN")
        tag, name, args, literals = srv.expect("LOGIN")
        assert args == 'alice "secret"'
        srv.ok(tag, "LOGIN completed")
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        M = imaplib.IMAP4(*srv.address)
        M.login("alice", "secret")
        M.logout()

Leaving the ``with`` block waits for the script (at most ``timeout`` seconds) and re-raises any
exception the script raised, assertion failures included, so a wrong client fails the test.
"""

from __future__ import annotations

from .._servers import *  # noqa: F403  (real servers on loopback: Dovecot, Cyrus, ...)
from .._servers import __all__ as _servers_all
from ._certs import Certificate, make_test_certificate
from ._crowd import CrowdServer
from ._proxy import FaultProxy
from ._server import ClientClosed, Script, ScriptedServer, serve_minimal
from ._wire import Command, parse_commands

__all__ = [
    "Certificate",
    "ClientClosed",
    "Command",
    "CrowdServer",
    "FaultProxy",
    "Script",
    "ScriptedServer",
    "make_test_certificate",
    "parse_commands",
    "serve_minimal",
    *_servers_all,
]
