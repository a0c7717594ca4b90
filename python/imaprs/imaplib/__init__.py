"""imaprs.imaplib: the standard library's imaplib, over imaprs's Rust core.

Change one line — ``import imaplib`` becomes ``import imaprs.imaplib as imaplib`` — and a
script keeps working: the same names, signatures, return values (``(typ, data)`` with
literals as ``(header, bytes)`` tuples) and exceptions (``IMAP4.error``, ``IMAP4.abort``,
``IMAP4.readonly``). Underneath, the socket, TLS (rustls) and the framing of responses are
the Rust core's; NUL, CR and LF in a command argument raise ``ValueError`` before anything is
sent, and mailbox names that need quotes get them.

``install()`` makes ``import imaplib`` anywhere in the process give this module, for
applications whose libraries import imaplib themselves.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings
from typing import Any, Optional

from .. import _tls
from . import _link
from ._helpers import (  # noqa: F401 - imaplib's module-level names
    _MAXLINE,
    CRLF,
    IMAP4_PORT,
    IMAP4_SSL_PORT,
    AllowedVersions,
    Commands,
    Continuation,
    Debug,
    Flags,
    Int2AP,
    InternalDate,
    Internaldate2tuple,
    Literal,
    MapCRLF,
    Mon2num,
    Months,
    ParseFlags,
    Response_code,
    Time2Internaldate,
    Untagged_response,
    Untagged_status,
    __version__,
    _Literal,
    _Untagged_status,
)
from ._idle import Idler as Idler
from ._methods import IMAP4Methods
from ._methods import _Authenticator as _Authenticator

__all__ = [
    "IMAP4",
    "IMAP4_stream",
    "Internaldate2tuple",
    "Int2AP",
    "ParseFlags",
    "Time2Internaldate",
    "IMAP4_SSL",
]

HAVE_SSL = True


class IMAP4(IMAP4Methods):
    """IMAP4 client class: ``IMAP4(host='', port=IMAP4_PORT, timeout=None)``.

    Instances have imaplib's attributes and methods; see the standard library's
    documentation. Errors: ``IMAP4.error``, ``IMAP4.abort`` (the connection is unusable),
    ``IMAP4.readonly`` (the mailbox became read-only).
    """


class IMAP4_SSL(IMAP4):
    """IMAP4 over TLS: ``IMAP4_SSL(host='', port=IMAP4_SSL_PORT, *, ssl_context=None,
    timeout=None)``. Without ``ssl_context`` the certificate is not verified, as in
    imaplib, and a warning is logged once on logger ``imaprs``; pass
    ``ssl.create_default_context()`` to verify. ``keyfile``/``certfile`` (older Pythons)
    present a client certificate."""

    if sys.version_info < (3, 12):

        def __init__(
            self,
            host: str = "",
            port: int = IMAP4_SSL_PORT,
            keyfile: Optional[str] = None,
            certfile: Optional[str] = None,
            ssl_context: Any = None,
            timeout: Optional[float] = None,
        ) -> None:
            for name, value in (("keyfile", keyfile), ("certfile", certfile)):
                if ssl_context is not None and value is not None:
                    raise ValueError(f"ssl_context and {name} arguments are mutually exclusive")
            if keyfile is not None or certfile is not None:
                warnings.warn(
                    "keyfile and certfile are deprecated: pass an ssl_context instead",
                    DeprecationWarning,
                    2,
                )
            self.keyfile, self.certfile = keyfile, certfile
            self._start(host, port, timeout, ssl_context, keyfile, certfile)

    else:

        def __init__(
            self,
            host: str = "",
            port: int = IMAP4_SSL_PORT,
            *,
            ssl_context: Any = None,
            timeout: Optional[float] = None,
        ) -> None:
            self._start(host, port, timeout, ssl_context, None, None)

    def _start(
        self,
        host: str,
        port: int,
        timeout: Optional[float],
        ssl_context: Any,
        keyfile: Optional[str],
        certfile: Optional[str],
    ) -> None:
        if ssl_context is not None:
            options = _tls.tls_options(ssl_context)
        else:
            options = _link.standard_tls()
            if certfile is not None:
                client = _tls.TLSOptions.from_files(
                    client_cert=certfile, client_key=keyfile or certfile
                )
                options = dataclasses.replace(
                    options,
                    client_cert_pem=client.client_cert_pem,
                    client_key_pem=client.client_key_pem,
                )
        self.ssl_context = ssl_context
        self._tls_options = options
        IMAP4.__init__(self, host, port, timeout)

    def open(
        self, host: str = "", port: int = IMAP4_SSL_PORT, timeout: Optional[float] = None
    ) -> None:
        """Connects over TLS to ``host:port`` (default localhost:993)."""
        IMAP4.open(self, host, port, timeout)


class IMAP4_stream(IMAP4):
    """IMAP4 over a command's stdin and stdout: ``IMAP4_stream(command)``, the command run
    by the shell (a tunnel such as ``ssh host imapd``)."""

    def __init__(self, command: str) -> None:
        self.command = command
        IMAP4.__init__(self)

    def open(self, host: Any = None, port: Any = None, timeout: Optional[float] = None) -> None:
        self.host = None  # type: ignore[assignment]
        self.port = None  # type: ignore[assignment]
        # Run by the shell, as subprocess.Popen(command, shell=True) runs it.
        if os.name == "nt":
            argv = [os.environ.get("COMSPEC", "cmd.exe"), "/c", self.command]
        else:
            argv = ["/bin/sh", "-c", self.command]
        self._conn = _link.connect("", 0, None, argv=argv)
        self._attach(None)
        self.process = None


def install() -> None:
    """Makes ``import imaplib`` in this process give ``imaprs.imaplib``."""
    sys.modules["imaplib"] = sys.modules[__name__]
