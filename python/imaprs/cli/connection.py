"""Connecting and logging in, as every command does, from the shared options.

TLS from the start (``--tls``, port 993) is the default; ``--starttls`` upgrades a clear-text
connection on port 143 and fails when the server cannot; ``--plain`` stays in clear text and
then refuses to send a password unless ``--allow-cleartext``. Certificates are verified
against the system roots, or only against ``--cafile``; ``--insecure`` turns verification
off, with a warning each time.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Optional

from .._imap4 import IMAP4
from .._tls import TLSOptions
from ..errors import BAD, NO, ConnectionClosed, IMAP4Error
from .credentials import netrc_entry, oauth2_token, password_for
from .errors import CliError

__all__ = ["add_connection_options", "connect", "server_name"]


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """The options every command shares."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--host", default=os.environ.get("IMAPRS_HOST"), help="server name ($IMAPRS_HOST)"
    )
    group.add_argument("--port", type=int, help="server port (993 with --tls, else 143)")
    group.add_argument(
        "--user", default=os.environ.get("IMAPRS_USER"), help="user name ($IMAPRS_USER)"
    )
    mode = group.add_mutually_exclusive_group()
    mode.add_argument(
        "--tls",
        dest="security",
        action="store_const",
        const="tls",
        help="TLS from the start (the default)",
    )
    mode.add_argument(
        "--starttls",
        dest="security",
        action="store_const",
        const="starttls",
        help="clear text, then STARTTLS (fails if the server cannot)",
    )
    mode.add_argument(
        "--plain",
        dest="security",
        action="store_const",
        const="plain",
        help="no encryption at all",
    )
    group.add_argument(
        "--allow-cleartext",
        action="store_true",
        help="with --plain: send the password although anyone on the way can read it",
    )
    group.add_argument("--cafile", help="trust only the certificates in this PEM file")
    group.add_argument(
        "--insecure", action="store_true", help="do not verify the certificate (tests only)"
    )
    group.add_argument(
        "--oauth2-token-command",
        metavar="CMD",
        help="log in with the OAuth2 token this command prints (XOAUTH2/OAUTHBEARER)",
    )
    group.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a network wait may last"
    )
    parser.set_defaults(security="tls")


def server_name(opts: argparse.Namespace) -> str:
    """``host:port`` as messages name the server."""
    return f"{opts.host}:{_port(opts)}"


def connect(opts: argparse.Namespace) -> IMAP4:
    """A connection, logged in, following the options."""
    if not opts.host:
        raise CliError("usage", "no server: give --host (or set IMAPRS_HOST)")
    tls: Optional[TLSOptions] = None
    if opts.security != "plain":
        tls = _tls_options(opts)
    elif opts.cafile or opts.insecure:
        raise CliError("usage", "--cafile and --insecure need --tls or --starttls")
    try:
        imap = IMAP4(
            (opts.host, _port(opts)),
            timeout=opts.timeout,
            ssl_ctx=tls,
            starttls=opts.security == "starttls",
        )
    except (ConnectionClosed, OSError) as exc:
        reason = str(exc).replace("i/o error: ", "")
        raise CliError("connect", f"cannot connect to {server_name(opts)}: {reason}") from exc
    try:
        if imap.state == "!auth":
            _log_in(imap, opts)
    except BaseException:
        imap.logout(graceful=False)
        raise
    return imap


def _port(opts: argparse.Namespace) -> int:
    if opts.port:
        return int(opts.port)
    return 993 if opts.security == "tls" else 143


def _tls_options(opts: argparse.Namespace) -> TLSOptions:
    if opts.insecure:
        print(
            "imaprs: warning: --insecure: the server's certificate is not verified; "
            "anyone on the way can read and change this session",
            file=sys.stderr,
        )
        return TLSOptions(verify=False, check_hostname=False)
    if opts.cafile:
        try:
            return TLSOptions.from_files(opts.cafile)
        except (OSError, ValueError) as exc:
            raise CliError("tls", f"cannot use --cafile {opts.cafile}: {exc}") from None
    return TLSOptions()


def _log_in(imap: IMAP4, opts: argparse.Namespace) -> None:
    user = opts.user
    if not user:
        entry = netrc_entry(opts.host)
        user = entry[0] if entry is not None and entry[0] else getpass.getuser()
    where = f"{user}@{opts.host}"
    if not imap.encrypted and not opts.allow_cleartext:
        raise CliError(
            "refused",
            f"refusing to send the credentials of {where} in clear text "
            "(use --tls or --starttls, or --allow-cleartext if you must)",
        )
    try:
        if opts.oauth2_token_command:
            token = oauth2_token(opts.oauth2_token_command)
            mech = "OAUTHBEARER" if "AUTH=OAUTHBEARER" in imap.caps else "XOAUTH2"
            if f"AUTH={mech}" not in imap.caps:
                raise CliError("auth", f"{opts.host} offers neither OAUTHBEARER nor XOAUTH2")
            imap.authenticate(mech, username=user, secret=token)
            return
        password = password_for(opts.host, user)
        if "LOGINDISABLED" in imap.caps:
            imap.authenticate(username=user, secret=password, allow_cleartext=True)
        else:
            imap.login(user, password, allow_cleartext=True)
    except (NO, BAD) as exc:
        reason = exc.args[1] if len(exc.args) > 1 and exc.args[1] else exc
        raise CliError("auth", f"login as {where} failed: {reason}") from None
    except IMAP4Error as exc:
        if type(exc) is not IMAP4Error:  # the link failed: reported as such
            raise
        raise CliError("auth", f"login as {where} failed: {exc}") from None
