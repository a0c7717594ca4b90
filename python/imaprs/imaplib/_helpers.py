"""The module-level names of the standard library's imaplib: constants, the command table,
and the date, flag and tag helpers, with the same results."""

from __future__ import annotations

import calendar
import datetime
import re
import time
from typing import Any, Dict, Optional, Tuple, Union

__version__ = "2.58"

CRLF = b"\r\n"
Debug = 0
IMAP4_PORT = 143
IMAP4_SSL_PORT = 993
AllowedVersions = ("IMAP4REV1", "IMAP4")  # preferred first
#: The longest line accepted from the server (patch it as with imaplib).
_MAXLINE = 1000000

_ANY = ("NONAUTH", "AUTH", "SELECTED", "LOGOUT")
_AUTH = ("AUTH", "SELECTED")
_SEL = ("SELECTED",)

#: Command name -> the states it is valid in.
Commands: Dict[str, Tuple[str, ...]] = {
    "APPEND": _AUTH,
    "AUTHENTICATE": ("NONAUTH",),
    "CAPABILITY": _ANY,
    "CHECK": _SEL,
    "CLOSE": _SEL,
    "COPY": _SEL,
    "CREATE": _AUTH,
    "DELETE": _AUTH,
    "DELETEACL": _AUTH,
    "ENABLE": ("AUTH",),
    "EXAMINE": _AUTH,
    "EXPUNGE": _SEL,
    "FETCH": _SEL,
    "GETACL": _AUTH,
    "GETANNOTATION": _AUTH,
    "GETQUOTA": _AUTH,
    "GETQUOTAROOT": _AUTH,
    "IDLE": _AUTH,
    "MYRIGHTS": _AUTH,
    "LIST": _AUTH,
    "LOGIN": ("NONAUTH",),
    "LOGOUT": _ANY,
    "LSUB": _AUTH,
    "MOVE": _SEL,
    "NAMESPACE": _AUTH,
    "NOOP": _ANY,
    "PARTIAL": _SEL,
    "PROXYAUTH": ("AUTH",),
    "RENAME": _AUTH,
    "SEARCH": _SEL,
    "SELECT": _AUTH,
    "SETACL": _AUTH,
    "SETANNOTATION": _AUTH,
    "SETQUOTA": _AUTH,
    "SORT": _SEL,
    "STARTTLS": ("NONAUTH",),
    "STATUS": _AUTH,
    "STORE": _SEL,
    "SUBSCRIBE": _AUTH,
    "THREAD": _SEL,
    "UID": _SEL,
    "UNSUBSCRIBE": _AUTH,
    "UNSELECT": _SEL,
}

Continuation = re.compile(rb"\+( (?P<data>.*))?")
Flags = re.compile(rb".*FLAGS \((?P<flags>[^\)]*)\)")
InternalDate = re.compile(
    rb'.*INTERNALDATE "'
    rb"(?P<day>[ 0123][0-9])-(?P<mon>[A-Z][a-z][a-z])-(?P<year>[0-9][0-9][0-9][0-9])"
    rb" (?P<hour>[0-9][0-9]):(?P<min>[0-9][0-9]):(?P<sec>[0-9][0-9])"
    rb" (?P<zonen>[-+])(?P<zoneh>[0-9][0-9])(?P<zonem>[0-9][0-9])"
    rb'"'
)
Literal = re.compile(rb".*{(?P<size>\d+)}$", re.ASCII)
MapCRLF = re.compile(rb"\r\n|\r|\n")
Response_code = re.compile(rb"\[(?P<type>[A-Z-]+)( (?P<data>.*))?\]")
Untagged_response = re.compile(rb"\* (?P<type>[A-Z-]+)( (?P<data>.*))?")
_Literal = rb".*{(?P<size>\d+)}$"
_Untagged_status = rb"\* (?P<data>\d+) (?P<type>[A-Z-]+)( (?P<data2>.*))?"
Untagged_status = re.compile(_Untagged_status, re.ASCII)

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
Months = ["", *_MONTH_NAMES]
Mon2num = {name.encode(): number for number, name in enumerate(_MONTH_NAMES, 1)}

