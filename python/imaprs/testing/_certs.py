"""Throw-away certificates for TLS tests, made with the openssl command line tool."""

from __future__ import annotations

import ipaddress
import secrets
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

__all__ = ["Certificate", "make_test_certificate"]


@dataclass(frozen=True)
class Certificate:
    """A throw-away certificate authority and a server certificate it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the server certificate."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """A client-side context that trusts only this authority and checks host names."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_test_certificate(
    directory: Union[str, Path],
    names: Sequence[str] = ("localhost", "127.0.0.1"),
    openssl: str = "openssl",
) -> Certificate:
    """Make a certificate authority and a server certificate for ``names`` with the openssl CLI.

    The authority has a random name, so two of them never look alike to a verifier. Keys are
    ECDSA P-256. Files written in ``directory``: ``ca.pem``, ``ca.key``, ``server.pem``,
    ``server.key``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    alt_names = ", ".join(f"IP:{name}" if _is_ip(name) else f"DNS:{name}" for name in names)
    config = out / "openssl.cnf"
    config.write_text(
        "[req]\ndistinguished_name = dn\nprompt = no\n"
        f"[dn]\nCN = imaprs test CA {secrets.token_hex(6)}\n"
        "[ca_ext]\nbasicConstraints = critical, CA:TRUE\n"
        "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n"
        "[leaf_ext]\nbasicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
        f"subjectAltName = {alt_names}\n",
        encoding="utf-8",
    )
    ca_file, ca_key = out / "ca.pem", out / "ca.key"
    cert_file, key_file, csr = out / "server.pem", out / "server.key", out / "server.csr"
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        openssl,
        "req",
        "-x509",
        "-config",
        config,
        "-extensions",
        "ca_ext",
        *new_key,
        "-keyout",
        ca_key,
        "-out",
        ca_file,
        "-days",
        "30",
    )
    _openssl(
        openssl,
        "req",
        "-new",
        "-config",
        config,
        *new_key,
        "-keyout",
        key_file,
        "-out",
        csr,
        "-subj",
        f"/CN={names[0]}",
    )
    _openssl(
        openssl,
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        ca_file,
        "-CAkey",
        ca_key,
        "-set_serial",
        str(secrets.randbits(63)),
        "-days",
        "30",
        "-extfile",
        config,
        "-extensions",
        "leaf_ext",
        "-out",
        cert_file,
    )
    return Certificate(ca_file=ca_file, cert_file=cert_file, key_file=key_file)


def _openssl(openssl: str, *args: Union[str, Path]) -> None:
    argv = [openssl, *(str(arg) for arg in args)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(
            f"{openssl!r} not found: the openssl command line tool is needed"
        ) from None
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr}")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
