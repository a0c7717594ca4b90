"""How the command line fails: one line on stderr, an exit code per cause, no secret shown."""

from __future__ import annotations

import base64
import socket
import subprocess
from pathlib import Path
from typing import List

import pytest
from clirun import Run, clean_env, connection_args, script

from imaprs._servers import Dovecot, User
from imaprs.cli.errors import EXIT
from imaprs.testing import Certificate, ScriptedServer


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The error line; there must be exactly one, and no traceback."""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("imaprs: ")
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wrong_password(imaprs_cli: Run, dovecot_user: User) -> None:
    proc = imaprs_cli("folders", password="not-" + dovecot_user.password)
    assert proc.returncode == EXIT["auth"]
    line = one_line(proc)
    assert f"login as {dovecot_user.name}@" in line and "Authentication failed" in line
    assert "not-" + dovecot_user.password not in proc.stderr + proc.stdout


def test_unknown_folder(imaprs_cli: Run) -> None:
    proc = imaprs_cli("search", "NoSuchFolder", "ALL")
    assert proc.returncode == EXIT["folder"]
    assert "NoSuchFolder" in one_line(proc)


def test_unreachable_server(imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User) -> None:
    port = free_port()
    args = ["--host", "127.0.0.1", "--port", str(port), "--user", dovecot_user.name]
    proc = imaprs_cli("folders", connection=[*args, "--cafile", str(dovecot.ca_file)])
    assert proc.returncode == EXIT["connect"]
    assert f"cannot connect to 127.0.0.1:{port}" in one_line(proc)


def test_unknown_host(imaprs_cli: Run, dovecot_user: User) -> None:
    proc = imaprs_cli("folders", connection=["--host", "no-such-host.invalid"])
    assert proc.returncode == EXIT["connect"]
    assert "no-such-host.invalid" in one_line(proc)


def test_untrusted_certificate_is_a_tls_failure(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User
) -> None:
    """Without --cafile the test CA is not trusted: the reason is given."""
    args = ["--host", dovecot.host, "--port", str(dovecot.ssl_port), "--user", dovecot_user.name]
    proc = imaprs_cli("folders", connection=args)
    assert proc.returncode == EXIT["tls"]
    line = one_line(proc)
    assert "TLS" in line and "certificate" in line.lower()


def test_insecure_connects_with_a_warning(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User
) -> None:
    args = ["--host", dovecot.host, "--port", str(dovecot.ssl_port), "--user", dovecot_user.name]
    proc = imaprs_cli("capabilities", connection=[*args, "--insecure"])
    assert proc.returncode == 0
    assert "not verified" in one_line(proc)


def test_plain_refuses_to_send_the_password(imaprs_cli: Run, dovecot_user: User) -> None:
    proc = imaprs_cli("folders", "--debug", mode="plain")
    assert proc.returncode == EXIT["refused"]
    assert "clear text" in proc.stderr.splitlines()[-1]
    assert " LOGIN " not in proc.stderr  # nothing was sent
    assert dovecot_user.password not in proc.stderr
    allowed = imaprs_cli("folders", "--allow-cleartext", mode="plain")
    assert allowed.returncode == 0, allowed.stderr


def test_no_password_and_no_terminal(imaprs_cli: Run) -> None:
    proc = imaprs_cli("folders", password=None)
    assert proc.returncode == EXIT["auth"]
    assert "IMAPRS_PASSWORD" in one_line(proc)


def test_password_from_netrc(
    imaprs_cli: Run, dovecot: Dovecot, dovecot_user: User, cli_home: Path
) -> None:
    netrc = cli_home / ".netrc"
    netrc.write_text(
        f"machine {dovecot.host} login {dovecot_user.name} password {dovecot_user.password}\n"
    )
    netrc.chmod(0o600)
    args = connection_args(dovecot, dovecot_user)
    args.remove("--user")
    args.remove(dovecot_user.name)  # the login comes from .netrc too
    proc = imaprs_cli("capabilities", password=None, connection=args)
    assert proc.returncode == 0, proc.stderr


def test_debug_trace_hides_the_password(imaprs_cli: Run, dovecot_user: User) -> None:
    proc = imaprs_cli("folders", "--debug")
    assert proc.returncode == 0
    assert " C: " in proc.stderr and " S: " in proc.stderr
    assert "LOGIN" in proc.stderr and "<secret>" in proc.stderr
    assert dovecot_user.password not in proc.stderr + proc.stdout


def test_debug_shows_the_traceback(imaprs_cli: Run) -> None:
    proc = imaprs_cli("search", "NoSuchFolder", "ALL", "--debug")
    assert proc.returncode == EXIT["folder"]
    assert "Traceback" in proc.stderr


def test_oauth2_token_from_a_command(
    imap_server: object, imap_certificate: Certificate, tmp_path: Path
) -> None:
    """OAUTHBEARER with the token the command printed; the token appears nowhere."""
    token = "ya29.token-for-the-test"
    seen: List[bytes] = []

    def script_(srv: ScriptedServer) -> None:
        srv.greeting(caps=["IMAP4rev1", "AUTH=OAUTHBEARER", "AUTH=XOAUTH2", "SASL-IR"])
        command = srv.expect("AUTHENTICATE")
        seen.append(base64.b64decode(command.args.split()[1]))
        srv.ok(command.tag, "[CAPABILITY IMAP4rev1 IDLE] authenticated")
        srv.expect_logout()

    srv = imap_server(script_, ssl_ctx=imap_certificate.server_context())  # type: ignore[operator]
    _, port = srv.address
    argv = [script(), "capabilities", "--host", "localhost", "--port", str(port)]
    argv += ["--user", "alice@example.com", "--cafile", str(imap_certificate.ca_file)]
    argv += ["--oauth2-token-command", f"echo {token}", "--debug"]
    proc = subprocess.run(
        argv, env=clean_env(tmp_path), capture_output=True, text=True, check=False, timeout=60
    )
    srv.wait()  # type: ignore[attr-defined]
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["IDLE", "IMAP4REV1"]
    assert (
        seen and b"a=alice@example.com," in seen[0] and f"auth=Bearer {token}".encode() in seen[0]
    )
    assert token not in proc.stderr + proc.stdout


def test_oauth2_token_command_that_fails(imaprs_cli: Run) -> None:
    proc = imaprs_cli("folders", "--oauth2-token-command", "false", password=None)
    assert proc.returncode == EXIT["auth"]
    assert "token command" in one_line(proc)


@pytest.mark.parametrize("argv", [["folders", "--port", "x"], ["nonsense"]])
def test_usage_errors(argv: List[str]) -> None:
    proc = subprocess.run([script(), *argv], capture_output=True, text=True, check=False)
    assert proc.returncode == EXIT["usage"]
