"""The recipes of docs/cookbook.md (the scripts in docs/cookbook/) run against the tests'
Dovecot, as a user would run them: folder names in German, Russian and Japanese, subjects
and names encoded in several charsets (RFC 2047), attachment names in RFC 2231 and RFC 2047,
and each script's output and effect checked."""

from __future__ import annotations

import base64
import datetime
import os
import quopri
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import imaprs
from imaprs._servers import Dovecot, User

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "docs" / "cookbook"
DAY = 86400.0
LONG_AGO = time.time() - 800 * DAY

ARGER = "Projekte/Ärger"
RUSSIAN = "Входящие/Работа"
JAPANESE = "報告"

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
NOTE = "Grüße aus Köln: Straße, Größe, Maß.\r\n".encode("latin-1") * 20
ZIP = b"PK\x03\x04" + bytes((i * 7) % 256 for i in range(5000))
CSV = "дата;сумма\n01.03.2026;100\n".encode()


def word(text: str, charset: str, q: bool = False) -> str:
    """``text`` as one RFC 2047 encoded word (test input, written the long way)."""
    raw = text.encode(charset)
    if not q:
        return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="
    quoted = "".join(
        "_" if b == 0x20 else chr(b) if chr(b).isalnum() and b < 0x80 else f"={b:02X}" for b in raw
    )
    return f"=?{charset}?Q?{quoted}?="


def message(
    sender: str,
    subject: str,
    date: str = "Mon, 02 Mar 2026 09:15:00 +0100",
    parts: Tuple[str, ...] = (),
    text: str = "Hallo.",
) -> bytes:
    """A message with encoded headers, and ``parts`` (MIME part headers and bodies) as
    attachments after a short text."""
    head = [f"From: {sender}", "To: team@example.com", f"Subject: {subject}", f"Date: {date}"]
    head.append("MIME-Version: 1.0")
    if not parts:
        head.append("Content-Type: text/plain; charset=utf-8")
        return ("\r\n".join(head) + "\r\n\r\n" + text + "\r\n").encode()
    head.append('Content-Type: multipart/mixed; boundary="b0"')
    body = ["", "--b0", "Content-Type: text/plain; charset=utf-8", "", text]
    for part in parts:
        body += ["--b0", part]
    body += ["--b0--", ""]
    return ("\r\n".join(head) + "\r\n" + "\r\n".join(body)).encode()


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", "\r\n")


def qp(text: bytes) -> str:
    """Quoted-printable of ``text`` (lines ending in CRLF), its line breaks kept."""
    encoded = quopri.encodestring(text.replace(b"\r\n", b"\n"))
    return encoded.decode("ascii").replace("\n", "\r\n")


JUERGEN = f"{word('Jürgen Müller', 'UTF-8', q=True)} <juergen@example.de>"
IVAN = f"{word('Иван Петров', 'KOI8-R')} <ivan@example.ru>"
YAMADA = f"{word('山田太郎', 'ISO-2022-JP')} <yamada@example.jp>"
WANG = f"{word('王伟', 'GB2312')} <wang@example.cn>"
RENEE = f"{word('Renée Dupont', 'ISO-8859-1', q=True)} <renee@example.fr>"

INBOX: List[Tuple[bytes, str, float]] = [
    (
        message(
            JUERGEN,
            word("Rückfrage zum Angebot", "UTF-8"),
            parts=(
                "Content-Type: application/pdf\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment;\r\n"
                " filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf\r\n\r\n" + b64(PDF),
                "Content-Type: text/plain; charset=iso-8859-1\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "Content-Disposition: attachment;\r\n"
                " filename*0*=ISO-8859-1'de'Gr%FC%DFe;\r\n"
                " filename*1*=%20aus%20K%F6ln.txt\r\n\r\n" + qp(NOTE),
            ),
        ),
        "",
        time.time() - 2 * DAY,
    ),
    (
        message(
            IVAN,
            word("Отчёт за март", "KOI8-R"),
            date="Tue, 03 Mar 2026 11:00:00 +0300",
            parts=(
                "Content-Type: text/csv;\r\n"
                f' name="{word("отчёт.csv", "UTF-8")}"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n" + b64(CSV),
            ),
        ),
        "",
        time.time() - DAY,
    ),
    (
        message(
            YAMADA,
            word("会議の資料", "ISO-2022-JP"),
            date="Wed, 04 Mar 2026 08:30:00 +0900",
            parts=(
                "Content-Type: application/zip\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment; filename*=UTF-8''%E8%B3%87%E6%96%99.zip"
                "\r\n\r\n" + b64(ZIP),
            ),
        ),
        "S",
        time.time() - DAY / 2,
    ),
    (
        message(JUERGEN, f"Re: {word('Rückfrage zum Angebot', 'UTF-8')}"),
        "S",  # read already: not flagged
        time.time() - DAY / 4,
    ),
    (message(WANG, word("你好世界", "GB2312"), date="Thu, 05 Mar 2026 10:00:00 +0800"), "", 0),
]


