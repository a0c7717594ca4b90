"""``python -m imaprs``: the command line."""

from __future__ import annotations

from imaprs.cli.main import entry_point

if __name__ == "__main__":
    entry_point()
