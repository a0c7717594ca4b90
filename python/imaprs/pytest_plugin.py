"""pytest fixtures for testing IMAP clients against scripted servers.

Installed with imaprs as the ``imaprs`` pytest plugin. ``imap_server`` starts a
:class:`~imaprs.testing.ScriptedServer` per script and, when the test ends, waits for each
script and re-raises what it raised::

    def test_login(imap_server):
        @imap_server
        def srv(s):
            s.greeting()
            tag, *_ = s.expect("LOGIN")
            s.ok(tag)
            s.expect_logout()

        M = imaplib.IMAP4(*srv.address)
        M.login("alice", "pw")
        M.logout()
        srv.wait()  # optional: surfaces a script failure inside the test, not at teardown

``imap_certificate`` is a session-wide throw-away authority and server certificate (openssl CLI).
"""

from __future__ import annotations

import ssl
from typing import Any, Iterator, List, Optional

import pytest

from ._dovecot_fixture import imap_dovecot, imap_dovecot_server  # noqa: F401  (fixtures)
from .testing import Certificate, Script, ScriptedServer, make_test_certificate

__all__ = ["ServerFactory", "imap_certificate", "imap_server", "pytest_runtest_makereport"]


class ServerFactory:
    """Starts scripted servers for one test; usable as a decorator on the script."""

    def __init__(self) -> None:
        self.servers: List[ScriptedServer] = []

    def __call__(
        self,
        script: Optional[Script] = None,
        *,
        ssl_ctx: Optional[ssl.SSLContext] = None,
        timeout: float = 10.0,
    ) -> ScriptedServer:
        """Start a server running ``script`` and return it (already listening)."""
        server = ScriptedServer(script=script, ssl_ctx=ssl_ctx, timeout=timeout)
        server.start()
        self.servers.append(server)
        return server

    def finish(self, test_failed: bool = False) -> None:
        """Stop every server; re-raise the first script failure.

        After a failed test only the scripts' assertion failures are raised: other script errors
        (the client hung up, ...) are then consequences, not causes.
        """
        first: Optional[BaseException] = None
        for server in self.servers:
            if test_failed:
                error = server.stop()
                if isinstance(error, AssertionError):
                    first = first or error
                continue
            try:
                server.wait()
            except BaseException as exc:  # every server must be stopped before raising
                first = first or exc
        if first is not None:
            raise first


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember whether the test itself failed, for the teardown of ``imap_server``."""
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed


@pytest.fixture
def imap_server(request: pytest.FixtureRequest) -> Iterator[ServerFactory]:
    """A factory of scripted IMAP servers: ``imap_server(script)`` returns a started server."""
    factory = ServerFactory()
    yield factory
    factory.finish(test_failed=request.node.stash.get(_CALL_FAILED, False))


@pytest.fixture(scope="session")
def imap_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A throw-away CA and a server certificate for ``localhost`` and ``127.0.0.1``."""
    return make_test_certificate(tmp_path_factory.mktemp("imap-certificate"))