def deliver_all(dovecot: Dovecot, user: User) -> None:
    for data, flags, when in INBOX:
        dovecot.deliver(user.name, data, flags=flags, when=when or None)
    dovecot.deliver(
        user.name, message(RENEE, word("Grüße aus Köln", "ISO-8859-1", q=True)), folder=ARGER
    )
    for n in range(3):
        old = message(IVAN, word(f"Старое письмо {n}", "KOI8-R"))
        dovecot.deliver(user.name, old, folder=ARGER, flags="S", when=LONG_AGO + n * DAY)
    dovecot.deliver(user.name, message(YAMADA, word("週報", "ISO-2022-JP")), folder=RUSSIAN)
    dovecot.deliver(user.name, message(WANG, word("报告", "GB2312")), folder=JAPANESE, flags="S")


@pytest.fixture
def mail(dovecot: Dovecot, dovecot_user: User) -> User:
    deliver_all(dovecot, dovecot_user)
    return dovecot_user


def environment(dovecot: Dovecot, user: User) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAP_")}
    env.update(
        IMAP_HOST="localhost",
        IMAP_PORT=str(dovecot.ssl_port),
        IMAP_CAFILE=str(dovecot.ca_file),
        IMAP_USER=user.name,
        IMAP_PASSWORD=user.password,
        PYTHONIOENCODING="utf-8",
    )
    return env


