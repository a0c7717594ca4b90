"""Fixtures shared by the tests. The servers are the package's own harness
(``imaprs._servers``, public as ``imaprs.testing``); this file only wires it up.

- ``dovecot``: one real Dovecot for the session (``Dovecot(install=True)``: installed with
  apt-get when missing). Tests that use it are marked ``server``; when Dovecot cannot be
  installed or started they fail, saying why, unless ``IMAPRS_NO_DOVECOT=1`` is set, which skips
  them. (The plugin's ``imap_dovecot`` for users skips instead when Dovecot is missing.)
- ``dovecot_user``: a new user for each test, so no test sees another's mail.
- ``cyrus``, ``cyrus_user``: one real Cyrus IMAP for the session (``Cyrus``, unpacked from
  Debian's packages into the tests' cache), a new user of it for each test;
  ``IMAPRS_NO_CYRUS=1`` skips the tests that need it.
- ``server``, ``server_user``: each test that takes them runs against Dovecot and Cyrus.
- ``imap_server``, ``imap_certificate``, ``imap_dovecot``: from ``imaprs.pytest_plugin``.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator, List, TypeVar

import pytest
from hypothesis import settings

import imaprs.pytest_plugin
from faces import Face
from imaprs._servers import Cyrus, Dovecot, LoopbackServer, ServerError, User

#: ``pytester`` runs the plugin's own tests in a clean pytest.
pytest_plugins = ["pytester"]

# In CI the property tests draw the same examples on every run, so that a run fails only for
# a change and its failure reproduces; elsewhere each run explores new ones.
settings.register_profile("ci", derandomize=True, database=None)
# A longer search, by hand: pytest --hypothesis-profile=long
settings.register_profile("long", max_examples=2000, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

S = TypeVar("S", bound=LoopbackServer)
#: The fixtures that start a real server.
SERVER_FIXTURES = ("dovecot", "cyrus", "server")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "server: talks to a real Dovecot or Cyrus on loopback (IMAPRS_NO_DOVECOT=1, "
        "IMAPRS_NO_CYRUS=1 skip)",
    )
    # An installed imaprs registers the plugin through its pytest11 entry point already.
    if not config.pluginmanager.is_registered(imaprs.pytest_plugin):
        config.pluginmanager.register(imaprs.pytest_plugin, "imaprs.pytest_plugin")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SERVER_FIXTURES):
            item.add_marker(pytest.mark.server)


def _running(make: Callable[[], S], name: str, variable: str) -> Iterator[S]:
    if os.environ.get(variable) == "1":
        pytest.skip(f"{variable}=1: tests that need {name} are skipped")
    server = make()
    try:
        server.start()
    except ServerError as exc:
        pytest.fail(
            f"{name} is needed by this test and could not start ({variable}=1 skips such "
            f"tests): {exc}",
            pytrace=False,
        )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot on 127.0.0.1 for the whole session, installed when missing."""
    yield from _running(lambda: Dovecot(install=True), "dovecot", "IMAPRS_NO_DOVECOT")


@pytest.fixture(scope="session")
def cyrus() -> Iterator[Cyrus]:
    """A Cyrus IMAP on 127.0.0.1 for the whole session."""
    yield from _running(Cyrus, "cyrus", "IMAPRS_NO_CYRUS")


@pytest.fixture
def cyrus_user(cyrus: Cyrus) -> User:
    """A new Cyrus user with an empty INBOX."""
    return cyrus.add_user()


@pytest.fixture(scope="session", params=["dovecot", "cyrus"])
def server(request: pytest.FixtureRequest) -> LoopbackServer:
    """Dovecot, then Cyrus: a test taking this fixture runs against both."""
    running: LoopbackServer = request.getfixturevalue(request.param)
    return running


@pytest.fixture
def server_user(server: LoopbackServer) -> User:
    """A new user of ``server`` with an empty INBOX."""
    return server.add_user()


@pytest.fixture
def dovecot_user(dovecot: Dovecot) -> User:
    """A new user with an empty INBOX (and the special-use folders at first login)."""
    return dovecot.add_user()


@pytest.fixture(params=["blocking", "aio"])
def face(request: pytest.FixtureRequest) -> Iterator[Face]:
    """The blocking face, then imaprs.aio behind a synchronous adapter (``tests/faces.py``):
    a test taking this fixture runs its body through both."""
    chosen = Face(request.param)
    yield chosen
    chosen.close()
