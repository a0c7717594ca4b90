"""What every real test server shares: users, free ports, a master process started in a
temporary directory and watched until it answers on loopback, and a clean stop."""

from __future__ import annotations

import abc
import atexit
import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Tuple, Type

if TYPE_CHECKING:
    from imaprs.testing import Certificate

__all__ = [
    "LoopbackServer",
    "ServerError",
    "User",
    "free_port",
    "free_ports",
    "make_certificate",
    "which",
]

_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_START_TIMEOUT = 20.0


class User(NamedTuple):
    """A mail user of a test server."""

    name: str
    password: str


class ServerError(RuntimeError):
    """A test server could not be installed, configured or started."""


class LoopbackServer(abc.ABC):
    """A real IMAP server on 127.0.0.1, run from a temporary directory.

    Subclasses say how to prepare the directory (``_prepare``), write the configuration for
    the chosen ports (``_write_config``), which command starts the master (``_argv``), where
    its log is (``log``) and how a new user is made (``_create_user``).

    Attributes (after ``start``): ``host``, ``port`` (IMAP with STARTTLS), ``ssl_port``
    (implicit TLS), ``ca_file`` (trust anchor for the server certificate), ``users`` (name ->
    password), ``mechanisms`` (SASL mechanisms offered) and ``root`` (the directory).
    """

    #: Short name, used in test ids and messages.
    name = "server"
    host = "127.0.0.1"
    #: The error class raised for this server.
    error: Type[ServerError] = ServerError
    #: Environment variable that keeps the directory after the tests (for a post-mortem).
    keep_variable = "IMAPRS_KEEP_SERVER"
    #: Whether LOGIN works on the plain port (no ``LOGINDISABLED`` before STARTTLS).
    plain_login = True
    #: Where a user's own folders live, and the hierarchy separator.
    personal_prefix = ""
    separator = "/"
    #: The server's ``name`` in its ID response (RFC 2971).
    id_name = ""

    def __init__(self, users: Dict[str, str], keep: bool = False) -> None:
        self.users: Dict[str, str] = dict(users)
        self.keep = keep or os.environ.get(self.keep_variable) == "1"
        self.port = 0
        self.ssl_port = 0
        self.mechanisms: Tuple[str, ...] = ()
        self.root = Path()
        self.ca_file = Path()
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._user_counter = 0

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def pid(self) -> Optional[int]:
        """The server's main process id while it runs (its workers are its descendants)."""
        return None if self._process is None else self._process.pid

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Configure and start the server; return once its ports answer.

        Raises:
            ServerError: with the log, when the server is missing or does not come up.
        """
        if self._process is not None:
            raise self.error(f"this {self.name} is already running")
        self._install()
        self.root = Path(tempfile.mkdtemp(prefix=f"imaprs-{self.name}-"))
        try:
            self._prepare()
            for attempt in range(3):
                self._pick_ports()
                self._write_config()
                if self._launch(last_try=attempt == 2):
                    self._started()
                    return
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the master process (and so every child) and remove the directory."""
        self._stop_master()
        if self.root != Path() and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- users -------------------------------------------------------------------------------

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
        if self.root != Path():
            self._create_user(name)
        return User(name, password)

    def folder(self, path: str) -> str:
        """A user's folder name on this server for ``path`` written with ``/``
        (``Projekte/Ärger`` is ``INBOX.Projekte.Ärger`` on a classic Cyrus)."""
        return self.personal_prefix + path.replace("/", self.separator)

    @abc.abstractmethod
    def kick(self, user: str) -> None:
        """Ends the user's sessions from the server side."""

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this instance's certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    @abc.abstractmethod
    def log(self) -> str:
        """The server's log so far."""

    # -- for subclasses ----------------------------------------------------------------------

    def _install(self) -> None:
        """Make sure the server's programs are there (installing or unpacking them); nothing
        to do by default."""
        return None

    @abc.abstractmethod
    def _prepare(self) -> None:
        """Fill the fresh directory ``root``: certificates, users' homes, data."""

    def _pick_ports(self) -> None:
        self.port, self.ssl_port = free_ports(2)

    @abc.abstractmethod
    def _write_config(self) -> None:
        """Write the configuration for the ports just chosen."""

    @abc.abstractmethod
    def _argv(self) -> List[str]:
        """The command line that starts the master process in the foreground."""

    def _env(self) -> Optional[Dict[str, str]]:
        return None

    def _ports(self) -> Tuple[int, ...]:
        """Every port that must accept connections before the server counts as started."""
        return (self.port, self.ssl_port)

    def _started(self) -> None:
        """Runs once the server answers (an administrator's set-up, for example); nothing by
        default."""
        return None

    @abc.abstractmethod
    def _create_user(self, name: str) -> None:
        """Make user ``name`` (password in ``users``) able to log in, with an empty INBOX."""

    # -- internals ---------------------------------------------------------------------------

    def _launch(self, last_try: bool) -> bool:
        """Start the master; False when a port was taken meanwhile and another try may work."""
        out_path = self.root / "log" / "master.out"
        with open(out_path, "wb") as out:
            self._process = subprocess.Popen(
                self._argv(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self._env(),
                # Its own process group: a master that signals its group on shutdown (Cyrus
                # run by a normal user) must not reach the tests.
                start_new_session=True,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            first, *others = self._ports()
            if _greets(self.host, first) and all(_accepts(self.host, p) for p in others):
                atexit.register(self._stop_master)  # should the owner never call stop()
                return True
            time.sleep(0.05)
        status = self._process.poll()
        log = self.log()
        self._stop_master()
        if ("already in use" in log or "duplicate listener" in log) and not last_try:
            return False
        what = (
            f"exited with status {status}"
            if status is not None
            else f"did not answer within {_START_TIMEOUT:.0f} s"
        )
        raise self.error(
            f"{self.name} {what} (directory {self.root}; {self.keep_variable}=1 keeps it):\n{log}"
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


def which(name: str) -> Optional[str]:
    """``shutil.which`` that also looks in the sbin directories."""
    path = os.pathsep.join([os.environ.get("PATH", os.defpath), *_SBIN])
    return shutil.which(name, path=path)


def make_certificate(directory: Path) -> Certificate:
    """A throw-away authority and a server certificate for ``localhost`` and ``127.0.0.1``."""
    # Imported here: ``imaprs.testing`` re-exports this package, so it may still be loading.
    from imaprs.testing import make_test_certificate

    return make_test_certificate(directory)


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> List[int]:
    """``count`` distinct TCP ports on loopback that nobody listens on right now.

    Every socket stays bound until all are chosen: the kernel may hand out a port again as
    soon as its socket is closed, and two listeners on one port is a configuration error.
    """
    with contextlib.ExitStack() as stack:
        ports: List[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


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