def run(dovecot: Dovecot, user: User, recipe: str, *args: str) -> List[str]:
    """Runs ``docs/cookbook/<recipe>.py args`` as a user would; its output lines."""
    proc = subprocess.run(
        [sys.executable, str(RECIPES / f"{recipe}.py"), *args],
        env=environment(dovecot, user),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def connect(dovecot: Dovecot, user: User) -> imaprs.IMAP4:
    imap = imaprs.IMAP4(("localhost", dovecot.ssl_port), ssl_ctx=dovecot.client_context())
    imap.login(user.name, user.password)
    return imap


def subjects(dovecot: Dovecot, user: User, folder: str) -> Dict[str, Tuple[str, ...]]:
    """Each message's decoded subject in ``folder`` -> its flags (without \\Recent)."""
    with connect(dovecot, user) as imap:
        imap.select(folder, readonly=True)
        if not imap.selected or not imap.selected.exists:
            return {}
        found = imap.fetch("1:*", "FLAGS", "ENVELOPE").data.values()
        return {
            m.envelope.subject: tuple(sorted(f for f in m.flags if f != "\\Recent")) for m in found
        }


def test_recipes_use_only_the_typed_api() -> None:
    """No recipe digs into raw responses, decodes names or headers, or formats IMAP dates."""
    scripts = sorted(RECIPES.glob("*.py"))
    assert len(scripts) == 9
    forbidden = re.compile(
        r"\.queue|response_map|iutf7|decode_header|email\.header|email\.utils|strftime|"
        r"idate2unix|unix2idate|\.dtype|\[\d+\]\["
    )
    for script in scripts:
        assert not forbidden.findall(script.read_text(encoding="utf-8")), script.name
    page = (ROOT / "docs" / "cookbook.md").read_text(encoding="utf-8")
    for script in scripts:
        assert f'--8<-- "docs/cookbook/{script.name}"' in page, script.name


def test_folders_with_counts(dovecot: Dovecot, mail: User) -> None:
    lines = run(dovecot, mail, "folders")
    rows = {line[:24].rstrip(): line[24:].split() for line in lines}
    assert rows["INBOX"] == ["5", "3"]
    assert rows[ARGER] == ["4", "1"]
    assert rows[RUSSIAN] == ["1", "1"]
    assert rows[JAPANESE] == ["1", "0"]
    assert rows["Sent"] == ["0", "0", "\\Sent"]
    assert "Projekte" not in rows and "Входящие" not in rows  # levels, not folders


def test_newest_messages(dovecot: Dovecot, mail: User) -> None:
    lines = run(dovecot, mail, "newest", "INBOX", "4")
    assert len(lines) == 4
    expected = [
        ("2026-03-05 10:00+08:00", "王伟", "你好世界"),
        ("2026-03-02 09:15+01:00", "Jürgen Müller", "Re: Rückfrage zum Angebot"),
        ("2026-03-04 08:30+09:00", "山田太郎", "会議の資料"),
        ("2026-03-03 11:00+03:00", "Иван Петров", "Отчёт за март"),
    ]
    for line, (date, sender, subject) in zip(lines, expected):
        when, who, what = (part.strip() for part in line.split("  ", 2))
        assert (when, who, what) == (date, sender, subject), line


def test_newest_messages_with_asyncio(dovecot: Dovecot, mail: User) -> None:
    assert run(dovecot, mail, "newest_async", "INBOX", "4") == run(
        dovecot, mail, "newest", "INBOX", "4"
    )


def test_find_and_mark(dovecot: Dovecot, mail: User) -> None:
    since = (datetime.date.today() - datetime.timedelta(days=7)).isoformat()
    lines = run(dovecot, mail, "find_and_mark", "INBOX", "juergen@example.de", "Rückfrage", since)
    assert lines[-1] == "1 message(s) flagged"
    assert "\\Flagged" in lines[0].split() and lines[0].endswith(" Rückfrage zum Angebot")
    flags = subjects(dovecot, mail, "INBOX")
    assert flags["Rückfrage zum Angebot"] == ("\\Flagged",)
    assert flags["Re: Rückfrage zum Angebot"] == ("\\Seen",)  # read already
    assert flags["Отчёт за март"] == ()
    # Nothing received since tomorrow.
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    again = run(dovecot, mail, "find_and_mark", "INBOX", "ivan@example.ru", "март", tomorrow)
    assert again == ["0 message(s) flagged"]


def test_save_attachments(dovecot: Dovecot, mail: User, tmp_path: Path) -> None:
    dest = tmp_path / "Anhänge"
    lines = run(dovecot, mail, "save_attachments", "INBOX", str(dest))
    saved = {path.name: path.read_bytes() for path in dest.iterdir()}
    assert saved == {
        "1-Übersicht März.pdf": PDF,
        "1-Grüße aus Köln.txt": NOTE,
        "2-отчёт.csv": CSV,
        "3-資料.zip": ZIP,
    }
    assert f"1-Übersicht März.pdf (application/pdf, {len(PDF)} bytes)" in lines
    assert len(lines) == 4


def test_archive_old_mail(dovecot: Dovecot, mail: User) -> None:
    archive = "Archiv/Ärger 2024"
    lines = run(dovecot, mail, "archive_old", ARGER, archive, "365")
    cutoff = datetime.date.today() - datetime.timedelta(days=365)
    assert lines == [
        f"3 message(s) from before {cutoff} moved to {archive}",
        f"{ARGER} holds 1 message(s)",
    ]
    moved = subjects(dovecot, mail, archive)
    assert sorted(moved) == [f"Старое письмо {n}" for n in range(3)]
    assert set(moved.values()) == {("\\Seen",)}  # flags go with the messages
    assert list(subjects(dovecot, mail, ARGER)) == ["Grüße aus Köln"]
    again = run(dovecot, mail, "archive_old", ARGER, archive, "365")
    assert again[0].startswith("0 message(s)")


def test_wait_for_new_mail(dovecot: Dovecot, mail: User) -> None:
    argv = [sys.executable, str(RECIPES / "wait_new.py"), RUSSIAN, "2"]
    with subprocess.Popen(
        argv,
        env=environment(dovecot, mail),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"watching {RUSSIAN}, 1 message(s)\n"
        time.sleep(0.5)  # let IDLE start (news before it is caught up all the same)
        dovecot.deliver(mail.name, message(RENEE, word("Nouvelles", "ISO-8859-1")), folder=RUSSIAN)
        first = proc.stdout.readline()
        dovecot.deliver(mail.name, message(IVAN, word("Ещё одно", "KOI8-R")), folder=RUSSIAN)
        second = proc.stdout.readline()
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    assert first == "new: Renée Dupont <renee@example.fr>: Nouvelles\n"
    assert second == "new: Иван Петров <ivan@example.ru>: Ещё одно\n"


def test_backup_a_folder(dovecot: Dovecot, mail: User, tmp_path: Path) -> None:
    dest = tmp_path / "Sicherung"
    assert run(dovecot, mail, "backup_folder", ARGER, str(dest)) == [
        f"4 new message(s) saved, 4 in {dest}"
    ]
    with connect(dovecot, mail) as imap:
        imap.select(ARGER, readonly=True)
        assert imap.selected is not None
        validity = imap.selected.uidvalidity
        originals = imap.fetch("1:*", "INTERNALDATE", "BODY.PEEK[]", uid=True).data
    files = {path.name: path for path in dest.iterdir()}
    assert sorted(files) == sorted(f"{validity}-{uid}.eml" for uid in originals)
    for uid, original in originals.items():
        path = files[f"{validity}-{uid}.eml"]
        assert path.read_bytes() == original["BODY[]"]
        assert path.stat().st_mtime == original.internaldate.timestamp()
    dovecot.deliver(mail.name, message(WANG, word("新邮件", "GB2312")), folder=ARGER)
    assert run(dovecot, mail, "backup_folder", ARGER, str(dest)) == [
        f"1 new message(s) saved, 5 in {dest}"
    ]
    assert run(dovecot, mail, "backup_folder", ARGER, str(dest)) == [
        f"0 new message(s) saved, 5 in {dest}"
    ]
