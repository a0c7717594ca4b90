"""The ``imaprs`` program: options, logging, running one command, and how it ends.

Every command connects and logs in the same way (:mod:`.connection`), runs, logs out, and
returns 0. A failure the user caused ends with one line on stderr and the exit code for its
cause (:mod:`.errors`); ``--debug`` adds the protocol trace (logger ``imaprs`` at DEBUG,
secrets redacted by the library) and the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import traceback
from typing import Callable, List, Optional

from .. import __version__
from .._imap4 import IMAP4
from ..errors import IMAP4Error
from . import backup, browse, idle, restore
from .connection import add_connection_options, connect, server_name
from .errors import EXIT, CliError, describe

__all__ = ["main", "parser"]

Command = Callable[[IMAP4, argparse.Namespace], int]


def parser() -> argparse.ArgumentParser:
    """The command line's parser (every command, with the shared connection options)."""
    top = argparse.ArgumentParser(
        prog="imaprs",
        description="IMAP from the command line: folders, search, show, IDLE, backup, restore.",
        epilog="The password comes from $IMAPRS_PASSWORD, ~/.netrc or a prompt, never from "
        "the command line.",
    )
    top.add_argument("--version", action="version", version=f"imaprs {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    add_connection_options(common)
    common.add_argument(
        "--debug", action="store_true", help="protocol trace (secrets hidden) and tracebacks"
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    browse.add_parsers(sub, common)
    idle.add_parser(sub, common)
    backup.add_parser(sub, common).set_defaults(run=backup.run)
    restore.add_parser(sub, common).set_defaults(run=restore.run)
    return top


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    opts = parser().parse_args(argv)
    if opts.debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log = logging.getLogger("imaprs")
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    run: Command = opts.run
    try:
        imap = connect(opts)
        done = False
        try:
            code = run(imap, opts)
            done = True
            return code
        finally:
            # After a failure or Ctrl-C, commands may still be streaming: do not wait for them.
            _logout(imap, graceful=done)
    except KeyboardInterrupt:
        print("imaprs: interrupted", file=sys.stderr)
        return EXIT["interrupted"]
    except Exception as exc:
        found = describe(exc, server_name(opts))
        if found is None:
            raise  # a bug: the traceback says where
        cause, message = found
        if opts.debug:
            traceback.print_exc()
        print(f"imaprs: {message}", file=sys.stderr)
        return EXIT[cause]


def _logout(imap: IMAP4, graceful: bool) -> None:
    with contextlib.suppress(IMAP4Error, OSError):  # the command's own outcome matters
        imap.logout(graceful=graceful)


def entry_point() -> None:
    """The console script."""
    sys.exit(main())


__all__ += ["CliError", "entry_point"]
