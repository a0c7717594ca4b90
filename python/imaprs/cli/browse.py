"""The commands that look: ``capabilities``, ``folders``, ``search`` and ``show``."""

from __future__ import annotations

import argparse

from .._imap4 import IMAP4
from .mail import folders, headers, open_folder, search, summaries

__all__ = ["add_parsers"]


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "capabilities", parents=[common], help="what the server offers (after logging in)"
    )
    p.set_defaults(run=run_capabilities)

    p = sub.add_parser(
        "folders", parents=[common], help="folders with special use, message and unseen counts"
    )
    p.set_defaults(run=run_folders)

    p = sub.add_parser(
        "search",
        parents=[common],
        help="UIDs, senders and subjects of the messages matching IMAP search criteria",
        description="CRITERIA are IMAP SEARCH keys, e.g. UNSEEN, FROM alice, "
        "SUBJECT 'two words', SINCE 1-Jan-2024 (default: ALL).",
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("criteria", nargs="*", metavar="CRITERIA")
    p.add_argument("--uids", action="store_true", help="print the UIDs only")
    p.set_defaults(run=run_search)

    p = sub.add_parser(
        "show", parents=[common], help="a message's decoded header and the list of its parts"
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("uid", metavar="UID", type=int)
    p.set_defaults(run=run_show)


def run_capabilities(imap: IMAP4, opts: argparse.Namespace) -> int:
    for cap in sorted(imap.caps):
        print(cap)
    return 0


def run_folders(imap: IMAP4, opts: argparse.Namespace) -> int:
    rows = [
        (
            f.name,
            f.special_use or "",
            "" if f.messages is None else str(f.messages),
            "" if f.unseen is None else str(f.unseen),
        )
        for f in folders(imap)
    ]
    header = ("FOLDER", "USE", "MESSAGES", "UNSEEN")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
            f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}".rstrip()
        )
    return 0


def run_search(imap: IMAP4, opts: argparse.Namespace) -> int:
    open_folder(imap, opts.folder, readonly=True)
    uids = search(imap, opts.criteria or ["ALL"])
    if opts.uids:
        for uid in uids:
            print(uid)
        return 0
    for summary in summaries(imap, uids):
        print(f"{summary.uid}\t{summary.sender}\t{summary.subject}")
    return 0


def run_show(imap: IMAP4, opts: argparse.Namespace) -> int:
    open_folder(imap, opts.folder, readonly=True)
    fields, parts = headers(imap, opts.uid)
    for name, value in fields:
        print(f"{name}: {value}")
    print()
    print("Parts:")
    for part in parts:
        name = f"  {part.name}" if part.name else ""
        print(f"  {part.section:<6} {part.mime_type:<30} {part.size:>10} bytes{name}")
    return 0
