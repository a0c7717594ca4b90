"""Where the password or OAuth2 token comes from: never the command line.

In order: the ``IMAPRS_PASSWORD`` environment variable, the ``machine`` entry for the host
in ``~/.netrc`` (or the file ``NETRC`` names), then a prompt on the terminal (``getpass``,
nothing echoed). An OAuth2 access token is the first line a command prints
(``--oauth2-token-command``), so that a token helper, not the shell history, holds it.
Nothing here logs or prints a secret.
"""

from __future__ import annotations

import getpass
import netrc
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Optional, Tuple

from .errors import CliError

__all__ = ["netrc_entry", "oauth2_token", "password_for"]

ENV_PASSWORD = "IMAPRS_PASSWORD"


def netrc_entry(host: str) -> Optional[Tuple[str, str]]:
    """``(login, password)`` of ``host`` in ``~/.netrc`` (or ``$NETRC``), if there is one."""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        # The parser's message may quote the line, which may hold a password: say where only.
        line = getattr(exc, "lineno", None)
        raise CliError("auth", f"{path} cannot be read (line {line})") from None
    if entry is None or not entry[2]:
        return None
    return entry[0] or "", entry[2]


def password_for(host: str, user: str) -> str:
    """The password of ``user`` at ``host``, from the first source that has one."""
    env = os.environ.get(ENV_PASSWORD)
    if env:
        return env
    entry = netrc_entry(host)
    if entry is not None and entry[0] in ("", user):
        return entry[1]
    if not sys.stdin.isatty():
        raise CliError(
            "auth",
            f"no password for {user}@{host}: set {ENV_PASSWORD}, add it to ~/.netrc, "
            "or run on a terminal to be asked",
        )
    try:
        return getpass.getpass(f"Password for {user}@{host}: ")
    except EOFError:
        raise CliError("auth", "no password given") from None


def oauth2_token(command: str) -> str:
    """The access token printed by ``command`` (its first line; run without a shell)."""
    try:
        proc = subprocess.run(
            shlex.split(command), capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise CliError("auth", f"the OAuth2 token command could not run: {exc}") from None
    token = proc.stdout.strip().splitlines()[0].strip() if proc.stdout.strip() else ""
    if proc.returncode != 0 or not token:
        raise CliError(
            "auth",
            f"the OAuth2 token command exited with {proc.returncode} and printed no token",
        )
    return token
