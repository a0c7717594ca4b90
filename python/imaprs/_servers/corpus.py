"""A deterministic, realistic mail corpus.

``make_messages(count, seed)`` yields RFC 5322 messages with CRLF line endings, the same bytes for
the same arguments on every Python version: plain text and multipart/alternative bodies in
several languages and charsets (us-ascii, utf-8, iso-8859-1, windows-1251, koi8-r) with 7bit,
8bit, quoted-printable and base64 transfer encodings; RFC 2047 encoded subjects and display names
(B and Q); base64 attachments with RFC 2231 and RFC 2047 file names; forwarded message/rfc822
parts; mailing-list headers; threads (Message-ID, In-Reply-To, References). Sizes follow a
log-normal law: most messages are a few KB, one in six carries attachments of tens of KB, the
mean is around 15 KB.
"""

from __future__ import annotations

import base64
import binascii
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, quote
from pathlib import Path
from typing import Iterable, Iterator, List, NamedTuple, Optional, Protocol, Tuple, Union

__all__ = ["iter_big_message", "make_big_message", "make_messages", "seed_mailbox"]

_EPOCH = datetime(2020, 9, 14, 8, 0, tzinfo=timezone.utc)
_ZONES = (0, 0, 60, 120, 180, -300, -240, 330, 540, -480)  # minutes east of UTC
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.edu", "lists.example.org")

# language -> (body charsets to pick from, names, subjects, words)
_LANGS = {
    "en": (
        ("us-ascii", "utf-8"),
        ("Alice Example", "Bob Builder", "Mary O'Brien", "J. R. Hartley", "Dave Null"),
        (
            "Quarterly report",
            "Lunch on Friday?",
            "Meeting notes",
            "Build failed on main",
            "Your order has shipped",
            "Invoice {n}",
            "Weekly digest, issue {n}",
        ),
        "the report is attached please review before the meeting we should discuss budget "
        "timeline schedule release notes deployment server customer feedback thanks regards "
        "project update next week tomorrow agreed proposal draft final version",
    ),
    "de": (
        ("iso-8859-1", "utf-8"),
        ("Jürgen Groß", "Änne Müller", "Björn Schäfer", "Grete Weiß"),
        ("Rückfrage zur Bestellung", "Übersicht für März", "Größere Änderungen", "Grüße aus Köln"),
        "die bestellung wurde gestern verschickt bitte prüfen sie ob alle größen stimmen für "
        "rückfragen stehe ich gern zur verfügung mit freundlichen grüßen straße übermorgen "
        "änderung",
    ),
    "fr": (
        ("iso-8859-1", "utf-8"),
        ("Renée Dupont", "François Lefèvre", "Hélène Côté", "Zoë Ångström"),
        ("Très urgent : contrat", "Réunion de rentrée", "Reçu et validé", "À propos du café"),
        "voici le résumé de la réunion nous avons décidé de reporter la livraison à la semaine "
        "prochaine le café était très bon merci à tous pour les idées élève été où",
    ),
    "ru": (
        ("koi8-r", "windows-1251", "utf-8"),
        ("Иван Иванович", "Мария Петрова", "Сергей Смирнов", "Ольга Кузнецова"),
        ("Отчёт по лабораторной работе", "Встреча в пятницу", "Счёт №{n}", "Привет из Москвы"),
        "привет как дела отчёт готов посмотри пожалуйста до пятницы встреча перенесена на "
        "следующую неделю спасибо с уважением проект сервер письмо ответ",  # noqa: RUF001
    ),
    "zh": (
        ("utf-8",),
        ("李雷", "韩梅梅", "王小明"),
        ("会议纪要", "项目进度更新", "周末聚餐"),
        "会议 项目 进度 报告 附件 请 查收 谢谢 明天 下周 服务器 客户 反馈",
    ),
}
_LANG_WEIGHTS = (("en", 50), ("de", 14), ("fr", 10), ("ru", 18), ("zh", 8))
_ATTACHMENTS = (
    ("application", "pdf", b"%PDF-1.4\n", ("report.pdf", "Rechnung März.pdf", "отчёт.pdf")),
    ("image", "jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", ("photo.jpg", "IMG_0042.JPG", "照片.jpg")),
    ("application", "zip", b"PK\x03\x04", ("archive.zip", "données.zip")),
    ("application", "octet-stream", b"", ("data.bin", "dump.bin")),
)
_MAILERS = ("Thunderbird 115.3", "Mutt/2.2.9", "Roundcube Webmail/1.6", "Apple Mail (2.3731)")
_FLAG_MIX = (("S", 55), ("", 20), ("RS", 10), ("FS", 5), ("F", 3), ("D", 2), ("DS", 2), ("T", 3))


