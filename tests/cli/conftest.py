"""Running the ``imaprs`` console script in a subprocess, against the tests' Dovecot.

``imaprs_cli(command, *args)`` runs ``imaprs COMMAND --host ... ARGS`` as the test's user
over TLS verified against the server's CA, with the password in ``IMAPRS_PASSWORD`` (never
on the command line) and ``HOME`` set to an empty directory, so no ``~/.netrc`` of the
machine is read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

from servers import Dovecot, User

Run = Callable[..., "subprocess.CompletedProcess[str]"]


def script() -> str:
    """The installed console script (beside this Python)."""
    path = shutil.which("imaprs", path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail("the imaprs console script is not installed (make build-dev)", pytrace=False)
    return path


def clean_env(home: Path, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAPRS_") and k != "NETRC"}
    env.update(HOME=str(home), COLUMNS="200", **extra)
    return env


def connection_args(dovecot: Dovecot, user: User, mode: str = "tls") -> List[str]:
    port = dovecot.ssl_port if mode == "tls" else dovecot.port
    args = ["--host", dovecot.host, "--port", str(port), "--user", user.name, f"--{mode}"]
    if mode != "plain":
        args += ["--cafile", str(dovecot.ca_file)]
    return args


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
