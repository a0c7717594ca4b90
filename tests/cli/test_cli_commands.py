"""The looking commands and IDLE, through the console script against Dovecot."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirun import Run, clean_env, connection_args, script

import imaprs
from imaprs._servers import Dovecot, User

MULTIPART = (
    b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>\r\n"
    b"To: alice@example.com\r\n"
    b"Subject: =?utf-8?b?UmVpc2Vrb3N0ZW4gZsO8ciBNw6Ryeg==?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Anbei die Abrechnung.\r\n"
    b"--b1\r\n"
    b'Content-Type: application/pdf; name="abrechnung.pdf"\r\n'
    b'Content-Disposition: attachment; filename="abrechnung.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--b1--\r\n"
)


def plain(subject: str, sender: str = "bob@example.com") -> bytes:
    return f"From: {sender}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


def test_version_is_the_package_version() -> None:
    out = subprocess.run([script(), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"imaprs {imaprs.__version__}"
    module = subprocess.run(
        [sys.executable, "-m", "imaprs", "--version"], capture_output=True, text=True, check=True
    )
    assert module.stdout == out.stdout


def test_version_comes_from_cargo_toml() -> None:
    cargo = (Path(__file__).resolve().parents[2] / "Cargo.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', cargo, re.MULTILINE)
    assert version is not None and imaprs.__version__ == version.group(1)


def test_import_imaprs_imports_no_command_line_dependency() -> None:
    code = (
        "import sys, imaprs, imaprs.imaplib\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'rich' or m == 'imaprs.cli']\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_capabilities(imaprs_cli: Run) -> None:
    proc = imaprs_cli("capabilities")
    assert proc.returncode == 0, proc.stderr
    caps = proc.stdout.split()
    assert "IMAP4REV1" in caps and "IDLE" in caps
    assert caps == sorted(caps)


def test_folders_decoded_with_special_use_and_counts(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User
) -> None:
    dovecot.deliver(dovecot_user.name, plain("one"), folder="Entwürfe", flags="S")
    dovecot.deliver(dovecot_user.name, plain("two"), folder="Entwürfe")
    dovecot.deliver(dovecot_user.name, plain("three"), folder="Entwürfe")
    proc = imaprs_cli("folders")
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()[1:]}
    assert rows["Entwürfe"] == ["3", "2"]
    assert rows["INBOX"] == ["0", "0"]
    assert rows["Sent"] == ["\\Sent", "0", "0"]
    assert rows["Trash"] == ["\\Trash", "0", "0"]


def test_search_prints_uids_senders_and_decoded_subjects(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User
) -> None:
    dovecot.deliver(dovecot_user.name, plain("Lunch"))
    dovecot.deliver(dovecot_user.name, MULTIPART)
    dovecot.deliver(dovecot_user.name, plain("Lunch again", "carol@example.com"))
    proc = imaprs_cli("search", "INBOX", "SUBJECT", "lunch")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "1\tbob@example.com\tLunch",
        "3\tcarol@example.com\tLunch again",
    ]
    proc = imaprs_cli("search", "INBOX", "FROM", "joerg@example.com")
    assert proc.stdout == "2\tJörg Müller <joerg@example.com>\tReisekosten für März\n"
    proc = imaprs_cli("search", "INBOX", "2:*", "--uids")
    assert proc.stdout.split() == ["2", "3"]


def test_show_decodes_the_header_and_lists_the_parts(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User
) -> None:
    dovecot.deliver(dovecot_user.name, MULTIPART)
    proc = imaprs_cli("show", "INBOX", "1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "From: Jörg Müller <joerg@example.com>" in lines
    assert "Subject: Reisekosten für März" in lines
    parts = [line.split() for line in lines[lines.index("Parts:") + 1 :]]
    assert parts[0][:2] == ["1", "text/plain"]
    assert parts[1][:2] == ["2", "application/pdf"] and parts[1][-1] == "abrechnung.pdf"


def test_idle_prints_each_new_message_until_interrupted(
    dovecot: Dovecot, dovecot_user: User, cli_home: Path
) -> None:
    dovecot.deliver(dovecot_user.name, plain("old news"))
    argv = [script(), "idle", *connection_args(dovecot, dovecot_user), "INBOX"]
    env = clean_env(cli_home, IMAPRS_PASSWORD=dovecot_user.password)
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            assert proc.stdout.readline().startswith("watching INBOX (1 messages)")
            time.sleep(0.5)  # IDLE goes out right after that line
            subject = "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
            dovecot.deliver(dovecot_user.name, plain(subject, "dan@example.com"))
            assert proc.stdout.readline() == "dan@example.com\tGrüße\n"
            dovecot.deliver(dovecot_user.name, plain("second", "erin@example.com"))
            assert proc.stdout.readline() == "erin@example.com\tsecond\n"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 0
            assert proc.stderr.read() == ""
        finally:
            if proc.poll() is None:
                proc.kill()


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_every_secure_mode_logs_in(imaprs_cli: Run, mode: str) -> None:
    proc = imaprs_cli("capabilities", mode=mode)
    assert proc.returncode == 0, proc.stderr