class _Message(NamedTuple):
    data: bytes
    date: float
    flags: str


class _Parent(NamedTuple):
    message_id: str
    subject: str
    references: Tuple[str, ...]


class _Deliverer(Protocol):
    def deliver(
        self,
        user: str,
        message: Union[bytes, Iterable[bytes]],
        folder: str = ...,
        flags: str = ...,
        when: Optional[float] = ...,
    ) -> Path: ...


def make_messages(count: int, seed: int = 0) -> Iterator[bytes]:
    """Yield ``count`` messages; the same ``seed`` gives the same bytes."""
    for message in _generate(count, seed):
        yield message.data


def seed_mailbox(
    server: _Deliverer, user: str, count: int, folder: str = "INBOX", seed: int = 0
) -> List[Path]:
    """Deliver ``make_messages(count, seed)`` to ``user`` with a mix of flags, in order.

    INTERNALDATE is each message's Date. Returns the files written, in message order.
    """
    return [
        server.deliver(user, m.data, folder=folder, flags=m.flags, when=m.date)
        for m in _generate(count, seed)
    ]


def make_big_message(size_bytes: int, seed: int = 0) -> bytes:
    """A message of exactly ``size_bytes`` bytes: a short text and one big base64 attachment."""
    return b"".join(iter_big_message(size_bytes, seed))


