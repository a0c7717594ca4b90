"""The migration examples (examples/migration/*.py, docs/migration.md): each script runs as
written (``import imaprs.imaplib as imaplib``) and with that line changed back to ``import
imaplib``, against identical mailboxes, and prints the same thing."""

from __future__ import annotations

import email.message
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from imaprs._servers import Dovecot, seed_mailbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "migration"
NEW = "import imaprs.imaplib as imaplib  # was: import imaplib"


def with_attachment(i: int) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", f"Files {i}"
    msg.set_content(f"See the attached files, number {i}.")
    msg.add_attachment(
        bytes(range(256)) * (i + 1),
        maintype="application",
        subtype="octet-stream",
        filename=f"data{i}.bin",
    )
    msg.add_attachment(f"Notes {i}\n", filename=f"notes-{i}.txt")
    return msg.as_bytes()


def run(script: Path, args: List[str], stdlib: bool, tmp_path: Path) -> str:
    code = script.read_text(encoding="utf-8")
    assert NEW in code, f"{script.name} must use the one-line migration"
    if stdlib:
        code = code.replace(NEW, "import imaplib")
    path = tmp_path / ("stdlib_" if stdlib else "imaprs_") / script.name
    path.parent.mkdir(exist_ok=True)
    path.write_text(code, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    "name,extra",
    [
        ("count_per_folder.py", []),
        ("unread_subjects.py", []),
        ("archive_old.py", ["16-Sep-2020"]),
        ("attachments.py", ["ATTACHMENTS"]),
    ],
)
def test_migration_example(dovecot: Dovecot, tmp_path: Path, name: str, extra: List[str]) -> None:
    outputs = []
    for stdlib in (True, False):
        user = dovecot.add_user()
        seed_mailbox(dovecot, user.name, 40)
        for i in range(3):
            dovecot.deliver(user.name, with_attachment(i))
        args = [dovecot.host, str(dovecot.port), user.name, user.password]
        args += [str(tmp_path / f"att-{stdlib}") if e == "ATTACHMENTS" else e for e in extra]
        outputs.append(run(EXAMPLES / name, args, stdlib, tmp_path))
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) > 2, outputs[0]
    assert "0 attachments" not in outputs[0] and "expunged: 0" not in outputs[0]


def test_the_migration_page_shows_every_example() -> None:
    page = (ROOT / "docs" / "migration.md").read_text(encoding="utf-8")
    for script in EXAMPLES.glob("*.py"):
        assert script.name in page
    assert NEW in page
