"""A real Dovecot on 127.0.0.1, started in a temporary directory with its own configuration.

Works as root (login processes then run as ``dovenull``, mail processes and mail files belong
to ``dovecot``, as the Debian package sets up) and as a normal user (everything runs as that
user). When Dovecot is missing and we are root, the Debian package ``dovecot-imapd`` is
installed with apt-get; otherwise :class:`DovecotError` says what to do.
"""

from __future__ import annotations

import atexit
import dataclasses
import fcntl
import grp
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Type, Union

from imaprs.testing import make_test_certificate

from .config import DovecotConfig, mechanisms_for, render
from .maildir import Maildir

__all__ = ["Dovecot", "DovecotError", "User", "dovecot_version", "ensure_installed"]

#: Users every instance has: name -> password.
DEFAULT_USERS = {"alice": "alicepw", "bob": "bobpw", "zoë": "pässwörd"}

_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_START_TIMEOUT = 20.0


class User(NamedTuple):
    """A mail user of the test server."""

    name: str
    password: str


class DovecotError(RuntimeError):
    """Dovecot could not be installed, configured or started."""


class Dovecot:
    """A Dovecot instance for tests.

    Attributes (after ``start``): ``host``, ``port`` (IMAP with STARTTLS), ``ssl_port``
    (implicit TLS), ``ca_file`` (the authority that signed the server certificate for
    ``localhost`` and ``127.0.0.1``), ``users`` (name -> password), ``mechanisms`` (SASL
    mechanisms enabled), ``version`` and ``root`` (the temporary directory).
    """

    host = "127.0.0.1"

    def __init__(
        self,
        users: Optional[Dict[str, str]] = None,
        keep: bool = False,
        certificate: Optional[Tuple[Path, Path]] = None,
    ) -> None:
        #: ``(certificate, key)`` PEM files to serve instead of a certificate made for the run;
        #: ``ca_file`` is then the certificate itself.
        self.certificate = certificate
        self.users: Dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        self.keep = keep or os.environ.get("IMAPRS_KEEP_DOVECOT") == "1"
        self.port = 0
        self.ssl_port = 0
        self.version: Tuple[int, ...] = ()
        self.mechanisms: Tuple[str, ...] = ()
        self.root = Path()
        self.ca_file = Path()
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._config: Optional[DovecotConfig] = None
        self._owner: Optional[Tuple[int, int]] = None
        self._user_counter = 0

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Configure and start Dovecot; return once both ports answer.

        Raises:
            DovecotError: with the log, when Dovecot is missing or does not come up.
        """
        if self._process is not None:
            raise DovecotError("this Dovecot is already running")
        ensure_installed()
        self.version = dovecot_version()
        if self.version[:2] != (2, 3):
            raise DovecotError(
                f"Dovecot {'.'.join(map(str, self.version))} is installed; the test "
                "configuration is written for Dovecot 2.3 (Debian 12's dovecot-imapd)"
            )
        self.mechanisms = mechanisms_for(self.version)
        self.root = Path(tempfile.mkdtemp(prefix="imaprs-dovecot-"))
        try:
            self._prepare()
            for attempt in range(3):
                self.port, self.ssl_port = _free_port(), _free_port()
                self._write_config()
                if self._launch(last_try=attempt == 2):
                    return
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the master process (and so every child) and remove the directory."""
        self._stop_master()
        if self.root != Path() and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- users and mail ----------------------------------------------------------------------

    def add_user(self, name: Optional[str] = None, password: Optional[str] = None) -> User:
        """Add a user who can log in at once, with an empty INBOX.

        Without a name, a fresh one (``user1``, ``user2``, ...) is made; the password defaults
        to ``<name>pw``.
        """
        if name is None:
            self._user_counter += 1
            name = f"user{self._user_counter}"
            while name in self.users:
                self._user_counter += 1
                name = f"user{self._user_counter}"
        elif name in self.users:
            raise ValueError(f"user {name!r} exists already")
        password = f"{name}pw" if password is None else password
        if not name or any(c in name for c in ":/\n\r\0") or name.startswith("."):
            raise ValueError(f"not usable as a user name here: {name!r}")
        if any(c in password for c in ":\n\r\0"):
            raise ValueError("a password here cannot hold ':', CR, LF or NUL")
        self.users[name] = password
        if self._config is not None:
            self._write_passwd(name)
            self._mailbox(name).folder("INBOX")
        return User(name, password)

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

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this instance's certificate authority."""
        return ssl.create_default_context(cafile=str(self.ca_file))

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
            cert = make_test_certificate(self.root / "tls")
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

    def _launch(self, last_try: bool) -> bool:
        """Start the master; False when a port was taken meanwhile and another try may work."""
        (self.root / "log" / "dovecot.log").unlink(missing_ok=True)
        with open(self.root / "log" / "master.out", "wb") as out:
            self._process = subprocess.Popen(
                [_find("dovecot"), "-F", "-c", str(self._conf_file())],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if _greets(self.host, self.port) and _accepts(self.host, self.ssl_port):
                atexit.register(self._stop_master)  # should the owner never call stop()
                return True
            time.sleep(0.05)
        status = self._process.poll()
        log = self.log()
        self._stop_master()
        if "Address already in use" in log and not last_try:
            return False
        what = (
            f"exited with status {status}"
            if status is not None
            else f"did not answer within {_START_TIMEOUT:.0f} s"
        )
        raise DovecotError(
            f"Dovecot {what} (config {self._conf_file()}; IMAPRS_KEEP_DOVECOT=1 keeps the "
            f"directory):\n{log}"
        )

    def _stop_master(self) -> None:
        process, self._process = self._process, None
        atexit.unregister(self._stop_master)
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def _conf_file(self) -> Path:
        if self._config is None:
            raise DovecotError("Dovecot is not started")
        return self._config.conf_file


def ensure_installed() -> None:
    """Install ``dovecot-imapd`` with apt-get when Dovecot is missing and we are root.

    Raises:
        DovecotError: Dovecot is missing and cannot be installed from here.
    """
    if _which("dovecot") is not None:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DovecotError(
            "Dovecot is not installed: install the Debian package dovecot-imapd "
            "(apt-get install dovecot-imapd) or set IMAPRS_NO_DOVECOT=1 to skip the tests "
            "that need it"
        )
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
    path = os.pathsep.join([os.environ.get("PATH", os.defpath), *_SBIN])
    return shutil.which(name, path=path)


def _find(name: str) -> str:
    found = _which(name)
    if found is None:
        raise DovecotError(f"{name} not found (is the Debian package dovecot-imapd installed?)")
    return found


def _imap_binary() -> str:
    for libexec in ("/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot"):
        path = Path(libexec) / "imap"
        if path.is_file():
            return str(path)
    raise DovecotError("Dovecot's imap binary was not found in its libexec directory")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            return sock.recv(100).startswith(b"* OK")
    except OSError:
        return False


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