def iter_big_message(size_bytes: int, seed: int = 0, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """``make_big_message`` in chunks of about ``chunk_size`` bytes, for messages of any size."""
    rng = random.Random(seed)
    boundary = f"=_big_{rng.getrandbits(48):012x}"
    head = (
        (
            f"From: {_address(rng, 'en')}\n"
            f"To: {_address(rng, 'en')}\n"
            f"Subject: big attachment of {size_bytes} bytes\n"
            f"Date: {format_datetime(_EPOCH)}\n"
            f"Message-ID: <big.{seed}.{size_bytes}@example.com>\n"
            "MIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n'
        )
        .replace("\n", "\r\n")
        .encode("ascii")
    )
    body = (
        (
            f"\n--{boundary}\n"
            "Content-Type: text/plain; charset=us-ascii\n\nThe file is attached.\n"
            f"\n--{boundary}\n"
            'Content-Type: application/octet-stream; name="big.bin"\n'
            'Content-Disposition: attachment; filename="big.bin"\n'
            "Content-Transfer-Encoding: base64\n\n"
        )
        .replace("\n", "\r\n")
        .encode("ascii")
    )
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    # Base64 lines are 76 characters + CRLF; an X-Padding header takes up the remainder.
    spare = size_bytes - len(head) - len(body) - len(tail) - len(b"X-Padding: \r\n")
    if spare < 0:
        raise ValueError(f"a big message needs at least {size_bytes - spare} bytes")
    lines, pad = divmod(spare, 78)
    yield head + b"X-Padding: " + b"x" * pad + b"\r\n" + body
    per_chunk = max(1, chunk_size // 78)
    while lines:
        n = min(lines, per_chunk)
        lines -= n
        yield base64.encodebytes(rng.randbytes(57 * n)).replace(b"\n", b"\r\n")
    yield tail


# -- generation -----------------------------------------------------------------------------


def _generate(count: int, seed: int) -> Iterator[_Message]:
    rng = random.Random(seed)
    recent: List[_Parent] = []
    when = _EPOCH
    for n in range(count):
        when += timedelta(seconds=rng.randint(60, 7200))
        lang = _pick(rng, _LANG_WEIGHTS)
        charsets, _, subjects, _ = _LANGS[lang]
        message_id = f"<{n}.{rng.getrandbits(48):012x}@{rng.choice(_DOMAINS)}>"
        parent = rng.choice(recent[-40:]) if recent and rng.random() < 0.3 else None
        references: Tuple[str, ...] = ()
        if parent is None:
            subject = rng.choice(subjects).format(n=n)
        else:
            subject = parent.subject
            if not subject.startswith("Re: "):
                subject = f"Re: {subject}"
            references = (*parent.references[-9:], parent.message_id)
        recent.append(_Parent(message_id, subject, references))

        zone = timezone(timedelta(minutes=rng.choice(_ZONES)))
        headers = _trace_headers(rng, when)
        headers.append(f"Date: {format_datetime(when.astimezone(zone))}")
        headers.append(f"From: {_address(rng, lang)}")
        to = ", ".join(_address(rng, rng.choice(("en", lang))) for _ in range(rng.randint(1, 3)))
        headers.append(f"To: {to}")
        if rng.random() < 0.25:
            headers.append(f"Cc: {_address(rng, lang)}")
        headers.append(f"Subject: {_header_text(rng, subject, rng.choice(charsets))}")
        headers.append(f"Message-ID: {message_id}")
        if parent is not None:
            headers.append(f"In-Reply-To: {parent.message_id}")
            headers.append("References: " + "\n ".join(references))
        if rng.random() < 0.12:
            headers.append("List-Id: Project discussion <project.lists.example.org>")
            headers.append("List-Unsubscribe: <mailto:project-leave@lists.example.org>")
            headers.append("Precedence: list")
        if rng.random() < 0.5:
            headers.append(f"X-Mailer: {rng.choice(_MAILERS)}")
        headers.append("MIME-Version: 1.0")

        kind = rng.random()
        if kind < 0.55:
            entity = _text_part(rng, lang)
        elif kind < 0.80:
            entity = _alternative(rng, lang, n)
        elif kind < 0.97:
            entity = _mixed(rng, lang, n, _attachments(rng))
        else:
            inner = _forwarded(rng, n)
            entity = _mixed(rng, lang, n, [inner])
        text = "\n".join(headers) + "\n" + entity
        data = text.encode("utf-8", "surrogateescape").replace(b"\n", b"\r\n")
        yield _Message(data, when.timestamp(), _pick(rng, _FLAG_MIX))


def _pick(rng: random.Random, weighted: Tuple[Tuple[str, int], ...]) -> str:
    total = sum(weight for _, weight in weighted)
    point = rng.randrange(total)
    for value, weight in weighted:
        point -= weight
        if point < 0:
            return value
    raise AssertionError("unreachable")


def _trace_headers(rng: random.Random, when: datetime) -> List[str]:
    out = []
    for hop in range(rng.randint(1, 3)):
        stamp = format_datetime(when + timedelta(seconds=hop * 2))
        ip = f"192.0.2.{rng.randint(1, 254)}"
        out.append(
            f"Received: from relay{hop}.example.net (relay{hop}.example.net [{ip}])\n"
            f"\tby mx.example.com (Postfix) with ESMTPS id {rng.getrandbits(40):010X}\n"
            f"\tfor <inbox@example.com>; {stamp}"
        )
    return out


def _address(rng: random.Random, lang: str) -> str:
    charsets, names, _, _ = _LANGS[lang]
    name = rng.choice(names)
    local = "".join(c for c in name.lower() if c.isascii() and c.isalnum()) or "user"
    addr = f"<{local}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}>"
    if name.isascii():
        if any(c in name for c in '()<>[]:;@\\,."'):
            return f'"{quote(name)}" {addr}'
        return f"{name} {addr}"
    return f"{_encoded_words(rng, name, rng.choice(charsets))} {addr}"


def _header_text(rng: random.Random, text: str, charset: str) -> str:
    return text if text.isascii() else _encoded_words(rng, text, charset)


def _encoded_words(rng: random.Random, text: str, charset: str) -> str:
    """RFC 2047 encoded words of at most 75 characters, folded, never splitting a character."""
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    mode = rng.choice("BQ")
    words: List[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(_encoded_word(chunk + ch, charset, mode)) > 75:
            words.append(_encoded_word(chunk, charset, mode))
            chunk = ""
        chunk += ch
    words.append(_encoded_word(chunk, charset, mode))
    return "\n ".join(words)


def _encoded_word(text: str, charset: str, mode: str) -> str:
    raw = text.encode(charset)
    if mode == "B":
        payload = base64.b64encode(raw).decode("ascii")
    else:
        payload = "".join(
            "_" if b == 0x20 else chr(b) if chr(b).isalnum() and b < 0x80 else f"={b:02X}"
            for b in raw
        )
    return f"=?{charset}?{mode}?{payload}?="


def _paragraphs(rng: random.Random, lang: str, size: int) -> List[str]:
    words = _LANGS[lang][3].split()
    out: List[str] = []
    total = 0
    while total < size:
        sentence_count = rng.randint(2, 6)
        sentences = []
        for _ in range(sentence_count):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(5, 14)))
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        paragraph = " ".join(sentences)
        out.append(paragraph)
        total += len(paragraph) + 2
    return out


def _wrap(paragraph: str, width: int = 72) -> str:
    lines: List[str] = []
    line = ""
    for word in paragraph.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _encode_body(rng: random.Random, text: str, charset: str) -> Tuple[str, str]:
    """Return (Content-Transfer-Encoding, body as a str of bytes 0-255) for ``text``."""
    raw = text.encode(charset)
    if raw.isascii():
        return "7bit", text
    cte = rng.choice(("8bit", "quoted-printable", "base64"))
    if cte == "8bit":
        encoded = raw
    elif cte == "quoted-printable":
        encoded = binascii.b2a_qp(raw, istext=True)
    else:
        encoded = base64.encodebytes(raw)
    # Carried in a str (surrogateescape) so that headers and bodies join as text; the final
    # encode gives back exactly these bytes.
    return cte, encoded.decode("utf-8", "surrogateescape")


def _text_part(rng: random.Random, lang: str, size: Optional[int] = None) -> str:
    charsets = _LANGS[lang][0]
    charset = rng.choice(charsets)
    size = int(min(rng.lognormvariate(7.6, 0.9), 60_000)) if size is None else size
    text = "\n\n".join(_wrap(p) for p in _paragraphs(rng, lang, size)) + "\n"
    if rng.random() < 0.3:
        text += "\n-- \n" + rng.choice(_LANGS[lang][1]) + "\n"
    if not text.isascii() and charset == "us-ascii":
        charset = "utf-8"
    cte, body = _encode_body(rng, text, charset)
    fmt = "; format=flowed" if rng.random() < 0.2 and cte in ("7bit", "8bit") else ""
    return (
        f"Content-Type: text/plain; charset={charset}{fmt}\n"
        f"Content-Transfer-Encoding: {cte}\n\n{body}"
    )


def _html_part(rng: random.Random, lang: str, size: int) -> str:
    charset = rng.choice(_LANGS[lang][0])
    paragraphs = "".join(f"<p>{p}</p>\n" for p in _paragraphs(rng, lang, size))
    html = (
        f'<html><head><meta charset="{charset}"></head>\n<body style="font-family: sans-serif">\n'
        f"{paragraphs}</body></html>\n"
    )
    if not html.isascii() and charset == "us-ascii":
        charset = "utf-8"
    raw = html.encode(charset)
    body = binascii.b2a_qp(raw, istext=True).decode("ascii")
    return (
        f"Content-Type: text/html; charset={charset}\n"
        f"Content-Transfer-Encoding: quoted-printable\n\n{body}"
    )


def _boundary(rng: random.Random, n: int) -> str:
    return f"----=_Part_{n}_{rng.getrandbits(40):010x}"


def _multipart(subtype: str, boundary: str, parts: List[str]) -> str:
    body = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'
        f"This is a multi-part message in MIME format.\n\n{body}--{boundary}--\n"
    )


