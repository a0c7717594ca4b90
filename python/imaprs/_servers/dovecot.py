"""A real Dovecot on 127.0.0.1, started in a temporary directory with its own configuration.

Works as root (login processes then run as ``dovenull``, mail processes and mail files belong
to ``dovecot``, as the Debian package sets up) and as a normal user (everything runs as that
user). Dovecot's programs are looked for on ``PATH`` and in the sbin directories, or only in
the directories ``IMAPRS_DOVECOT_PATH`` lists when it is set. When they are missing,
:class:`DovecotNotInstalled` says how to install them; ``Dovecot(install=True)`` installs the
Debian package ``dovecot-imapd`` with apt-get first when running as root.
"""

from __future__ import annotations

import dataclasses
import fcntl
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from .base import LoopbackServer, ServerError, User, make_certificate, which
from .config import DovecotConfig, mechanisms_for, render
from .maildir import Maildir

__all__ = [
    "INSTALL_HINT",
    "Dovecot",
    "DovecotError",
    "DovecotNotInstalled",
    "User",
    "dovecot_version",
    "ensure_installed",
]

#: Users every instance has unless told otherwise: name -> password.
DEFAULT_USERS = {"alice": "alicepw", "bob": "bobpw", "zoë": "pässwörd"}
#: Directories to find Dovecot's programs in, instead of ``PATH`` and the sbin directories.
PATH_VARIABLE = "IMAPRS_DOVECOT_PATH"
INSTALL_HINT = "install the Debian package dovecot-imapd (apt-get install dovecot-imapd)"


class DovecotError(ServerError):
    """Dovecot could not be installed, configured or started."""


class DovecotNotInstalled(DovecotError):
    """Dovecot's programs are not on this machine."""


class Dovecot(LoopbackServer):
    """A Dovecot instance for tests.

    Args:
        users: the users to create at start (name -> password); default alice, bob and zoë.
        keep: keep the directory after ``stop`` (``IMAPRS_KEEP_DOVECOT=1`` does the same).
        install: when Dovecot is missing, install ``dovecot-imapd`` with apt-get (as root)
            instead of raising :class:`DovecotNotInstalled`.

    Attributes (after ``start``): those of :class:`LoopbackServer` (``ca_file`` is the
    authority that signed the server certificate for ``localhost`` and ``127.0.0.1``), and
    ``version``.
    """

    name = "dovecot"
    error = DovecotError
    keep_variable = "IMAPRS_KEEP_DOVECOT"
    id_name = "Dovecot"

    def __init__(
        self,
        users: Optional[Dict[str, str]] = None,
        keep: bool = False,
        install: bool = False,
        certificate: Optional[Tuple[Path, Path]] = None,
    ) -> None:
        super().__init__(DEFAULT_USERS if users is None else users, keep)
        self.install = install
        #: ``(certificate, key)`` PEM files to serve instead of a certificate made for the run;
        #: ``ca_file`` is then the certificate itself.
        self.certificate = certificate
        self.version: Tuple[int, ...] = ()
        self._config: Optional[DovecotConfig] = None
        self._owner: Optional[Tuple[int, int]] = None

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def _install(self) -> None:
        ensure_installed(install=self.install)
        self.version = dovecot_version()
        if self.version[:2] != (2, 3):
            raise DovecotError(
                f"Dovecot {'.'.join(map(str, self.version))} is installed; the test "
                "configuration is written for Dovecot 2.3 (Debian 12's dovecot-imapd)"
            )
        self.mechanisms = mechanisms_for(self.version)

    # -- users and mail ----------------------------------------------------------------------

    def _create_user(self, name: str) -> None:
        if self._config is not None:
            self._write_passwd(name)
            self._mailbox(name).folder("INBOX")

    def home(self, user: str) -> Path:
        """The user's home directory."""
        if user not in self.users:
            raise KeyError(f"no such user: {user!r}")
        return self.root / "home" / user

    def maildir(self, user: str) -> Path:
        """The user's Maildir (the INBOX directory)."""
        return self.home(user) / "Maildir"

    def deliver(
        self,
        user: str,
        message: Union[bytes, Iterable[bytes]],
        folder: str = "INBOX",
        flags: str = "",
        when: Optional[float] = None,
    ) -> Path:
        """Drop a message into a user's folder without IMAP and return the file's path.

        ``flags`` are Maildir letters (``"S"``, ``"FS"``) or IMAP system flags
        (``"\\\\Seen \\\\Flagged"``); ``when`` is the INTERNALDATE as a Unix time. The folder
        is created if needed. A selected mailbox sees the message at its next NOOP.
        """
        return self._mailbox(user).deliver(message, folder=folder, flags=flags, when=when)

    # -- tools -------------------------------------------------------------------------------

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm`` against this instance and return its standard output."""
        argv = [_find("doveadm"), "-c", str(self._conf_file()), *args]
        proc = subprocess.run(argv, capture_output=True, check=False)
        if proc.returncode != 0:
            raise DovecotError(
                f"{' '.join(argv)} exited with {proc.returncode}:\n"
                f"{proc.stderr.decode(errors='replace')}"
            )
        return proc.stdout.decode("utf-8", errors="replace")

    def preauth_command(self, user: str) -> List[str]:
        """An argv that speaks IMAP on stdin/stdout, logged in as ``user`` (``* PREAUTH``).

        The ``imap`` binary is run directly (not through ``doveadm exec``, which would leave
        out the ``protocol imap`` settings and so COMPRESS, QUOTA, ACL and METADATA).
        """
        return [_imap_binary(), "-c", str(self._conf_file()), "-u", user]

    def kick(self, user: str) -> None:
        """Ends the user's sessions: each gets ``* BYE`` (the kick is asynchronous)."""
        self.doveadm("kick", user)

    def log(self) -> str:
        """The server log so far, and what the master printed that is not in it."""
        log, out = (
            path.read_text("utf-8", errors="replace") if path.exists() else ""
            for path in (self.root / "log" / "dovecot.log", self.root / "log" / "master.out")
        )
        if any(line not in log for line in out.splitlines()):
            return log + out  # errors found before logging started, such as config errors
        return log

    # -- internals ---------------------------------------------------------------------------

    def _prepare(self) -> None:
        for sub in ("run", "state", "log", "home", "users", "shared", "tls"):
            (self.root / sub).mkdir()
            (self.root / sub).chmod(0o755)  # whatever the umask
        if os.geteuid() == 0:
            dovecot = pwd.getpwnam("dovecot")
            self._owner = (dovecot.pw_uid, dovecot.pw_gid)
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            # Unprivileged auth and mail processes must reach the passwd-file and the homes.
            self.root.chmod(0o755)
            os.chown(self.root / "home", *self._owner)
            os.chown(self.root / "shared", *self._owner)
        else:
            login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
            internal_group = grp.getgrgid(os.getgid()).gr_name
        if self.certificate is None:
            cert = make_certificate(self.root / "tls")
            self.ca_file, cert_file, key_file = cert.ca_file, cert.cert_file, cert.key_file
        else:
            cert_file, key_file = self.certificate
            self.ca_file = cert_file
        self._config = DovecotConfig(
            root=self.root,
            imap_port=0,
            imaps_port=0,
            cert_file=cert_file,
            key_file=key_file,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            mechanisms=self.mechanisms,
        )
        for user in self.users:
            self._write_passwd(user)
            self._mailbox(user).folder("INBOX")

    def _write_config(self) -> None:
        assert self._config is not None
        cfg = dataclasses.replace(self._config, imap_port=self.port, imaps_port=self.ssl_port)
        self._config = cfg
        cfg.conf_file.write_text(render(cfg), encoding="utf-8")

    def _write_passwd(self, name: str) -> None:
        uid, gid = self._owner if self._owner is not None else (os.getuid(), os.getgid())
        home = self.root / "home" / name
        line = f"{name}:{{PLAIN}}{self.users[name]}:{uid}:{gid}::{home}::\n"
        path = self.root / "users" / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(line, encoding="utf-8")
        tmp.chmod(0o644)
        os.replace(tmp, path)

    def _mailbox(self, user: str) -> Maildir:
        home = self.home(user)
        if not home.exists():
            home.mkdir(mode=0o700)
            if self._owner is not None:
                os.chown(home, *self._owner)
        return Maildir(home / "Maildir", owner=self._owner)

    def _argv(self) -> List[str]:
        (self.root / "log" / "dovecot.log").unlink(missing_ok=True)
        return [_find("dovecot"), "-F", "-c", str(self._conf_file())]

    def _conf_file(self) -> Path:
        if self._config is None:
            raise DovecotError("Dovecot is not started")
        return self._config.conf_file


