"""Fixtures shared by the tests. The logic lives in ``servers/``; this file only wires it up.

- ``dovecot``: one real Dovecot for the session (``servers.Dovecot``). Tests that use it are
  marked ``server``; when Dovecot cannot be installed or started they fail, saying why, unless
  ``IMAPRS_NO_DOVECOT=1`` is set, which skips them.
- ``dovecot_user``: a new user for each test, so no test sees another's mail.
- ``imap_server``, ``imap_certificate``: scripted servers from ``imaprs.pytest_plugin``.
"""

from __future__ import annotations

import os
from typing import Iterator, List

import pytest

import imaprs.pytest_plugin
from servers import Dovecot, DovecotError, User


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "server: talks to a real Dovecot on loopback (IMAPRS_NO_DOVECOT=1 skips)"
    )
    # An installed imaprs registers the plugin through its pytest11 entry point already.
    if not config.pluginmanager.is_registered(imaprs.pytest_plugin):
        config.pluginmanager.register(imaprs.pytest_plugin, "imaprs.pytest_plugin")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if "dovecot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot on 127.0.0.1 for the whole session (see ``servers/dovecot.py``)."""
    if os.environ.get("IMAPRS_NO_DOVECOT") == "1":
        pytest.skip("IMAPRS_NO_DOVECOT=1: tests that need Dovecot are skipped")
    server = Dovecot()
    try:
        server.start()
    except DovecotError as exc:
        pytest.fail(f"Dovecot is needed by this test and could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def dovecot_user(dovecot: Dovecot) -> User:
    """A new user with an empty INBOX (and the special-use folders at first login)."""
    return dovecot.add_user()
