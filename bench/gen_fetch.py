"""Deterministic, realistic FETCH response stream for parser benchmarks.

Each message is answered as a server answers
``FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)``: envelopes with
quoted and RFC 2047 subjects, escaped quotes and backslashes, NIL names and fields, a few
subjects sent as literals (as Dovecot does for 8-bit text), and bodystructures from a
single text part to nested multiparts with attachments and message/rfc822 parts.

usage: python bench/gen_fetch.py OUT [--count N] [--seed S]
"""

from __future__ import annotations

import argparse
import base64
import random
from typing import List

FIRST = ["Alice", "Bob", "Carol", "Dave", "Eve", "Mallory", "Zoë", "Jürgen", "Иван", "李"]
LAST = ["Example", "Builder", "O'Brien", "Nordmann", "Dupont", "Groß", "Ångström", "Petrov"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "lists.example.edu"]
WORDS = [
    "quarterly",
    "report",
    "meeting",
    "notes",
    "invoice",
    "shipped",
    "build",
    "failed",
    "review",
    "lunch",
    "agenda",
    "budget",
    "release",
    "candidate",
    "draft",
    "contract",
    "urgent",
    "weekly",
    "digest",
    "reminder",
    "update",
]
FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "$Junk", "Work", "\\Draft"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nstring(text: str) -> str:
    """A quoted string, or a literal for 8-bit text (as a server without UTF8=ACCEPT)."""
    raw = text.encode()
    if not raw.isascii():
        return "{%d}\r\n%s" % (len(raw), text)
    return q(text)


def encoded_word(text: str) -> str:
    return "=?utf-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def address(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = "".join(c for c in (first + "." + last).lower() if c.isascii() and c.isalnum())
    name = "NIL" if rng.random() < 0.2 else q(f"{first} {last}")
    if not f"{first} {last}".isascii() and name != "NIL":
        name = q(encoded_word(f"{first} {last}"))
    return f"({name} NIL {q(local or 'user')} {q(rng.choice(DOMAINS))})"


def address_list(rng: random.Random, low: int, high: int) -> str:
    n = rng.randint(low, high)
    return "NIL" if n == 0 else "(" + "".join(address(rng) for _ in range(n)) + ")"


def subject(rng: random.Random, i: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
    roll = rng.random()
    if roll < 0.15:
        return q(encoded_word(f"Отчёт {words} №{i}"))
    if roll < 0.2:
        return nstring(f"Rückfrage: {words}")
    if roll < 0.25:
        return q(f'Re: "{words}" \\ path\\to\\{i}')
    return q(f"{rng.choice(['', 'Re: ', 'Fwd: '])}{words} #{i}")


def envelope(rng: random.Random, i: int, date: str) -> str:
    sender = address_list(rng, 1, 1)
    reply = "NIL" if rng.random() < 0.3 else sender
    return "(%s %s %s %s %s %s %s %s %s %s)" % (
        q(date),
        subject(rng, i),
        sender,
        sender,
        reply,
        address_list(rng, 1, 4),
        address_list(rng, 0, 3),
        "NIL",
        "NIL" if rng.random() < 0.6 else q(f"<{i - 1}.{rng.randint(1, 10**9)}@example.com>"),
        q(f"<{i}.{rng.randint(1, 10**9)}@{rng.choice(DOMAINS)}>"),
    )


def text_part(rng: random.Random, subtype: str) -> str:
    size = rng.randint(200, 40000)
    charset = rng.choice(["utf-8", "us-ascii", "iso-8859-1", "windows-1251"])
    encoding = rng.choice(["7bit", "quoted-printable", "base64", "8bit"])
    return '("text" %s ("charset" %s) NIL NIL %s %d %d NIL NIL NIL NIL)' % (
        q(subtype),
        q(charset),
        q(encoding),
        size,
        size // 60,
    )


def attachment(rng: random.Random) -> str:
    kind, sub, ext = rng.choice(
        [("application", "pdf", "pdf"), ("image", "png", "png"), ("application", "zip", "zip")]
    )
    name = f"{rng.choice(WORDS)}-{rng.randint(1, 999)}.{ext}"
    size = rng.randint(5000, 2_000_000)
    return '(%s %s ("name" %s) NIL NIL "base64" %d NIL ("attachment" ("filename" %s)) NIL NIL)' % (
        q(kind),
        q(sub),
        q(name),
        size,
        q(name),
    )


def multipart(parts: List[str], subtype: str, boundary: str) -> str:
    return '(%s %s ("boundary" %s) NIL NIL NIL)' % ("".join(parts), q(subtype), q(boundary))


def bodystructure(rng: random.Random, i: int) -> str:
    shape = rng.random()
    if shape < 0.35:
        return text_part(rng, "plain")
    alternative = multipart(
        [text_part(rng, "plain"), text_part(rng, "html")], "alternative", f"alt-{i}"
    )
    if shape < 0.65:
        return alternative
    attachments = [attachment(rng) for _ in range(rng.randint(1, 3))]
    if shape < 0.85:
        return multipart([text_part(rng, "plain"), *attachments], "mixed", f"mix-{i}")
    if shape < 0.95:
        return multipart([alternative, *attachments], "mixed", f"mix-{i}")
    rfc822 = '("message" "rfc822" NIL NIL NIL "7bit" %d %s %s %d)' % (
        rng.randint(1000, 9000),
        envelope(rng, i, "Mon, 1 Jan 2024 10:00:00 +0000"),
        text_part(rng, "plain"),
        rng.randint(20, 200),
    )
    return multipart([text_part(rng, "plain"), rfc822], "mixed", f"fwd-{i}")


def generate(count: int = 10_000, seed: int = 1) -> bytes:
    """The FETCH responses for ``count`` messages and the tagged completion."""
    rng = random.Random(seed)
    out = []
    uid = 1000
    for i in range(1, count + 1):
        uid += rng.randint(1, 3)
        day, month, year = rng.randint(1, 28), rng.choice(MONTHS), rng.randint(2015, 2026)
        hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        zone = rng.choice(["+0000", "-0700", "+0100", "+0530"])
        idate = f"{day:02d}-{month}-{year} {hh:02d}:{mm:02d}:{ss:02d} {zone}"
        date = f"Mon, {day} {month} {year} {hh:02d}:{mm:02d}:{ss:02d} {zone}"
        flags = " ".join(sorted(set(rng.sample(FLAGS, rng.randint(0, 3)))))
        line = (
            "* %d FETCH (UID %d FLAGS (%s) INTERNALDATE %s RFC822.SIZE %d"
            " ENVELOPE %s BODYSTRUCTURE %s)\r\n"
            % (
                i,
                uid,
                flags,
                q(idate),
                rng.randint(800, 3_000_000),
                envelope(rng, i, date),
                bodystructure(rng, i),
            )
        )
        out.append(line.encode())
    out.append(b"A001 OK Fetch completed (0.123 + 0.000 secs).\r\n")
    return b"".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = generate(args.count, args.seed)
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"{len(data):,} bytes, {args.count:,} messages -> {args.out}")


if __name__ == "__main__":
    main()
