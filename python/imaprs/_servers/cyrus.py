"""A real Cyrus IMAP 3 on 127.0.0.1, beside Dovecot, from Debian's packages unpacked into the
tests' cache directory (see ``unpacked.py``; Debian's ``cyrus-imapd`` conflicts with
``dovecot-imapd``, so it is never installed).

Configured as Cyrus comes by default where users meet it: plain-text passwords only under TLS
(``LOGINDISABLED`` on the plain port), the classic namespace (``INBOX.folder``, ``.`` as
separator, other users under ``user.NAME``), users in a sasldb (passwords kept in the clear,
so the challenge-response mechanisms work too). Each user's mailbox is created over IMAP by
the administrator (``CREATE user.NAME``).

Two certificates are served: the main ports present one signed by a test authority
(``ca_file``); ``x509_ssl_port`` and ``x509_port`` present a self-signed certificate made the
common ``openssl req -x509`` way (``CA:TRUE``; ``x509_cert_file`` is its own trust anchor).

As root, the services run as ``nobody`` (Cyrus refuses to run as root); as a normal user,
everything runs as that user. Cyrus logs only to syslog: when a C compiler is at hand, a
small preloaded library writes that log to ``log/syslog`` instead, for error messages.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .base import LoopbackServer, ServerError, free_ports, make_certificate
from .unpacked import UnpackedPackages, cache_home

__all__ = ["Cyrus", "CyrusError"]

#: Users every instance has: name -> password (``cyrus`` is the administrator).
DEFAULT_USERS = {"alice": "alicepw", "bob": "bobpw"}
ADMIN = ("cyrus", "cyruspw")
REALM = "localhost"
PACKAGES = ("cyrus-common", "cyrus-imapd", "sasl2-bin")
MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256")

_SYSLOG_SHIM = r"""
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
void vsyslog(int pri, const char *fmt, va_list ap) {
    const char *path = getenv("IMAPRS_SYSLOG_FILE");
    FILE *out = path ? fopen(path, "a") : NULL;
    if (out) { vfprintf(out, fmt, ap); fputc('\n', out); fclose(out); }
}
void syslog(int pri, const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap);
}
void __syslog_chk(int pri, int flag, const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap);
}
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap) { vsyslog(pri, fmt, ap); }
"""


class CyrusError(ServerError):
    """Cyrus could not be fetched, configured or started."""


class Cyrus(LoopbackServer):
    """A Cyrus IMAP instance for tests (attributes: see :class:`LoopbackServer`, plus
    ``x509_port``, ``x509_ssl_port``, ``x509_cert_file`` and ``version``)."""

    name = "cyrus"
    error = CyrusError
    keep_variable = "IMAPRS_KEEP_CYRUS"
    plain_login = False
    personal_prefix = "INBOX."
    separator = "."
    id_name = "Cyrus IMAPD"

    def __init__(
        self,
        users: Optional[Dict[str, str]] = None,
        keep: bool = False,
        cache: Optional[Path] = None,
    ) -> None:
        super().__init__(DEFAULT_USERS if users is None else users, keep)
        self.packages = UnpackedPackages(cache or cache_home() / "cyrus", PACKAGES, CyrusError)
        self.mechanisms = MECHANISMS
        self.version = ""
        self.x509_port = 0
        self.x509_ssl_port = 0
        self.x509_cert_file = Path()
        self._owner: Optional[Tuple[int, int]] = None
        self._shim: Optional[Path] = None

    def __enter__(self) -> Cyrus:
        self.start()
        return self

    # -- tools -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def admin(self) -> Iterator[imaplib.IMAP4_SSL]:
        """The administrator logged in (with the standard library, over implicit TLS)."""
        conn = imaplib.IMAP4_SSL(self.host, self.ssl_port, ssl_context=self.client_context())
        try:
            conn.login(*ADMIN)
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def kick(self, user: str) -> None:
        """Bars the user (``cyr_deny``): the next command of each session gets ``* BYE``."""
        self._tool("cyr_deny", "-m", "Access denied by the tests", user)

    def log(self) -> str:
        """The syslog of the services (when it could be captured) and the master's output."""
        parts = [
            path.read_text("utf-8", errors="replace")
            for path in (self.root / "log" / "syslog", self.root / "log" / "master.out")
            if path.exists()
        ]
        return "".join(parts) or "(Cyrus logs only to syslog: install a C compiler to see it)"

    # -- LoopbackServer ----------------------------------------------------------------------

    def _install(self) -> None:
        self.packages.ensure()
        programs = [self._bin(p) for p in ("master", "imapd", "ctl_cyrusdb", "cyr_deny")]
        programs.append(self._saslpasswd())
        missing = self.packages.missing_libraries(programs)
        if missing:
            raise CyrusError(f"libraries still missing after unpacking: {', '.join(missing)}")
        info = self.packages.root / "usr/lib/cyrus/cyrus-hardwired-config.txt"
        if info.exists():
            self.version = info.read_text().split("\n")[0].split()[-1]
        self._shim = self._syslog_shim()

    def _prepare(self) -> None:
        for sub in ("conf", "spool", "run", "log", "tls", "x509"):
            (self.root / sub).mkdir()
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self._owner = (nobody.pw_uid, nobody.pw_gid)
        cert = make_certificate(self.root / "tls")
        self.ca_file = cert.ca_file
        self.x509_cert_file = self.root / "x509" / "server.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(self.root / "x509" / "server.key"),
                "-out",
                str(self.x509_cert_file),
            ],
            capture_output=True,
            check=True,
        )
        for name, password in [ADMIN, *self.users.items()]:
            self._set_password(name, password)
        self._chown_tree()

    def _pick_ports(self) -> None:
        self.port, self.ssl_port, self.x509_port, self.x509_ssl_port = free_ports(4)

    def _ports(self) -> Tuple[int, ...]:
        return (self.port, self.ssl_port, self.x509_port, self.x509_ssl_port)

    def _write_config(self) -> None:
        for conf, cert, key in (
            ("imapd.conf", self.root / "tls/server.pem", self.root / "tls/server.key"),
            ("x509.conf", self.x509_cert_file, self.root / "x509/server.key"),
        ):
            (self.root / conf).write_text(self._imapd_conf(cert, key), encoding="utf-8")
        imapd = self._bin("imapd")
        services = "".join(
            f'  {name} cmd="{imapd}{flag} -C {self.root / conf}" '
            f'listen="{self.host}:{port}" prefork=0\n'
            for name, flag, conf, port in (
                ("imap", "", "imapd.conf", self.port),
                ("imaps", " -s", "imapd.conf", self.ssl_port),
                ("x509", "", "x509.conf", self.x509_port),
                ("x509s", " -s", "x509.conf", self.x509_ssl_port),
            )
        )
        recover = f"{self._bin('ctl_cyrusdb')} -C {self.root / 'imapd.conf'} -r"
        (self.root / "cyrus.conf").write_text(
            f'START {{\n  recover cmd="{recover}"\n}}\nSERVICES {{\n{services}}}\nEVENTS {{\n}}\n',
            encoding="utf-8",
        )
        self._chown_tree()

    def _argv(self) -> List[str]:
        syslog = self.root / "log" / "syslog"
        syslog.write_bytes(b"")  # made here, so that the services (as nobody) may write it
        if self._owner is not None:
            os.chown(syslog, *self._owner)
        return [
            str(self._bin("master")),
            "-D",
            "-C",
            str(self.root / "imapd.conf"),
            "-M",
            str(self.root / "cyrus.conf"),
            "-p",
            str(self.root / "run" / "master.pid"),
        ]

    def _env(self) -> Dict[str, str]:
        env = self.packages.env()
        if self._shim is not None:
            env["LD_PRELOAD"] = str(self._shim)
            env["IMAPRS_SYSLOG_FILE"] = str(self.root / "log" / "syslog")
        return env

    def _started(self) -> None:
        with self.admin() as conn:
            for name in self.users:
                _make_mailbox(conn, name)

    def _create_user(self, name: str) -> None:
        self._set_password(name, self.users[name])
        with self.admin() as conn:
            _make_mailbox(conn, name)

    # -- internals ---------------------------------------------------------------------------

    def _imapd_conf(self, cert: Path, key: Path) -> str:
        root = self.root
        user = pwd.getpwuid(self._owner[0] if self._owner else os.getuid())
        return f"""\
# A throw-away Cyrus for the imaprs tests: loopback only, everything under {root}.
configdirectory: {root}/conf
partition-default: {root}/spool
defaultpartition: default
proc_path: {root}/run/proc
mboxname_lockpath: {root}/run/lock
lmtpsocket: {root}/run/lmtp
idlesocket: {root}/run/idle
notifysocket: {root}/run/notify
cyrus_user: {user.pw_name}
servername: {REALM}
syslog_prefix: imaprs-cyrus
admins: {ADMIN[0]}
allowplaintext: no
# No idled here: IDLE polls the mailbox every second.
imapidlepoll: 1
altnamespace: no
unixhierarchysep: no
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
sasl_mech_list: {" ".join(MECHANISMS)}
tls_server_cert: {cert}
tls_server_key: {key}
"""

    def _set_password(self, name: str, password: str) -> None:
        env = self.packages.env()
        argv = [str(self._saslpasswd()), "-f", str(self.root / "sasldb2"), "-u", REALM, "-p"]
        proc = subprocess.run(
            [*argv, "-c", name], input=password.encode(), env=env, capture_output=True
        )
        if proc.returncode != 0:
            raise CyrusError(f"saslpasswd2 failed for {name!r}: {proc.stderr.decode()}")
        if self._owner is not None:
            os.chown(self.root / "sasldb2", *self._owner)

    def _tool(self, name: str, *args: str) -> str:
        argv = [str(self._bin(name)), "-C", str(self.root / "imapd.conf"), *args]
        proc = subprocess.run(argv, env=self._env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise CyrusError(f"{' '.join(argv)} exited with {proc.returncode}:\n{proc.stderr}")
        self._chown_tree()  # a tool run as root may have made files the services must write
        return proc.stdout

    def _chown_tree(self) -> None:
        if self._owner is None:
            return
        for path in [self.root, *self.root.rglob("*")]:
            with contextlib.suppress(FileNotFoundError):
                os.chown(path, *self._owner, follow_symlinks=False)

    def _bin(self, name: str) -> Path:
        return self.packages.root / "usr/lib/cyrus/bin" / name

    def _saslpasswd(self) -> Path:
        return self.packages.root / "usr/sbin/saslpasswd2"

    def _syslog_shim(self) -> Optional[Path]:
        """A preloadable library that writes syslog messages to a file, built once."""
        compiler = shutil.which("cc") or shutil.which("gcc")
        shim = self.packages.directory / "syslog-to-file.so"
        if shim.exists() or compiler is None:
            return shim if shim.exists() else None
        source = self.packages.directory / "syslog-to-file.c"
        source.write_text(_SYSLOG_SHIM, encoding="utf-8")
        tmp = shim.with_suffix(f".{os.getpid()}.tmp")
        proc = subprocess.run(
            [compiler, "-shared", "-fPIC", "-o", str(tmp), str(source)], capture_output=True
        )
        if proc.returncode != 0:
            return None
        tmp.chmod(0o755)
        os.replace(tmp, shim)
        return shim


def _make_mailbox(conn: imaplib.IMAP4, name: str) -> None:
    """The user's INBOX, with a quota of 1 GiB as the Dovecot of the harness has."""
    _check(conn.create(f"user.{name}"), f"CREATE user.{name}")
    _check(conn.setquota(f"user.{name}", "(STORAGE 1048576)"), f"SETQUOTA user.{name}")


def _check(result: Tuple[str, List[Any]], what: str) -> None:
    if result[0] != "OK":
        raise CyrusError(f"{what} failed: {result}")
