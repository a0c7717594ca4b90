"""Typed FETCH values against a real Dovecot: RFC 2047 subjects and names in several
charsets, an RFC 2231 attachment name, and the attachment downloaded with fetch_part."""

from __future__ import annotations

import base64
import email.header
import email.message
import hashlib
import quopri
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from faces import Face
from imaprs import IMAP4, FetchItem
from imaprs._imaprs import fetch_item
from imaprs._servers import Dovecot, User

#: (subject, sender name, charset) of the plain messages.
MESSAGES: List[Tuple[str, str, str]] = [
    ("Rückfrage zum Angebot", "Jörg Müller", "iso-8859-1"),
    ("Привет из Москвы", "Иван Петров", "koi8-r"),
    ("Отчёт за квартал", "Ольга", "windows-1251"),
    ("会議の件について", "山田太郎", "iso-2022-jp"),
    ("お知らせ", "鈴木", "shift_jis"),
    ("你好\uff0c世界", "王伟", "gb2312"),
    ("週報", "陳大文", "big5"),
    ("안녕하세요", "김철수", "euc-kr"),
    ("Grüße \u2013 ünïcödé ✓", "Zoë Ångström", "utf-8"),
]

ATTACHMENT_NAME = "Bericht Q1 \u2013 Übersicht 2026 (endgültig).pdf"
#: Larger than the engine's streaming threshold, so it reaches the sink in chunks.
ATTACHMENT = hashlib.sha256(b"seed").digest() * 8000
NOTE = "Grüße aus Köln \u2013 der Bericht hängt an.\n" * 50


def plain_message(subject: str, name: str, charset: str) -> bytes:
    msg = email.message.Message()
    msg["Subject"] = email.header.Header(subject, charset).encode()
    sender = email.header.Header(name, charset).encode()
    msg["From"] = f"{sender} <sender@example.com>"
    msg["To"] = "Team: a@example.com, b@example.com;"
    msg["Date"] = "Thu, 01 Jan 2026 09:30:00 +0100"
    msg["Message-ID"] = f"<{charset}@example.com>"
    msg.set_payload(b"body\r\n")
    return msg.as_bytes()


def attachment_message() -> bytes:
    msg = MIMEMultipart()
    msg["Subject"] = email.header.Header("Bericht mit Anhang", "utf-8").encode()
    msg["From"] = "Ann <ann@example.com>"
    msg["Date"] = "Fri, 02 Jan 2026 17:00:00 -0500"
    text = MIMEText(NOTE, "plain", "utf-8")
    text.replace_header("Content-Transfer-Encoding", "quoted-printable")
    text.set_payload(quopri.encodestring(NOTE.encode("utf-8")).decode("ascii"))
    msg.attach(text)
    part = MIMEBase("application", "pdf")
    part.set_payload(ATTACHMENT)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", ATTACHMENT_NAME))
    msg.attach(part)
    return msg.as_bytes()


@pytest.fixture
def mailbox(dovecot: Dovecot, dovecot_user: User) -> Dict[int, FetchItem]:
    for subject, name, charset in MESSAGES:
        dovecot.deliver(dovecot_user.name, plain_message(subject, name, charset))
    dovecot.deliver(dovecot_user.name, attachment_message())
    return {}


def connect(dovecot: Dovecot, user: User, face: Face) -> IMAP4:
    imap = face.IMAP4((dovecot.host, dovecot.port), timeout=20)
    imap.login(user.name, user.password, allow_cleartext=True)
    imap.select("INBOX")
    return imap


def listing(imap: IMAP4) -> List[FetchItem]:
    cmd = imap.fetch(
        "1:*", "UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE"
    )
    return [fetch_item(rsp) for rsp in cmd.queue if rsp.dtype == "FETCH"]


def test_subjects_and_names_in_several_charsets(
    dovecot: Dovecot, dovecot_user: User, mailbox: Dict[int, FetchItem], face: Face
) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        items = listing(imap)
    assert len(items) == len(MESSAGES) + 1
    for it, (subject, name, charset) in zip(items, MESSAGES):
        env = it.envelope
        assert env is not None and it.uid is not None and it.size is not None
        assert env.subject == subject, charset
        (sender,) = env.from_
        assert (sender.name, sender.email) == (name, "sender@example.com"), charset
        assert env.date is not None and env.date.isoformat() == "2026-01-01T09:30:00+01:00"
        (team,) = env.to
        assert team.is_group and [m.email for m in team.members or ()] == [
            "a@example.com",
            "b@example.com",
        ]
        assert env.message_id == f"<{charset}@example.com>"
        assert it.internaldate is not None and it.internaldate.tzinfo is not None
        body = it.bodystructure
        assert body is not None and (body.content_type, body.part) == ("text/plain", "1")


def test_attachment_found_and_downloaded(
    dovecot: Dovecot, dovecot_user: User, mailbox: Dict[int, FetchItem], tmp_path: Path, face: Face
) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        it = listing(imap)[-1]
        assert it.envelope is not None and it.envelope.subject == "Bericht mit Anhang"
        body = it.bodystructure
        assert body is not None and body.is_multipart
        (attachment,) = body.attachments()
        assert attachment.filename == ATTACHMENT_NAME
        assert (attachment.part, attachment.encoding) == ("2", "base64")
        assert it.uid is not None

        target = tmp_path / "download.pdf"
        seen: List[Tuple[int, int]] = []
        with target.open("wb") as sink:
            result = imap.fetch_part(
                it.uid, attachment, sink, progress=lambda done, total: seen.append((done, total))
            )
        assert result is None and target.read_bytes() == ATTACHMENT
        assert seen and seen[-1][0] == seen[-1][1] == attachment.size

        assert imap.fetch_part(it.uid, attachment) == ATTACHMENT
        assert imap.fetch_part(it.uid, "1").decode("utf-8") == NOTE.replace("\n", "\r\n")  # type: ignore[union-attr]
        raw = imap.fetch_part(it.uid, attachment, decode=False)
        assert raw is not None and len(raw) == attachment.size
        assert base64.b64decode(raw) == ATTACHMENT
        pieces: List[bytes] = []
        assert imap.fetch_part(it.uid, "2", pieces.append) is None
        assert b"".join(pieces) == ATTACHMENT
        with pytest.raises(Exception, match="no part"):
            imap.fetch_part(it.uid, "7")


def test_full_message_as_email_message(
    dovecot: Dovecot, dovecot_user: User, mailbox: Dict[int, FetchItem], face: Face
) -> None:
    with connect(dovecot, dovecot_user, face) as imap:
        cmd = imap.fetch("1", "BODY.PEEK[]", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        (it,) = [fetch_item(r) for r in cmd.queue if r.dtype == "FETCH"]
    assert it.message()["subject"] == MESSAGES[0][0]
    header = it["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]
    assert isinstance(header, bytes) and header.startswith(b"Subject: =?")
