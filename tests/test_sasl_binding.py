"""The SASL binding (`_Sasl`, `_sasl_preferred`): known answers for each mechanism, SCRAM
checked against a server side computed here, and full AUTHENTICATE exchanges driven over
`_Connection` against a real Dovecot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Optional, Tuple

import pytest

import imaprs
from imaprs import _imaprs
from imaprs._servers import Dovecot, User

MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]
SECRET = "pä$$w0rd-secret"

# RFC 7677 §3: the server's half of the nonce, the salt and the iteration count.
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
ITERATIONS = 4096


def test_plain() -> None:
    sasl = _imaprs._Sasl("plain", "user", "pass")
    assert sasl.name == "PLAIN"
    assert sasl.initial_response() == b"\0user\0pass"
    sasl.finish()
    assert sasl.server_error is None
    with_authzid = _imaprs._Sasl("PLAIN", "user", "pass", "admin")
    assert with_authzid.initial_response() == b"admin\0user\0pass"


def test_plain_without_sasl_ir_answers_the_empty_challenge() -> None:
    assert _imaprs._Sasl("PLAIN", "user", "pass").step(b"") == b"\0user\0pass"


def test_login_takes_two_steps() -> None:
    sasl = _imaprs._Sasl("LOGIN", "user", "pass")
    assert sasl.initial_response() is None
    assert sasl.step(b"Username:") == b"user"
    assert sasl.step(b"Password:") == b"pass"
    with pytest.raises(imaprs.IMAP4Error, match="LOGIN: unexpected third challenge"):
        sasl.step(b"More:")


def test_cram_md5_rfc2195() -> None:
    sasl = _imaprs._Sasl("CRAM-MD5", "tim", "tanstaaftanstaaf")
    assert sasl.initial_response() is None
    challenge = b"<1896.697170952@postoffice.reston.mci.net>"
    assert sasl.step(challenge) == b"tim b913a602c7eda7a495b4e6e7334d3890"


def test_xoauth2() -> None:
    sasl = _imaprs._Sasl("XOAUTH2", "alice@example.com", "ya29.token")
    assert sasl.initial_response() == b"user=alice@example.com\x01auth=Bearer ya29.token\x01\x01"
    error = b'{"status":"401","schemes":"bearer"}'
    assert sasl.step(error) == b""  # an error challenge is answered with an empty response
    assert sasl.server_error == error.decode()


def test_oauthbearer_host() -> None:
    cases = [
        ("imap.example.com:993", b"host=imap.example.com\x01port=993\x01"),
        ("imap.example.com", b"host=imap.example.com\x01port=143\x01"),
        ("::1", b"host=::1\x01port=143\x01"),
        ("[::1]:993", b"host=[::1]\x01port=993\x01"),
    ]
    for host, want in cases:
        first = _imaprs._Sasl("OAUTHBEARER", "alice", "tok", None, host).initial_response()
        assert first == b"n,a=alice,\x01" + want + b"auth=Bearer tok\x01\x01", host
    with pytest.raises(ValueError, match="bad port"):
        _imaprs._Sasl("OAUTHBEARER", "alice", "tok", None, "imap.example.com:imaps")


def scram_server(
    sasl: _imaprs._Sasl, hash_name: str, password: str, gs2_header: str = "n,,"
) -> bytes:
    """Runs SCRAM up to the server-final message, checking the client's messages and proof
    with the RFC 5802 arithmetic done here; returns the server signature."""
    first = sasl.initial_response()
    assert first is not None and first.startswith(gs2_header.encode())
    client_first_bare = first[len(gs2_header) :].decode()
    match = re.fullmatch(r"n=[^,]+,r=([A-Za-z0-9+/]{24})", client_first_bare)
    assert match, client_first_bare
    nonce = match.group(1) + SERVER_NONCE
    server_first = f"r={nonce},s={base64.b64encode(SALT).decode()},i={ITERATIONS}"
    client_final = sasl.step(server_first.encode()).decode()
    without_proof, proof = client_final.rsplit(",p=", 1)
    assert without_proof == f"c={base64.b64encode(gs2_header.encode()).decode()},r={nonce}"

    salted = hashlib.pbkdf2_hmac(hash_name, password.encode(), SALT, ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hash_name).digest()
    stored_key = hashlib.new(hash_name, client_key).digest()
    auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
    client_signature = hmac.new(stored_key, auth_message, hash_name).digest()
    assert base64.b64decode(proof) == bytes(a ^ b for a, b in zip(client_key, client_signature))
    server_key = hmac.new(salted, b"Server Key", hash_name).digest()
    return hmac.new(server_key, auth_message, hash_name).digest()


SCRAM = [("SCRAM-SHA-1", "sha1"), ("SCRAM-SHA-256", "sha256")]


@pytest.mark.parametrize(("mech", "hash_name"), SCRAM)
def test_scram_exchange(mech: str, hash_name: str) -> None:
    sasl = _imaprs._Sasl(mech, "user", "pencil")
    signature = scram_server(sasl, hash_name, "pencil")
    assert sasl.step(b"v=" + base64.b64encode(signature)) == b""
    sasl.finish()
    # The signature may also come with the tagged OK.
    sasl = _imaprs._Sasl(mech, "user", "pencil")
    signature = scram_server(sasl, hash_name, "pencil")
    sasl.finish(b"v=" + base64.b64encode(signature))


def test_scram_with_authzid() -> None:
    sasl = _imaprs._Sasl("SCRAM-SHA-256", "user", "pencil", "admin")
    scram_server(sasl, "sha256", "pencil", gs2_header="n,a=admin,")


@pytest.mark.parametrize(("mech", "hash_name"), SCRAM)
def test_scram_refuses_a_wrong_server_signature(mech: str, hash_name: str) -> None:
    sasl = _imaprs._Sasl(mech, "user", SECRET)
    wrong = bytes(len(scram_server(sasl, hash_name, SECRET)))
    with pytest.raises(imaprs.IMAP4Error, match="signature is wrong") as info:
        sasl.step(b"v=" + base64.b64encode(wrong))
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)

    sasl = _imaprs._Sasl(mech, "user", SECRET)
    scram_server(sasl, hash_name, SECRET)
    with pytest.raises(imaprs.IMAP4Error, match="signature is wrong"):
        sasl.finish(b"v=" + base64.b64encode(wrong))

    sasl = _imaprs._Sasl(mech, "user", SECRET)
    scram_server(sasl, hash_name, SECRET)
    with pytest.raises(imaprs.IMAP4Error, match="no server signature"):
        sasl.finish(None)


def test_scram_server_error() -> None:
    sasl = _imaprs._Sasl("SCRAM-SHA-256", "user", SECRET)
    scram_server(sasl, "sha256", SECRET)
    with pytest.raises(imaprs.IMAP4Error, match="invalid-proof"):
        sasl.step(b"e=invalid-proof")
    assert sasl.server_error == "invalid-proof"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("GSSAPI", "user", SECRET), 'unsupported mechanism "GSSAPI"'),
        (("LOGIN", "user", SECRET, "admin"), "LOGIN cannot carry an authorization identity"),
        (("PLAIN", "user", SECRET + "\0"), "PLAIN: the password contains NUL"),
    ],
)
def test_refusals_raise_imap4error_without_the_secret(args: Tuple[str, ...], message: str) -> None:
    with pytest.raises(imaprs.IMAP4Error) as info:
        _imaprs._Sasl(*args)
    assert type(info.value) is imaprs.AuthenticationError  # an IMAP4Error
    assert message in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


@pytest.mark.parametrize("mech", [*MECHANISMS, "XOAUTH2", "OAUTHBEARER"])
def test_repr_never_shows_the_secret(mech: str) -> None:
    sasl = _imaprs._Sasl(mech, "user", SECRET, None, "imap.example.com")
    assert repr(sasl) == f"<_Sasl {mech}>"
    sasl.initial_response()
    assert SECRET not in repr(sasl)


def test_preferred() -> None:
    cases = [
        ([], None),
        (["LOGIN", "PLAIN"], "PLAIN"),
        (["PLAIN", "cram-md5"], "CRAM-MD5"),
        (["SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"], "SCRAM-SHA-256"),
        (["AUTH=SCRAM-SHA-1"], "SCRAM-SHA-1"),
        (["XOAUTH2", "OAUTHBEARER", "GSSAPI"], None),
    ]
    for offered, want in cases:
        assert _imaprs._sasl_preferred(offered) == want, offered


def authenticate(conn: _imaprs._Connection, sasl: _imaprs._Sasl, sasl_ir: bool) -> str:
    """Runs AUTHENTICATE with `sasl` (the initial response inline with `sasl_ir`, else after
    the first empty challenge); returns the tagged status, after `finish` on OK."""
    tag = _imaprs._Session().tag()
    line = f"{tag} AUTHENTICATE {sasl.name}".encode()
    first: Optional[bytes] = sasl.initial_response() if sasl_ir else None
    if first is not None:
        line += b" " + (base64.b64encode(first) or b"=")
    conn.write(line + b"\r\n")
    while True:
        rsp = conn.read()
        if rsp.type == "continue":
            assert isinstance(rsp.info, bytes)
            conn.write(base64.b64encode(sasl.step(rsp.info)) + b"\r\n")
        elif rsp.tag == tag:
            assert rsp.status is not None
            if rsp.status == "OK":
                sasl.finish(None)
            return rsp.status


@pytest.mark.parametrize("sasl_ir", [True, False], ids=["sasl-ir", "no-sasl-ir"])
@pytest.mark.parametrize("mech", MECHANISMS)
def test_dovecot(dovecot: Dovecot, dovecot_user: User, mech: str, sasl_ir: bool) -> None:
    if mech not in dovecot.mechanisms:
        pytest.skip(f"this Dovecot ({dovecot.version}) does not enable {mech}")
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 10.0)
    if sasl_ir:
        assert b"SASL-IR" in conn.greeting_raw
    sasl = _imaprs._Sasl(mech, dovecot_user.name, dovecot_user.password)
    assert authenticate(conn, sasl, sasl_ir) == "OK"
    tag = _imaprs._Session().tag()
    conn.write(f"{tag} SELECT INBOX\r\n".encode())
    while (rsp := conn.read()).tag != tag:
        pass
    assert rsp.status == "OK"
    conn.close()


@pytest.mark.parametrize("mech", MECHANISMS)
def test_dovecot_wrong_password(dovecot: Dovecot, dovecot_user: User, mech: str) -> None:
    if mech not in dovecot.mechanisms:
        pytest.skip(f"this Dovecot ({dovecot.version}) does not enable {mech}")
    conn = _imaprs._Connection(dovecot.host, dovecot.port, 10.0)
    sasl = _imaprs._Sasl(mech, dovecot_user.name, dovecot_user.password + "-wrong")
    assert authenticate(conn, sasl, sasl_ir=True) == "NO"
    conn.close()