#: Characters that make a mailbox name need quotes (anything but atom characters).
NEEDS_QUOTES = re.compile(r"[^!#$%&'*+,./:;<=>?@^_`|~0-9A-Za-z-]")


def Internaldate2tuple(resp: bytes) -> Optional[time.struct_time]:
    """The INTERNALDATE in a FETCH response, as local time (a ``time.struct_time``); None
    when ``resp`` has none."""
    found = InternalDate.match(resp)
    if found is None:
        return None
    part = found.groupdict()
    east = (int(part["zoneh"]) * 60 + int(part["zonem"])) * 60
    if part["zonen"] == b"-":
        east = -east
    date = (int(part["year"]), Mon2num[part["mon"]], int(part["day"]))
    clock = (int(part["hour"]), int(part["min"]), int(part["sec"]))
    return time.localtime(calendar.timegm(date + clock) - east)


def Int2AP(num: int) -> bytes:
    """``abs(num)`` written in base 16 with the letters A to P for digits (b"" for 0)."""
    num = abs(int(num))
    letters = bytearray()
    while num:
        num, digit = divmod(num, 16)
        letters.insert(0, 0x41 + digit)
    return bytes(letters)


def ParseFlags(resp: bytes) -> Tuple[bytes, ...]:
    """The flags in a response with ``FLAGS (...)``, as a tuple of bytes (() if none)."""
    found = Flags.match(resp)
    return tuple(found.group("flags").split()) if found else ()


def Time2Internaldate(date_time: Any) -> str:
    """``date_time`` as a quoted INTERNALDATE string such as ``'"05-Mar-2024 14:30:00
    +0100"'``. Takes seconds since the epoch (local time), a ``time.struct_time`` or a
    9-tuple (local time), an aware ``datetime``, or a string already in double quotes."""
    if isinstance(date_time, (int, float)):
        moment = datetime.datetime.fromtimestamp(date_time, datetime.timezone.utc).astimezone()
    elif isinstance(date_time, tuple):
        east = datetime.timedelta(seconds=_seconds_east(date_time))
        year, month, day, hour, minute, second = date_time[:6]
        zone = datetime.timezone(east)
        moment = datetime.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    elif isinstance(date_time, datetime.datetime):
        if date_time.tzinfo is None:
            raise ValueError("date_time must be aware")
        moment = date_time
    elif isinstance(date_time, str) and date_time[:1] == date_time[-1:] == '"':
        return date_time  # already an INTERNALDATE string, taken as it is
    else:
        raise ValueError("date_time not of a known type")
    east_minutes = int((moment.utcoffset() or datetime.timedelta()).total_seconds()) // 60
    sign = "-" if east_minutes < 0 else "+"
    hours, minutes = divmod(abs(east_minutes), 60)
    return (
        f'"{moment.day:02d}-{Months[moment.month]}-{moment.year:04d} '
        f'{moment:%H:%M:%S} {sign}{hours:02d}{minutes:02d}"'
    )


def _seconds_east(fields: Any) -> int:
    """The UTC offset of a local time given as a time tuple: its own ``tm_gmtoff`` when it
    has one, else the local zone's, with daylight saving time as ``tm_isdst`` says (or as
    it was in force then, for -1)."""
    if hasattr(fields, "tm_gmtoff"):
        return int(fields.tm_gmtoff)
    if not time.daylight:
        return -time.timezone
    dst = fields[8]
    if dst == -1:
        dst = time.localtime(time.mktime(fields)).tm_isdst
    return -(time.timezone, time.altzone)[dst]


def check_controls(arg: Union[bytes, str]) -> None:
    """Refuses NUL, CR and LF in a command argument (they could start another command)."""
    raw = arg.encode("utf-8", "surrogateescape") if isinstance(arg, str) else arg
    if b"\0" in raw or b"\r" in raw or b"\n" in raw:
        raise ValueError("Control characters not allowed in commands")
