"""The examples in docstrings, the README and docs/ run and hold."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import imaprs._functions
import imaprs._types
from imaprs._servers import Dovecot, User

ROOT = Path(__file__).resolve().parent.parent
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize("module", [imaprs._functions, imaprs._types])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_page_examples(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = CODE_BLOCK.findall(text)
    assert blocks
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
        printed = capsys.readouterr().out
        # Every "print(x)  # expected" line in the page shows what it prints.
        expected = [
            m.group(1).strip() for m in re.finditer(r"^print\(.*?\)\s+# (.*)$", block, re.MULTILINE)
        ]
        for line in expected:
            assert line in printed, (line, printed)


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
