"""The ``imap_dovecot`` fixture as users meet it: a test file of theirs (and the README's
example) run by a separate pytest that has nothing but the installed ``imaprs`` plugin (no
conftest of ours)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imaprs.testing import Dovecot

README = Path(__file__).resolve().parents[2] / "README.md"

# A user's test suite: the native API and the imaplib drop-in, over implicit TLS, STARTTLS
# and the plain port, with mail delivered as bytes, text and an email message.
USER_TESTS = """
import email
import email.message
import email.policy

import imaprs
from imaprs import imaplib

USERS = []


def test_native_api_over_tls(imap_dovecot):
    USERS.append(imap_dovecot.user)
    imap_dovecot.deliver(b"Subject: first\\r\\n\\r\\nhello\\r\\n")
    address = (imap_dovecot.host, imap_dovecot.ssl_port)
    with imaprs.IMAP4(address, ssl_ctx=imap_dovecot.client_context(), timeout=30) as imap:
        imap.login(imap_dovecot.user, imap_dovecot.password)
        imap.select("INBOX")
        item = imaprs.response_map(imap.fetch(1, "BODY.PEEK[]").queue[0])
        assert item["BODY[]"] == b"Subject: first\\r\\n\\r\\nhello\\r\\n"


def test_each_test_gets_a_new_user_with_an_empty_inbox(imap_dovecot):
    assert USERS and imap_dovecot.user not in USERS
    address = (imap_dovecot.host, imap_dovecot.port)
    with imaprs.IMAP4(address, timeout=30) as imap:
        imap.login(imap_dovecot.user, imap_dovecot.password, allow_cleartext=True)
        imap.select("INBOX", readonly=True)
        assert imap.search(imaprs.Raw("ALL")).queue[0][1:] == []


def test_imaplib_with_starttls(imap_dovecot):
    message = email.message.EmailMessage()
    message["Subject"] = "Quarterly report"
    message["From"] = "alice@example.com"
    message.set_content("Numbers are up.\\n")
    imap_dovecot.deliver(message, folder="Reports")
    imap_dovecot.deliver("Subject: plain text\\n\\nwith LF line ends\\n", folder="Reports")

    M = imaplib.IMAP4(imap_dovecot.host, imap_dovecot.port)
    M.starttls(ssl_context=imap_dovecot.client_context())
    M.login(imap_dovecot.user, imap_dovecot.password)
    assert M.select("Reports") == ("OK", [b"2"])
    typ, data = M.fetch("1:2", "(RFC822)")
    assert typ == "OK"
    first = email.message_from_bytes(data[0][1], policy=email.policy.default)
    assert first["Subject"] == "Quarterly report"
    assert first.get_content().rstrip() == "Numbers are up."
    assert data[2][1] == b"Subject: plain text\\r\\n\\r\\nwith LF line ends\\r\\n"
    M.logout()


def test_imaplib_over_implicit_tls(imap_dovecot):
    M = imaplib.IMAP4_SSL(
        imap_dovecot.host, imap_dovecot.ssl_port, ssl_context=imap_dovecot.client_context()
    )
    assert M.login(imap_dovecot.user, imap_dovecot.password)[0] == "OK"
    typ, folders = M.list()
    assert typ == "OK"
    assert any(b"\\\\Sent" in line for line in folders)
    M.logout()
"""

# Tests that need the server, and one that does not.
SKIPPED_TESTS = """
def test_needs_dovecot(imap_dovecot):
    raise AssertionError("never runs without Dovecot")

def test_needs_it_too(imap_dovecot):
    raise AssertionError("never runs without Dovecot")

def test_without_a_server():
    pass
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the project's own suite reaches the user's pytest."""
    for name in ("IMAPRS_DOVECOT_PATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return monkeypatch


def test_a_users_suite_runs_against_dovecot(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    # ``dovecot`` (unused here) installs Dovecot first, or skips under IMAPRS_NO_DOVECOT=1.
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    (readme_tests,) = [block for block in blocks if "imap_dovecot" in block]
    pytester.makepyfile(test_user=USER_TESTS, test_readme=readme_tests)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=6)


def test_missing_dovecot_skips_saying_how_to_install_it(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("IMAPRS_DOVECOT_PATH", str(tmp_path))  # a directory without Dovecot
    pytester.makepyfile(test_user=SKIPPED_TESTS)
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1, skipped=2)
    skipped = "SKIPPED * imap_dovecot needs a real Dovecot. * (apt-get install dovecot-imapd)"
    result.stdout.fnmatch_lines([skipped, skipped])


def test_an_unusable_dovecot_fails_the_tests_instead(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A "dovecot" of a version the harness cannot configure: the tests error out, loudly.
    fake = tmp_path / "dovecot"
    fake.write_text("#!/bin/sh\necho '9.9.9 (not the Dovecot the harness configures)'\n")
    fake.chmod(0o755)
    clean_env.setenv("IMAPRS_DOVECOT_PATH", str(tmp_path))
    pytester.makepyfile(test_user=SKIPPED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*Dovecot could not start: Dovecot 9.9.9 is installed*"])