def _alternative(rng: random.Random, lang: str, n: int) -> str:
    size = int(min(rng.lognormvariate(7.4, 0.8), 40_000))
    return _multipart(
        "alternative", _boundary(rng, n), [_text_part(rng, lang, size), _html_part(rng, lang, size)]
    )


def _mixed(rng: random.Random, lang: str, n: int, extra: List[str]) -> str:
    return _multipart("mixed", _boundary(rng, n), [_text_part(rng, lang), *extra])


def _attachments(rng: random.Random) -> List[str]:
    parts = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        maintype, subtype, magic, names = rng.choice(_ATTACHMENTS)
        filename = rng.choice(names)
        size = int(min(rng.lognormvariate(9.6, 1.0), 1_500_000))
        payload = base64.encodebytes(magic + rng.randbytes(size)).decode("ascii")
        if filename.isascii():
            params = f'; name="{filename}"', f'; filename="{filename}"'
        else:
            percent = "".join(
                chr(b) if chr(b).isalnum() and b < 0x80 else f"%{b:02X}"
                for b in filename.encode("utf-8")
            )
            encoded = _encoded_word(filename, "utf-8", "B")
            params = f'; name="{encoded}"', f";\n filename*=utf-8''{percent}"
        parts.append(
            f"Content-Type: {maintype}/{subtype}{params[0]}\n"
            f"Content-Disposition: attachment{params[1]}\n"
            f"Content-Transfer-Encoding: base64\n\n{payload}"
        )
    return parts


def _forwarded(rng: random.Random, n: int) -> str:
    when = _EPOCH - timedelta(days=rng.randint(1, 300))
    inner = (
        f"From: {_address(rng, 'en')}\nTo: {_address(rng, 'en')}\n"
        f"Subject: {rng.choice(_LANGS['en'][2]).format(n=n)}\n"
        f"Date: {format_datetime(when)}\n"
        f"Message-ID: <fwd.{n}.{rng.getrandbits(32):08x}@example.net>\nMIME-Version: 1.0\n"
        f"{_text_part(rng, rng.choice(('en', 'de', 'ru')))}"
    )
    return f"Content-Type: message/rfc822\nContent-Disposition: inline\n\n{inner}"
