"""The ``imaprs`` command line (``pip install 'imaprs[cli]'``; ``python -m imaprs``).

Not imported by ``import imaprs``: its dependencies (``rich``) are an extra.
"""

from __future__ import annotations

from .main import entry_point, main

__all__ = ["entry_point", "main"]
