"""Running the ``imaprs`` console script in a subprocess, as the tests do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from imaprs._servers import Dovecot, User

__all__ = ["Run", "clean_env", "connection_args", "script"]

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
