"""Running the ``imaprs`` console script in a subprocess, against the tests' Dovecot.

``imaprs_cli(command, *args)`` runs ``imaprs COMMAND --host ... ARGS`` as the test's user
over TLS verified against the server's CA, with the password in ``IMAPRS_PASSWORD`` (never
on the command line) and ``HOME`` set to an empty directory, so no ``~/.netrc`` of the
machine is read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, List, Optional

import pytest
from clirun import Run, clean_env, connection_args, script

from imaprs._servers import Dovecot, User


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def imaprs_cli(dovecot: Dovecot, dovecot_user: User, cli_home: Path) -> Run:
    """Runs a command as the test's user; returns the finished process (text output)."""

    def run(
        command: str,
        *args: str,
        password: Optional[str] = dovecot_user.password,
        mode: str = "tls",
        connection: Optional[List[str]] = None,
        timeout: float = 300,
        **kw: Any,
    ) -> subprocess.CompletedProcess[str]:
        env = clean_env(cli_home)
        if password is not None:
            env["IMAPRS_PASSWORD"] = password
        argv = [script(), command, *(connection or connection_args(dovecot, dovecot_user, mode))]
        argv += list(args)
        assert dovecot_user.password not in argv
        return subprocess.run(
            argv,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
            **kw,
        )

    return run
