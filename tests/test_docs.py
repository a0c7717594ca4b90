"""The examples in docstrings, the README and every page of docs/ run and hold, and the
documentation site builds with ``mkdocs build --strict``.

Python examples that talk to a server are written for ``imap.example.com`` and the user
``alice``; here they run against the tests' Dovecot as a fresh user with a few messages.
A ``print(...)  # text`` line must print ``text`` (``...`` at its end: text starting so).
The command line examples (lines starting with ``imaprs`` in ``sh`` blocks of cli.md) run
the console script; ``imaprs idle`` is interrupted once it is watching.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

import imaprs._functions
import imaprs._types
from imaprs._servers import Dovecot, User

ROOT = Path(__file__).resolve().parent.parent
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
CHART = re.compile(r"\(assets/charts/([\w-]+)\.svg\)")
EXPECTED = re.compile(r"^\s*print\(.*\)\s+# (.*)$", re.MULTILINE)
# Tested with their own suites (tests/imaplib/test_migration.py, ...), or holding no code.
OWN_SUITES = {"migration.md", "cookbook.md", "changelog.md", "reference.md"}
PAGES = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name not in OWN_SUITES)
SERVER_PAGES = [p for p in PAGES if "imap.example.com" in (ROOT / "docs" / p).read_text("utf-8")]
OFFLINE_PAGES = [p for p in PAGES if p not in SERVER_PAGES]


def blocks(page: Path) -> List[str]:
    return CODE_BLOCK.findall(page.read_text(encoding="utf-8"))


def check_output(block: str, printed: str) -> None:
    """Every ``print(x)  # expected`` line of ``block`` printed what it says."""
    for comment in EXPECTED.findall(block):
        expected = comment.strip()
        if expected.endswith(" ..."):
            expected = expected[:-4]
        assert expected in printed, (expected, printed)


def run_pytest_example(block: str, where: Path) -> None:
    """A block that is a test file (first line ``# test_*.py``) passes under pytest."""
    name = block.splitlines()[0][2:].strip()
    (where / name).write_text(block, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def run_blocks(page: str, code: List[str], capsys: pytest.CaptureFixture[str], where: Path) -> None:
    namespace: Dict[str, object] = {}
    for block in code:
        if re.match(r"# test_\w+\.py\n", block):
            run_pytest_example(block, where)
            continue
        exec(compile(block, page, "exec"), namespace)
        check_output(block, capsys.readouterr().out)


@pytest.mark.parametrize("module", [imaprs._functions, imaprs._types])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0


@pytest.mark.parametrize("page", ["README.md", *(f"docs/{p}" for p in OFFLINE_PAGES)])
def test_page_examples(
    page: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = blocks(ROOT / page)
    monkeypatch.chdir(tmp_path)
    run_blocks(page, code, capsys, tmp_path)


@pytest.mark.parametrize("page", SERVER_PAGES)
def test_server_page_examples(
    page: str,
    dovecot: Dovecot,
    dovecot_user: User,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(3):
        dovecot.deliver(dovecot_user.name, f"Subject: hello {n}\r\n\r\nbody\r\n".encode())
    trusted = f"ssl.create_default_context(cafile={str(dovecot.ca_file)!r})"
    replacements = {
        '("imap.example.com", 993)': f'("localhost", {dovecot.ssl_port})',
        '("imap.example.com", 143)': f'("localhost", {dovecot.port})',
        "ssl.create_default_context()": trusted,
        '"ca.pem"': repr(str(dovecot.ca_file)),
        '"alice", "secret"': f"{dovecot_user.name!r}, {dovecot_user.password!r}",
    }
    code = []
    for block in blocks(ROOT / "docs" / page):
        for old, new in replacements.items():
            block = block.replace(old, new)
        assert "example.com" not in block, block
        code.append(block)
    monkeypatch.chdir(tmp_path)
    run_blocks(page, code, capsys, tmp_path)


def test_command_line_examples(dovecot: Dovecot, dovecot_user: User, tmp_path: Path) -> None:
    """Every ``imaprs`` line of cli.md, in order, against the test server."""
    script = shutil.which("imaprs", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script is not installed (make build-dev)"
    dovecot.deliver(dovecot_user.name, b"From: bob@example.com\r\nSubject: hi\r\n\r\nbody\r\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAPRS_")}
    env.update(HOME=str(tmp_path), IMAPRS_PASSWORD=dovecot_user.password)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    lines = [line for block in SH_BLOCK.findall(text) for line in block.splitlines()]
    ran = 0
    for line in lines:
        if line.startswith("export "):
            assert "IMAPRS_PASSWORD" not in line
            env.update(IMAPRS_HOST=dovecot.host, IMAPRS_USER=dovecot_user.name)
            continue
        if not line.startswith("imaprs "):
            continue
        argv = [script, *shlex.split(line)[1:]]
        if argv[1] != "--version":
            argv[2:2] = ["--port", str(dovecot.ssl_port), "--cafile", str(dovecot.ca_file)]
        if argv[1] == "idle":
            with subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE) as proc:
                assert proc.stdout is not None
                assert proc.stdout.readline().startswith(b"watching")
                proc.send_signal(signal.SIGINT)
                assert proc.wait(timeout=60) == 0
        else:
            proc = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, check=False)
            assert proc.returncode == 0, (line, proc.stderr)
        ran += 1
    assert ran >= 10


def test_readme_connection_example(dovecot: Dovecot, dovecot_user: User) -> None:
    """The README's server example, pointed at the test server (IDLE cut to a second)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```py\n(.*?)```", text, re.DOTALL)
    dovecot.deliver(dovecot_user.name, b"Subject: hello\r\n\r\nbody\r\n")
    block = (
        block.replace('("imap.example.com", 993)', f'("localhost", {dovecot.ssl_port})')
        .replace(
            "ssl.create_default_context()",
            f"ssl.create_default_context(cafile={str(dovecot.ca_file)!r})",
        )
        .replace('"alice", "secret"', f"{dovecot_user.name!r}, {dovecot_user.password!r}")
        .replace("timeout=60", "timeout=1")
        .replace('open("big.eml", "wb")', f"open({str(dovecot.root / 'readme.eml')!r}, 'wb')")
    )
    exec(compile(block, "README.md", "exec"), {})
    assert (dovecot.root / "readme.eml").read_bytes() == b"Subject: hello\r\n\r\nbody\r\n"


def test_site_builds_strictly(tmp_path: Path) -> None:
    """``mkdocs build --strict``: a broken link, page or API reference fails."""
    pytest.importorskip("mkdocs", reason="the docs tools (requirements-dev.txt) are not installed")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = {m for p in (ROOT / "docs").glob("*.md") for m in CHART.findall(p.read_text("utf-8"))}
    assert "backup-seconds" in shown and "parse" in shown
    for name in shown:  # each chart a page shows was drawn from the figures
        chart = tmp_path / "site" / "assets" / "charts" / f"{name}.svg"
        assert chart.read_text(encoding="utf-8").startswith("<svg"), name
