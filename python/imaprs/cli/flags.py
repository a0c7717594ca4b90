"""IMAP flags in one spelling, whatever the server's case."""

from __future__ import annotations

__all__ = ["canonical"]

_SYSTEM = {
    f.lower(): f
    for f in (
        "\\Seen",
        "\\Answered",
        "\\Flagged",
        "\\Deleted",
        "\\Draft",
        "\\Recent",
        "\\All",
        "\\Archive",
        "\\Drafts",
        "\\Junk",
        "\\Sent",
        "\\Trash",
    )
}


def canonical(flag: str) -> str:
    """``\\SEEN`` -> ``\\Seen``; keywords and unknown flags are kept as they are."""
    return _SYSTEM.get(flag.lower(), flag)