def ensure_installed(install: bool = False) -> None:
    """Make sure Dovecot is there; with ``install``, install ``dovecot-imapd`` with apt-get
    when it is missing and we are root.

    Raises:
        DovecotNotInstalled: Dovecot is missing (and cannot be installed from here).
        DovecotError: apt-get failed.
    """
    if _which("dovecot") is not None:
        return
    if not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DovecotNotInstalled(f"Dovecot is not installed: {INSTALL_HINT}")
    lock_path = Path(tempfile.gettempdir()) / "imaprs-dovecot-install.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _which("dovecot") is not None:
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "dovecot-imapd"],
        ):
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise DovecotError(
                    f"{' '.join(argv)} failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
                )
    if _which("dovecot") is None:
        raise DovecotError("dovecot-imapd was installed but no dovecot binary was found")


def dovecot_version() -> Tuple[int, ...]:
    """The installed Dovecot's version, e.g. ``(2, 3, 19, 1)``."""
    out = subprocess.run(
        [_find("dovecot"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.match(r"\s*(\d+(?:\.\d+)*)", out)
    if match is None:
        raise DovecotError(f"cannot read the Dovecot version from {out!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def _which(name: str) -> Optional[str]:
    path = os.environ.get(PATH_VARIABLE)
    return which(name) if path is None else shutil.which(name, path=path)


def _find(name: str) -> str:
    found = _which(name)
    if found is None:
        raise DovecotNotInstalled(f"{name} not found: {INSTALL_HINT}")
    return found


def _imap_binary() -> str:
    for libexec in ("/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot"):
        path = Path(libexec) / "imap"
        if path.is_file():
            return str(path)
    raise DovecotError("Dovecot's imap binary was not found in its libexec directory")
