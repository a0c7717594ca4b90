"""Protocol tracing on the ``imaprs`` logger, with secrets left out.

Commands and responses are logged at DEBUG level (``C:`` for what the client sends, ``S:``
for what the server answers; literal contents are never logged). The arguments of LOGIN and
AUTHENTICATE and every line of an AUTHENTICATE exchange are replaced by ``<secret>``.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Sequence

LOG = logging.getLogger("imaprs")
#: The logger's own answers to ``isEnabledFor(level)``, which the logging module empties
#: whenever a level changes. The hot paths read it first (a C call where ``isEnabledFor``
#: is a Python one) and ask the logger when it says anything but False::
#:
#:     if LEVELS.get(logging.DEBUG) is not False and LOG.isEnabledFor(logging.DEBUG): ...
LEVELS: Dict[int, bool] = getattr(LOG, "_cache", {})

_SECRET_ARGS = {"LOGIN": 1, "AUTHENTICATE": 1, "PROXYAUTH": 99}


def redact(name: str, args: Sequence[Any]) -> str:
    """The arguments of command ``name`` as they may be logged."""
    keep = _SECRET_ARGS.get(name.upper())
    shown = []
    for i, arg in enumerate(args):
        if keep is not None and i >= keep:
            shown.append("<secret>")
        elif isinstance(arg, (bytes, bytearray, memoryview)):
            shown.append(f"<literal {len(arg)} bytes>")
        elif hasattr(arg, "text"):
            shown.append(str(arg.text))
        else:
            shown.append(repr(arg) if isinstance(arg, str) else str(arg))
    return " ".join(shown)


def redact_response(rsp: Any) -> str:
    """A response for the trace log: its first line, literals left out."""
    text: str = rsp.text
    line, _, rest = text.partition("\r\n")
    return line + (" ..." if rest.strip() else "")
