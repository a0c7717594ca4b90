"""The ``imap_dovecot`` pytest fixture: a real Dovecot on loopback for the test session, and a
new user with an empty mailbox for each test::

    import imaprs

    def test_reads_new_mail(imap_dovecot):
        imap_dovecot.deliver(b"Subject: hello\\r\\n\\r\\nhi\\r\\n")
        with imaprs.IMAP4(
            (imap_dovecot.host, imap_dovecot.ssl_port), ssl_ctx=imap_dovecot.client_context()
        ) as imap:
            imap.login(imap_dovecot.user, imap_dovecot.password)
            imap.select("INBOX")
            ...

The server is the package's own harness (:class:`imaprs.testing.Dovecot`), started at first
use and stopped at the end of the session. When Dovecot is not installed, the tests that use
the fixture are skipped, saying how to install it; when it is installed but cannot start, they
fail with its log. ``IMAPRS_DOVECOT_PATH`` names the directories to find Dovecot's programs in
when they are neither on ``PATH`` nor in the sbin directories.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from ._servers import Dovecot, DovecotAccount, DovecotError, DovecotNotInstalled

__all__ = ["imap_dovecot", "imap_dovecot_server"]


@pytest.fixture(scope="session")
def imap_dovecot_server() -> Iterator[Dovecot]:
    """The session's Dovecot on 127.0.0.1 (an :class:`imaprs.testing.Dovecot`)."""
    server = Dovecot(users={})
    try:
        server.start()
    except DovecotNotInstalled as exc:
        pytest.skip(f"imap_dovecot needs a real Dovecot. {exc}")
    except DovecotError as exc:
        pytest.fail(f"imap_dovecot: Dovecot could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def imap_dovecot(imap_dovecot_server: Dovecot) -> DovecotAccount:
    """A new user of the session's Dovecot, with an empty INBOX: ``host``, ``port`` (plain and
    STARTTLS), ``ssl_port``, ``ca_file``, ``user``, ``password``, ``client_context()`` and
    ``deliver(message, folder="INBOX")`` (see :class:`imaprs.testing.DovecotAccount`)."""
    return DovecotAccount(imap_dovecot_server, imap_dovecot_server.add_user())
